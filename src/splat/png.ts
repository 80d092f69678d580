// PNG in and out for images as [H, W, 3] float tensors in [0, 1]. The decoder is strict: 8-bit
// grey, grey+alpha, RGB or RGBA, not interlaced, every chunk's CRC checked, IHDR first and IEND
// last, all five row filters, and a bounded size; anything else is an ImageFormatError naming
// what was wrong. Alpha is dropped (the images here are opaque). (De)compression goes through the
// standard Compression Streams ("deflate" is zlib's format), present in Node ≥ 18 and browsers.

import { ArgumentError, ShapeError, fmtShape } from "../core/errors.js";
import { tensor } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";

/** Bytes that are not a PNG this decoder reads (wrong signature, truncated, bad CRC, unsupported format). */
export class ImageFormatError extends ArgumentError {
  override name = "ImageFormatError";
}

/** The most pixels a decoded image may have (a 4096×4096 image). */
export const MAX_PIXELS = 4096 * 4096;

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

async function pipe(data: Uint8Array, stream: CompressionStream | DecompressionStream, limit: number, what: string): Promise<Uint8Array> {
  const writer = stream.writable.getWriter();
  const done = writer.write(data as Uint8Array<ArrayBuffer>).then(() => writer.close()).catch(() => undefined);
  const reader = stream.readable.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { value, done: end } = await reader.read();
      if (end) break;
      total += value.length;
      if (total > limit) {
        await reader.cancel();
        throw new ImageFormatError(`${what}: decompressed data exceed the ${limit} bytes the header allows`);
      }
      parts.push(value);
    }
  } catch (e) {
    if (e instanceof ImageFormatError) throw e;
    throw new ImageFormatError(`${what}: the compressed image data are corrupt (${e instanceof Error ? e.message : String(e)})`);
  }
  await done;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A decoded image: 8-bit samples, `channels` per pixel, row-major. */
