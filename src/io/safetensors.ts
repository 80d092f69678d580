// Reading and writing the safetensors format: an 8-byte little-endian header length, a JSON
// header naming each tensor's dtype, shape and byte range, then the raw little-endian data.
// Writes go to a temporary file renamed into place, so a file is either complete or absent.

import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { ArgumentError } from "../core/errors.js";
import type { DType } from "../core/dtype.js";
import { tensor } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";

const CODES: Partial<Record<DType, string>> = { float32: "F32", float64: "F64", int32: "I32" };
const DTYPES: Record<string, DType> = { F32: "float32", F64: "float64", I32: "int32" };
const WIDTH: Record<string, number> = { F32: 4, F64: 8, I32: 4 };

/**
 * Writes `tensors` (float32, float64, int32) and string `metadata` to `path` atomically.
 * @example saveSafetensors("model.safetensors", { w: tg.ones([2, 2]) }, { format: "pt" });
 */
export function saveSafetensors(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): void {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = { ...metadata };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (!(t instanceof Tensor)) throw new ArgumentError(`saveSafetensors: '${name}' is not a tensor`);
    const code = CODES[t.dtype];
    if (!code) throw new ArgumentError(`saveSafetensors: '${name}' has dtype ${t.dtype}, which this writer does not store`);
    const data = t.data();
    const bytes = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    header[name] = { dtype: code, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  while (json.length % 8 !== 0) json += " ";
  const head = Buffer.from(json, "utf8");
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(head.length));
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, Buffer.concat([len, head, ...chunks]));
  renameSync(tmp, path);
}

/**
 * Reads a safetensors file: its tensors by name and its string metadata.
 * @example const { tensors, metadata } = loadSafetensors("model.safetensors");
 */
export function loadSafetensors(path: string): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  const buf = readFileSync(path);
  if (buf.length < 8) throw new ArgumentError(`loadSafetensors: ${path} is too short to be a safetensors file`);
  const n = Number(buf.readBigUInt64LE(0));
  if (8 + n > buf.length) throw new ArgumentError(`loadSafetensors: ${path}: header length ${n} exceeds the file size ${buf.length}`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + n).toString("utf8")) as Record<string, unknown>;
  } catch {
    throw new ArgumentError(`loadSafetensors: ${path}: the header is not valid JSON`);
  }
  const base = 8 + n;
  const tensors: Record<string, Tensor> = {};
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = { ...(entry as Record<string, string>) };
      continue;
    }
    const e = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const dtype = DTYPES[e.dtype];
    if (!dtype) throw new ArgumentError(`loadSafetensors: ${path}: tensor '${name}' has unsupported dtype ${e.dtype}`);
    const [a, b] = e.data_offsets;
    const count = e.shape.reduce((x, y) => x * y, 1);
    if (b - a !== count * WIDTH[e.dtype] || base + b > buf.length)
      throw new ArgumentError(`loadSafetensors: ${path}: tensor '${name}' has a byte range [${a}, ${b}) that does not fit its shape [${e.shape.join(", ")}]`);
    const bytes = new Uint8Array(buf.buffer.slice(buf.byteOffset + base + a, buf.byteOffset + base + b));
    const arr = dtype === "float32" ? new Float32Array(bytes.buffer) : dtype === "float64" ? new Float64Array(bytes.buffer) : new Int32Array(bytes.buffer);
    tensors[name] = tensor(arr, { dtype, shape: e.shape });
  }
  return { tensors, metadata };
}
