import { DataFormatError } from "./errors.js";

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
 * Input that is not gzip, and a truncated or corrupt stream, reject with a
 * {@link DataFormatError} (the underlying error is kept as `cause`).
 *
 * @example
 * const csv = new TextDecoder().decode(await gunzip(bytes));
 */
export async function gunzip(bytes: Uint8Array, opts: { source?: string } = {}): Promise<Uint8Array> {
  const source = opts.source;
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
  // Failures surface through the reader, so these promises need no handler
  // beyond keeping them from being reported as unhandled.
  writer.write(input).catch(() => {});
  writer.close().catch(() => {});

  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
    }
  } catch (e) {
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
 * Returns `bytes` decompressed when they are gzip data, unchanged otherwise.
 *
 * @example
 * const res = await fetch("t10k-labels-idx1-ubyte.gz");
 * const raw = await maybeGunzip(new Uint8Array(await res.arrayBuffer()));
 */
export async function maybeGunzip(bytes: Uint8Array, opts: { source?: string } = {}): Promise<Uint8Array> {
  return isGzip(bytes) ? gunzip(bytes, opts) : bytes;
}