export interface DecodedImage {
  width: number;
  height: number;
  /** 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. */
  channels: number;
  pixels: Uint8Array;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/**
 * Decodes PNG bytes (8-bit grey/RGB with or without alpha, not interlaced).
 * @example const img = await tg.splat.decodePNG(bytes); // { width, height, channels, pixels }
 */
export async function decodePNG(bytes: Uint8Array): Promise<DecodedImage> {
  const op = "decodePNG";
  if (!(bytes instanceof Uint8Array)) throw new ArgumentError(`${op}: expected a Uint8Array`);
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw new ImageFormatError(`${op}: not a PNG (the 8-byte signature is missing)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let header: { width: number; height: number; channels: number } | undefined;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (!ended) {
    if (pos + 12 > bytes.length) throw new ImageFormatError(`${op}: truncated at byte ${pos} (no IEND chunk)`);
    const len = dv.getUint32(pos);
    const type = String.fromCharCode(bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]);
    const end = pos + 8 + len;
    if (len > 0x7fffffff || end + 4 > bytes.length) throw new ImageFormatError(`${op}: truncated inside the ${type} chunk at byte ${pos}`);
    if (crc32(bytes, pos + 4, end) !== dv.getUint32(end)) throw new ImageFormatError(`${op}: CRC mismatch in the ${type} chunk at byte ${pos}`);
    const body = bytes.subarray(pos + 8, end);
    if (!header && type !== "IHDR") throw new ImageFormatError(`${op}: the first chunk is ${type}, not IHDR`);
    if (type === "IHDR") {
      if (header) throw new ImageFormatError(`${op}: a second IHDR chunk`);
      if (len !== 13) throw new ImageFormatError(`${op}: IHDR has ${len} bytes, not 13`);
      const width = dv.getUint32(pos + 8), height = dv.getUint32(pos + 12);
      const [depth, colour, compression, filter, interlace] = body.subarray(8, 13);
      if (width === 0 || height === 0) throw new ImageFormatError(`${op}: empty image ${width}×${height}`);
      if (width * height > MAX_PIXELS) throw new ImageFormatError(`${op}: ${width}×${height} exceeds the ${MAX_PIXELS}-pixel limit`);
      if (depth !== 8) throw new ImageFormatError(`${op}: bit depth ${depth} is not supported (8 only)`);
      if (!(colour in CHANNELS)) throw new ImageFormatError(`${op}: colour type ${colour} is not supported (grey, grey+alpha, RGB, RGBA)`);
      if (compression !== 0 || filter !== 0) throw new ImageFormatError(`${op}: unknown compression ${compression} or filter method ${filter}`);
      if (interlace !== 0) throw new ImageFormatError(`${op}: interlaced PNGs are not supported`);
      header = { width, height, channels: CHANNELS[colour] };
    } else if (type === "IDAT") idat.push(body);
    else if (type === "IEND") ended = true;
    else if ((bytes[pos + 4] & 0x20) === 0) throw new ImageFormatError(`${op}: unknown critical chunk ${type}`);
    pos = end + 4;
  }
  const { width, height, channels } = header!;
  if (idat.length === 0) throw new ImageFormatError(`${op}: no IDAT chunk`);
  const stride = width * channels;
  const expected = height * (stride + 1);
  const compressed = new Uint8Array(idat.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of idat) {
    compressed.set(p, o);
    o += p.length;
  }
  const raw = await pipe(compressed, new DecompressionStream("deflate"), expected, op);
  if (raw.length !== expected) throw new ImageFormatError(`${op}: image data hold ${raw.length} bytes, ${expected} expected for ${width}×${height}×${channels}`);
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const up = row - stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[row + x - channels] : 0;
      const b = y > 0 ? pixels[up + x] : 0;
      const c = x >= channels && y > 0 ? pixels[up + x - channels] : 0;
      let pred: number;
      switch (f) {
        case 0: pred = 0; break;
        case 1: pred = a; break;
        case 2: pred = b; break;
        case 3: pred = (a + b) >> 1; break;
        case 4: {
          const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: throw new ImageFormatError(`${op}: row ${y} has unknown filter type ${f}`);
      }
      pixels[row + x] = (raw[src + x] + pred) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/**
 * An [H, W, 3] float32 tensor in [0, 1] from a decoded image (grey repeated, alpha dropped).
 * @example const target = tg.splat.imageTensor(await tg.splat.decodePNG(bytes));
 */
export function imageTensor(img: DecodedImage): Tensor {
  const { width, height, channels, pixels } = img;
  const out = new Float32Array(width * height * 3);
  for (let p = 0; p < width * height; p++)
    for (let ch = 0; ch < 3; ch++) out[3 * p + ch] = pixels[p * channels + (channels < 3 ? 0 : ch)] / 255;
  return tensor(out, { shape: [height, width, 3] });
}

/**
 * PNG bytes (8-bit RGB) of an [H, W, 3] image with values in [0, 1] (clamped, rounded), or of
 * its flat values with `shape`.
 * @example await writeFile("fit.png", await tg.splat.encodePNG(render));
 */
export async function encodePNG(image: Tensor | ArrayLike<number>, shape?: readonly [number, number, number]): Promise<Uint8Array> {
  const s = shape ?? (("shape" in image ? image.shape : []) as readonly number[]);
  const values = "data" in image && typeof image.data === "function" ? (image as Tensor).data() : (image as ArrayLike<number>);
  if (s.length !== 3 || s[2] !== 3 || s[0] < 1 || s[1] < 1 || values.length !== s[0] * s[1] * 3)
    throw new ShapeError(`encodePNG: expected an [H, W, 3] image, got ${fmtShape(s)} with ${values.length} values`);
  const [height, width] = s;
  const w = new ChunkWriter(width, height);
  w.chunk("IDAT", await frameData("encodePNG", values, width, height));
  return w.finish();
}

/** 8-bit RGB rows with filter byte 0, deflated. */
async function frameData(op: string, values: ArrayLike<number>, width: number, height: number): Promise<Uint8Array> {
  const stride = width * 3;
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++)
    for (let x = 0; x < stride; x++) {
      const v = values[y * stride + x];
      if (Number.isNaN(v)) throw new ArgumentError(`${op}: NaN at pixel (${y}, ${Math.floor(x / 3)})`);
      raw[y * (stride + 1) + 1 + x] = Math.round(Math.min(1, Math.max(0, v)) * 255);
    }
  return pipe(raw, new CompressionStream("deflate"), Infinity, op);
}

/** Chunks after the signature and an RGB IHDR; `finish` appends IEND. */
class ChunkWriter {
  readonly chunks: Uint8Array[] = [];
  constructor(width: number, height: number) {
    const ihdr = new Uint8Array(13);
    const hv = new DataView(ihdr.buffer);
    hv.setUint32(0, width);
    hv.setUint32(4, height);
    ihdr.set([8, 2, 0, 0, 0], 8);
    this.chunk("IHDR", ihdr);
  }
  chunk(type: string, body: Uint8Array): void {
    const c = new Uint8Array(12 + body.length);
    const dv = new DataView(c.buffer);
    dv.setUint32(0, body.length);
    for (let i = 0; i < 4; i++) c[4 + i] = type.charCodeAt(i);
    c.set(body, 8);
    dv.setUint32(8 + body.length, crc32(c, 4, 8 + body.length));
    this.chunks.push(c);
  }
  finish(): Uint8Array {
    this.chunk("IEND", new Uint8Array(0));
    const out = new Uint8Array(8 + this.chunks.reduce((a, c) => a + c.length, 0));
    out.set(SIGNATURE, 0);
    let o = 8;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

/**
 * An animated PNG (APNG, looping forever; viewers without APNG support show the first frame)
 * of equally sized [H, W, 3] frames given as flat values in [0, 1], `delayMs` apart.
 * @example await writeFile("orbit.png", await tg.splat.encodeAPNG(frames, 128, 128, 80));
 */
export async function encodeAPNG(frames: readonly ArrayLike<number>[], width: number, height: number, delayMs = 80): Promise<Uint8Array> {
  if (frames.length === 0) throw new ArgumentError("encodeAPNG: no frames");
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) throw new ArgumentError(`encodeAPNG: bad size ${width}×${height}`);
  frames.forEach((f, i) => {
    if (f.length !== width * height * 3) throw new ShapeError(`encodeAPNG: frame ${i} has ${f.length} values, not ${height}×${width}×3`);
  });
  const w = new ChunkWriter(width, height);
  const u32 = (...vs: number[]) => {
    const b = new Uint8Array(4 * vs.length);
    const dv = new DataView(b.buffer);
    vs.forEach((v, i) => dv.setUint32(4 * i, v));
    return b;
  };
  w.chunk("acTL", u32(frames.length, 0));
  let seq = 0;
  for (let k = 0; k < frames.length; k++) {
    const fc = new Uint8Array(26);
    const dv = new DataView(fc.buffer);
    dv.setUint32(0, seq++);
    dv.setUint32(4, width);
    dv.setUint32(8, height);
    dv.setUint32(12, 0);
    dv.setUint32(16, 0);
    dv.setUint16(20, Math.round(delayMs));
    dv.setUint16(22, 1000);
    fc[24] = 0; // dispose: none
    fc[25] = 0; // blend: source
    w.chunk("fcTL", fc);
    const data = await frameData("encodeAPNG", frames[k], width, height);
    if (k === 0) w.chunk("IDAT", data);
    else {
      const body = new Uint8Array(4 + data.length);
      body.set(u32(seq++), 0);
      body.set(data, 4);
      w.chunk("fdAT", body);
    }
  }
  return w.finish();
}
