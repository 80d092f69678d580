// Saving a report to disk (Node only): the text files plus a PNG of every figure, written into
// a temporary folder next to the target and renamed into place at the end, so a run folder is
// either complete or absent.

import { access, mkdir, readdir, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { svgToPNG } from "../plot/index.js";
import { figurePaths, reportTextFiles } from "./files.js";
import type { Report } from "./types.js";

/** Why a report could not be saved; the message names the folder and the reason. */
export class OutputError extends Error {
  override name = "OutputError";
  /** The write was stopped by its AbortSignal (nothing was left behind). */
  aborted = false;
}

export interface WriteReportOpts {
  /** PNG pixel density relative to the SVG size (default 2). */
  pngScale?: number;
  /**
   * Aborting it stops the write between two files: the temporary folder is removed, nothing is
   * left behind, and the promise rejects with an {@link OutputError} whose `aborted` is true.
   */
  signal?: AbortSignal;
}

/** A hidden sibling of `target` that does not exist yet: .<name>.tmp-<random>. */
function tempSibling(target: string): string {
  return join(dirname(target), `.${basename(target)}.tmp-${randomBytes(6).toString("hex")}`);
}

/** Result of {@link writeReport}: the run folder and the files in it (relative paths). */
export interface WrittenReport {
  dir: string;
  files: string[];
  reportPath: string;
}

async function kind(p: string): Promise<"dir" | "file" | "missing"> {
  try {
    return (await stat(p)).isDirectory() ? "dir" : "file";
  } catch (e) {
    // ENOTDIR: some ancestor is a file, so the path cannot exist
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return "missing";
    throw e;
  }
}

async function isEmptyDir(p: string): Promise<boolean> {
  return (await readdir(p)).length === 0;
}

/**
 * Checks that a report can be written to `outDir`: the folder must not exist (or be empty) and
 * its nearest existing ancestor must be a folder in which a folder can really be made (a
 * throw-away folder is made and removed again, which catches read-only and pseudo file systems
 * such as /proc that permission bits do not).
 * Throws {@link OutputError} otherwise. Run it before a long computation so a bad `--out`
 * fails at once.
 */
export async function checkOutputDir(outDir: string): Promise<void> {
  const target = resolve(outDir);
  const k = await kind(target);
  if (k === "file") throw new OutputError(`cannot write to ${outDir}: it is a file, not a folder`);
  if (k === "dir" && !(await isEmptyDir(target))) throw new OutputError(`cannot write to ${outDir}: the folder exists and is not empty (choose another --out)`);
  let ancestor = dirname(target);
  for (;;) {
    const a = await kind(ancestor);
    if (a === "dir") break;
    if (a === "file") throw new OutputError(`cannot write to ${outDir}: ${ancestor} is a file, not a folder`);
    const up = dirname(ancestor);
    if (up === ancestor) throw new OutputError(`cannot write to ${outDir}: no existing parent folder`);
    ancestor = up;
  }
  try {
    await access(ancestor, constants.W_OK | constants.X_OK);
  } catch {
    throw new OutputError(`cannot write to ${outDir}: ${ancestor} is not writable`);
  }
  const probe = tempSibling(join(ancestor, "probe"));
  try {
    await mkdir(probe);
  } catch (e) {
    throw new OutputError(`cannot write to ${outDir}: cannot create a folder in ${ancestor} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  await rmdir(probe).catch(() => undefined);
}

/** A file to write: a path relative to the output folder and its contents. */
export interface OutputFile {
  path: string;
  data: string | Uint8Array;
}

/**
 * Writes `files` into `outDir` atomically: everything goes into a hidden temporary folder
 * beside it, which is renamed to `outDir` once complete. On any error nothing is left behind
 * (parent folders created for it are removed again). Returns the absolute folder path.
 * @example
 * await writeFilesAtomic("out/graph", [{ path: "graph.dot", data: dot }]);
 */
export async function writeFilesAtomic(outDir: string, files: readonly OutputFile[], opts: { signal?: AbortSignal } = {}): Promise<string> {
  await checkOutputDir(outDir);
  const target = resolve(outDir);
  const parent = dirname(target);
  const created: string[] = [];
  for (let p = parent; (await kind(p)) === "missing"; p = dirname(p)) created.unshift(p);
  let tmp: string | undefined;
  try {
    for (const p of created) await mkdir(p);
    // mkdir (not mkdtemp, which makes 0700 folders) so the folder's mode follows the umask
    tmp = tempSibling(target);
    await mkdir(tmp);
    for (const f of files) {
      throwIfAborted(opts.signal, outDir);
      const dest = join(tmp, f.path);
      await mkdir(dirname(dest), { recursive: true });
      await writeFile(dest, f.data);
    }
    throwIfAborted(opts.signal, outDir);
    if ((await kind(target)) === "dir") await rmdir(target); // empty, checked above
    await rename(tmp, target);
    tmp = undefined;
    return target;
  } catch (e) {
    if (tmp) await rm(tmp, { recursive: true, force: true });
    for (const p of created.reverse()) await rmdir(p).catch(() => undefined);
    if (e instanceof OutputError) throw e;
    throw new OutputError(`cannot write to ${outDir}: ${(e as Error).message}`, { cause: e });
  }
}

function throwIfAborted(signal: AbortSignal | undefined, outDir: string): void {
  if (!signal?.aborted) return;
  const e = new OutputError(`writing ${outDir} was interrupted: nothing was written`);
  e.aborted = true;
  throw e;
}

/** Every file of a report, PNGs rendered from the SVG figures. */
export async function reportFiles(report: Report, opts: WriteReportOpts = {}): Promise<OutputFile[]> {
  const files: OutputFile[] = reportTextFiles(report).map((f) => ({ path: f.path, data: f.text }));
  for (const f of report.figures) {
    // yield between figures so a signal (Ctrl-C) can be heard while the PNGs render
    await new Promise((r) => setImmediate(r));
    throwIfAborted(opts.signal, "the report");
    try {
      files.push({ path: figurePaths(f.name).png, data: await svgToPNG(f.svg, { scale: opts.pngScale ?? 2 }) });
    } catch (e) {
      throw new OutputError(`cannot render ${figurePaths(f.name).png}: ${(e as Error).message}`, { cause: e });
    }
  }
  for (const img of report.images ?? []) files.push({ path: `${img.name}.png`, data: img.png });
  return files;
}

/**
 * Writes report.md, metrics.json, the CSV tables and each figure as SVG and PNG into
 * `outDir`, atomically (see {@link writeFilesAtomic}).
 * @example
 * const { reportPath } = await writeReport(report, "runs/line-fit");
 */
export async function writeReport(report: Report, outDir: string, opts: WriteReportOpts = {}): Promise<WrittenReport> {
  await checkOutputDir(outDir);
  let files: OutputFile[];
  try {
    files = await reportFiles(report, opts);
  } catch (e) {
    if (e instanceof OutputError && e.aborted) throwIfAborted(opts.signal, outDir);
    throw e;
  }
  const dir = await writeFilesAtomic(outDir, files, { signal: opts.signal });
  return { dir, files: files.map((f) => f.path), reportPath: join(dir, "report.md") };
}
