import { DataFormatError } from "./errors.js";

/**
 * The most bytes {@link gunzip} produces unless told otherwise: 256 MiB. A gzip stream can
 * expand about a thousandfold (5 MB of zeros inflate to 5 GB), so the output is bounded before
 * it is allocated; pass `maxOutputBytes` to read larger files.
 */
export const DEFAULT_MAX_GUNZIP_BYTES = 256 * 1024 * 1024;

/** Options for {@link gunzip} and {@link maybeGunzip}. */
export interface GunzipOptions {
  /** Name of the input (file name, URL), used in error messages. */
  source?: string;
  /**
   * Largest decompressed size accepted, in bytes (default {@link DEFAULT_MAX_GUNZIP_BYTES}).
   * Decompression stops as soon as the output passes it, so memory stays bounded by the limit.
   */
  maxOutputBytes?: number;
}

/**
 * True when `bytes` starts with the gzip magic bytes `1f 8b` followed by the
 * deflate method byte `08` (the only method gzip defines).
 *
 * @example
 * isGzip(new Uint8Array([0x1f, 0x8b, 0x08, 0x00])); // true
 * isGzip(new TextEncoder().encode("x,y\n"));       // false
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 0x08;
}

/**
 * Decompresses gzip data with the web-standard `DecompressionStream`, so the
 * same code runs in Node (18+) and in browsers.
 *
 * Input that is not gzip, a truncated or corrupt stream, and output larger than
 * `maxOutputBytes` (default 256 MiB) reject with a {@link DataFormatError} (the
 * underlying error is kept as `cause`). The output is read as a stream and
 * decompression is cancelled once it passes the limit, so a "zip bomb" costs
 * at most the limit in memory.
 *
 * @example
 * const csv = new TextDecoder().decode(await gunzip(bytes));
 * const big = await gunzip(bytes, { maxOutputBytes: 2 ** 30 }); // allow up to 1 GiB
 */
export async function gunzip(bytes: Uint8Array, opts: GunzipOptions = {}): Promise<Uint8Array> {
  const source = opts.source;
  const limit = opts.maxOutputBytes ?? DEFAULT_MAX_GUNZIP_BYTES;
  if (!(Number.isSafeInteger(limit) && limit >= 0))
    throw new TypeError(`gunzip: maxOutputBytes must be a non-negative integer, got ${String(limit)}`);
  if (!isGzip(bytes)) {
    const found =
      bytes.length === 0
        ? "empty input"
        : Array.from(bytes.subarray(0, 3), (b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new DataFormatError("gzip", `not gzip data: expected magic bytes 1f 8b 08, found ${found}`, { source, offset: 0 });
  }

  // Streams take ArrayBuffer-backed views only; copy a shared-memory view.
  const input = bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
  const stream = new DecompressionStream("gzip");
  const writer = stream.writable.getWriter();
  // Feed the input without awaiting: the stream applies backpressure until
  // the output is read, so writing first and reading after could stall.
  // Failures (and the cancellation below) surface through the reader, so these
  // promises need no handler beyond keeping them from being reported as unhandled.
  writer.write(input).catch(() => {});
  writer.close().catch(() => {});

  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        // stop inflating: cancelling the readable side errors the writable side, which drops the input
        await reader.cancel().catch(() => {});
        chunks.length = 0;
        throw new DataFormatError(
          "gzip",
          `output exceeds maxOutputBytes = ${limit}${human(limit)}: ${bytes.length} bytes${human(bytes.length)} of gzip data inflate to more than that; ` +
            "pass a larger maxOutputBytes if the file is trusted",
          { source },
        );
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof DataFormatError) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw new DataFormatError("gzip", `corrupt or truncated stream (${why})`, { source }, { cause: e });
  }

  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

/**
 * Returns `bytes` decompressed when they are gzip data, unchanged otherwise
 * (with the same options and limit as {@link gunzip}).
 *
 * @example
 * const res = await fetch("t10k-labels-idx1-ubyte.gz");
 * const raw = await maybeGunzip(new Uint8Array(await res.arrayBuffer()));
 */
export async function maybeGunzip(bytes: Uint8Array, opts: GunzipOptions = {}): Promise<Uint8Array> {
  return isGzip(bytes) ? gunzip(bytes, opts) : bytes;
}

/** `268435456` → `" (256 MiB)"`; nothing below 1 KiB. */
function human(n: number): string {
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u < 0 ? "" : ` (${Number.isInteger(v) ? v : v.toFixed(1)} ${units[u]})`;
}
