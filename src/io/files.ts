// Synchronous file access for the io functions that take a path. The module must load in
// browsers too (it sits under `tg.io`), so it never imports node:fs: `process.getBuiltinModule`
// (Node ≥ 20.16) hands over the built-ins without an import statement, and bundlers see nothing
// to resolve. Elsewhere the path functions throw; `encode`/`decode` work everywhere.

import { ArgumentError } from "../core/errors.js";

type Fs = typeof import("node:fs");
type Path = typeof import("node:path");

interface NodeProcess {
  getBuiltinModule?: (id: string) => unknown;
  pid?: number;
}

function nodeModules(op: string): { fs: Fs; path: Path } {
  const proc = (globalThis as { process?: NodeProcess }).process;
  const fs = proc?.getBuiltinModule?.("node:fs") as Fs | undefined;
  const path = proc?.getBuiltinModule?.("node:path") as Path | undefined;
  if (!fs || !path)
    throw new ArgumentError(
      `${op}: reading and writing files needs Node 20.16 or later (process.getBuiltinModule); ` +
        "elsewhere use tg.io.encode / tg.io.decode on bytes",
    );
  return { fs, path };
}

/** Rethrows a file-system error with the operation and the user's path in front. */
function fileError(op: string, verb: string, file: string, e: unknown): Error {
  const why = e instanceof Error ? e.message : String(e);
  const err = new Error(`${op}: cannot ${verb} '${file}': ${why}`, { cause: e }) as Error & { code?: unknown };
  const code = (e as { code?: unknown } | null)?.code;
  if (code !== undefined) err.code = code;
  return err;
}

/**
 * Reads a whole file into one Uint8Array (in chunks, so files past `readFileSync`'s 2 GiB limit
 * load too). `checkHead(head, size)` sees the first bytes (at most `headLength`) and the file's
 * size before the rest is read, so a file that is evidently not what the caller wants is refused
 * without reading, or allocating, all of it.
 * @example const bytes = readFileBytes("io.load", "model.safetensors");
 */
export function readFileBytes(
  op: string,
  file: string,
  checkHead?: (head: Uint8Array, size: number) => void,
  headLength = 8,
): Uint8Array {
  const { fs } = nodeModules(op);
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, "r");
    const size = fs.fstatSync(fd).size;
    if (checkHead) {
      const head = new Uint8Array(Math.min(headLength, size));
      readFully(fs, fd, head, 0);
      checkHead(head, size);
    }
    const out = new Uint8Array(size);
    readFully(fs, fd, out, 0);
    return out;
  } catch (e) {
    if (!isSystemError(e)) throw e;
    throw fileError(op, "read", file, e);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Fills `buf` from position `pos` of the file; a file that shrank meanwhile is an error. */
function readFully(fs: Fs, fd: number, buf: Uint8Array, pos: number): void {
  const CHUNK = 1 << 30;
  for (let at = 0; at < buf.length; ) {
    const n = fs.readSync(fd, buf, at, Math.min(CHUNK, buf.length - at), pos + at);
    if (n === 0) throw Object.assign(new Error(`the file ended after ${at} of ${buf.length} bytes (was it truncated while being read?)`), { code: "EIO" });
    at += n;
  }
}

/** An error from the file system (which carries a `code`), as opposed to one from `checkHead`. */
function isSystemError(e: unknown): boolean {
  return e instanceof Error && typeof (e as { code?: unknown }).code === "string";
}

/**
 * Writes `bytes` to `file` atomically: into a new temporary file in the same directory, flushed
 * to disk, then renamed over `file`. Readers see the old file or the new one, never a part; on
 * any failure the temporary file is removed and `file` is left as it was.
 * @example writeFileAtomic("io.save", "model.safetensors", bytes);
 */
export function writeFileAtomic(op: string, file: string, bytes: Uint8Array): void {
  const { fs, path } = nodeModules(op);
  const target = path.resolve(file);
  const dir = path.dirname(target);
  const tag = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, "0")).join("");
  const pid = (globalThis as { process?: NodeProcess }).process?.pid ?? 0;
  const tmp = path.join(dir, `.${path.basename(target)}.${pid}.${tag}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, "wx"); // exclusive: never follows or reuses an existing file
    for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, bytes.length - at);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing; the original error is the one to report
      }
    }
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // nothing more can be done
    }
    throw fileError(op, "write", file, e);
  }
  // make the rename itself durable where the platform allows (not on Windows)
  try {
    const d = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(d);
    } finally {
      fs.closeSync(d);
    }
  } catch {
    // best effort only
  }
}
