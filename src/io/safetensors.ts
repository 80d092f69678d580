// The safetensors format (https://github.com/huggingface/safetensors), read strictly:
//
//   bytes 0..8        N, the header length: unsigned 64-bit little-endian, at most 100 MB
//   bytes 8..8+N      the header: UTF-8 JSON, an object starting with '{' (trailing spaces allowed)
//                       { "__metadata__": { "key": "value", … },          optional, strings only
//                         "<name>": { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }, … }
//   bytes 8+N..       the data: each tensor's elements, row-major, little-endian, at
//                     [begin, end) relative to the start of the data
//
// Every number is checked before it is used, so a hostile file is an error, never a huge
// allocation or a read out of bounds: N against the limit and the file size; each dtype name;
// each shape (non-negative integers, rank ≤ 64) against its byte range (product × element size =
// end − begin, without overflow); the ranges against the data (inside it, and together tiling it
// exactly: no gaps, no overlaps, no trailing bytes); duplicate keys in the JSON. Everything the
// decoder allocates is bounded by a small multiple of the input's size.
//
// The writer pads the header with spaces to a multiple of 8 bytes and orders the tensors by
// element size, largest first, so every tensor starts at a multiple of its element size (what
// the Rust implementation does, and what zero-copy readers need). The reader does not require
// either: MLX writes unpadded headers.
//
// Mapping between file dtypes and tensorgrad dtypes: see ./dtypes.ts.

import { ArgumentError, DTypeError, fmtShape } from "../core/errors.js";
import { isDType, type TypedArray } from "../core/dtype.js";
import { runtime } from "../backend/runtime.js";
import { Tensor } from "../tensor/tensor.js";
import { DataFormatError } from "../data/parse/errors.js";
import {
  DTYPE_SIZE,
  ElementError,
  LOADS_AS,
  SAVES_AS,
  canSave,
  decodeElements,
  encodeElements,
  isSafetensorsDType,
  whyNotDType,
  type SafetensorsDType,
} from "./dtypes.js";
import { JsonNumber, JsonSyntaxError, jsonKind, parseJson, type Json } from "./json.js";
import { readFileBytes, writeFileAtomic } from "./files.js";

export type { SafetensorsDType } from "./dtypes.js";

/** The largest header accepted, in bytes (the limit of the reference implementation). */
export const MAX_HEADER_BYTES = 100_000_000;
/** The largest tensor rank accepted. */
export const MAX_RANK = 64;

/** The contents of a safetensors file. */
export interface SafetensorsFile {
  /** The tensors by name, in the order of the file's header. */
  tensors: Record<string, Tensor>;
  /** The `__metadata__` strings (empty when the file has none). */
  metadata: Record<string, string>;
}

/** The file dtype to write each tensor as, by name, or a function choosing it (undefined: the default). */
export type DTypeChoice = Readonly<Record<string, SafetensorsDType>> | ((name: string, t: Tensor) => SafetensorsDType | undefined);

/**
 * Options for writing: file dtypes other than the defaults (float32 → F32, float64 → F64,
 * int32 → I32, bool → BOOL, uint8 → U8, float16 → F16, bfloat16 → BF16).
 */
export interface EncodeDTypeOpts {
  /**
   * Per-tensor file dtype, e.g. `{ "fc.weight": "F16" }`: float32 and float64 tensors may be
   * written as F64, F32, F16 or BF16 (rounded to nearest, ties to even); int32 as I64, I32, I16,
   * I8, U64, U32, U16 or U8 (every value must fit); bool as BOOL or U8. Names must exist in the
   * tensors.
   */
  dtypes?: DTypeChoice;
}

/** One tensor's entry in a header: what the file says, checked, with absolute byte offsets. */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  /** Byte range in the whole file (not relative to the data section). */
  begin: number;
  end: number;
}

/** A checked header: the entries in header order and the metadata. */
export interface SafetensorsHeader {
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  /** Offset of the data section in the file (8 + header length). */
  dataStart: number;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Sets an own enumerable property (safe for any name, `__proto__` included). */
function put<T>(rec: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(rec, key, { value, enumerable: true, writable: true, configurable: true });
}

// ---- writing ----------------------------------------------------------------------------------

/** @internal the encoder behind every writer; `op` names the caller in errors. */
export function encodeWith(
  op: string,
  tensors: Readonly<Record<string, Tensor>>,
  metadata: Readonly<Record<string, string>> | undefined,
  opts: EncodeDTypeOpts = {},
  read: (t: Tensor, name: string) => TypedArray = (t) => t._rawData(),
): Uint8Array {
  if (tensors === null || typeof tensors !== "object" || tensors instanceof Tensor)
    throw new ArgumentError(`${op}: expected an object of named tensors, got ${tensors instanceof Tensor ? "a Tensor" : typeof tensors}`);
  const names = Object.keys(tensors);
  const choice = opts.dtypes;
  if (choice !== undefined && typeof choice !== "function") {
    if (choice === null || typeof choice !== "object") throw new ArgumentError(`${op}: dtypes must be an object or a function`);
    const own = new Set(names);
    for (const k of Object.keys(choice))
      if (!own.has(k)) throw new ArgumentError(`${op}: dtypes names '${k}', which is not one of the tensors`);
  }

  // everything that can be checked is checked before any tensor is read
  const fields: string[] = [];
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== "object") throw new ArgumentError(`${op}: metadata must be an object of strings`);
    const meta: string[] = [];
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") throw new ArgumentError(`${op}: metadata '${k}' must be a string, got ${v === null ? "null" : typeof v}`);
      checkName(op, k, "metadata key");
      checkName(op, v, `metadata value of '${k}'`);
      meta.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
    }
    fields.push(`"__metadata__":{${meta.join(",")}}`);
  }

  const parts: { name: string; t: Tensor; dtype: SafetensorsDType; bytes: Uint8Array }[] = [];
  for (const name of names) {
    const t = tensors[name];
    if (!(t instanceof Tensor)) throw new ArgumentError(`${op}: '${name}' must be a Tensor, got ${t === null ? "null" : typeof t}`);
    checkName(op, name, "tensor name");
    const want = typeof choice === "function" ? choice(name, t) : choice?.[name];
    const dtype = want ?? SAVES_AS[t.dtype];
    if (!isSafetensorsDType(dtype)) throw new DTypeError(`${op}: '${name}': ${whyNotDType(String(dtype))}`);
    if (!isDType(t.dtype) || !canSave(t.dtype, dtype))
      throw new DTypeError(`${op}: '${name}' is ${t.dtype}${fmtShape(t.shape)} and cannot be written as ${dtype}`);
    parts.push({ name, t, dtype, bytes: new Uint8Array(0) });
  }
  // only now read the values (this runs pending work)
  for (const p of parts) {
    try {
      p.bytes = encodeElements(read(p.t, p.name), p.t.dtype, p.dtype);
    } catch (e) {
      if (e instanceof ElementError) throw new ArgumentError(`${op}: '${p.name}' as ${p.dtype}: ${e.message}`);
      throw e;
    }
  }

  // largest elements first (stable), so each tensor starts at a multiple of its element size
  parts.sort((a, b) => DTYPE_SIZE[b.dtype] - DTYPE_SIZE[a.dtype]);
  let at = 0;
  for (const p of parts) {
    const end = at + p.bytes.length;
    fields.push(`${JSON.stringify(p.name)}:{"dtype":"${p.dtype}","shape":[${p.t.shape.join(",")}],"data_offsets":[${at},${end}]}`);
    at = end;
  }
  const json = new TextEncoder().encode(`{${fields.join(",")}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  if (headerLength > MAX_HEADER_BYTES)
    throw new ArgumentError(`${op}: the header would be ${headerLength} bytes, over the format's limit of ${MAX_HEADER_BYTES}`);

  const out = new Uint8Array(8 + headerLength + at);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength, true); // the high 32 bits stay 0
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let pos = 8 + headerLength;
  for (const p of parts) {
    out.set(p.bytes, pos);
    pos += p.bytes.length;
  }
  return out;
}

function checkName(op: string, s: string, what: string): void {
  if (what === "tensor name" && s === "__metadata__") throw new ArgumentError(`${op}: '__metadata__' is reserved and cannot name a tensor`);
  if (LONE_SURROGATE.test(s)) throw new ArgumentError(`${op}: ${what} ${JSON.stringify(s)} is not valid Unicode (a lone surrogate)`);
}

/**
 * The bytes of a safetensors file holding `tensors` (in memory; works in browsers). Tensors are
 * written row-major as F32, F64, I32 or BOOL by their dtype unless `opts.dtypes` says otherwise.
 * @example
 * const bytes = encodeSafetensors({ w: tg.tensor([[1, 2], [3, 4]]) }, { note: "demo" });
 */
export function encodeSafetensors(
  tensors: Readonly<Record<string, Tensor>>,
  metadata?: Readonly<Record<string, string>>,
  opts: EncodeDTypeOpts = {},
): Uint8Array {
  return encodeWith("encodeSafetensors", tensors, metadata, opts);
}

/**
 * Writes `tensors` to a safetensors file at `path` (Node), atomically: a temporary file in the
 * same directory is written, flushed and renamed over `path`, so `path` holds either its old
 * contents or the complete new file; on any error the temporary file is removed.
 * @example saveSafetensors("weights.safetensors", model.stateDict(), { step: "1000" });
 */
export function saveSafetensors(
  path: string,
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
  opts: EncodeDTypeOpts = {},
): void {
  const bytes = encodeWith("saveSafetensors", tensors, metadata, opts);
  writeFileAtomic("saveSafetensors", path, bytes);
}

// ---- reading ----------------------------------------------------------------------------------

/**
 * Reads and checks the header of a safetensors file without decoding any tensor. Every problem
 * is a {@link DataFormatError} naming `source` (when given) and the byte offset.
 * @example decodeSafetensorsHeader(bytes).entries.map((e) => [e.name, e.dtype, e.shape])
 */
export function decodeSafetensorsHeader(bytes: Uint8Array, opts: { source?: string } = {}): SafetensorsHeader {
  const source = opts.source;
  const fail = (detail: string, offset?: number): never => {
    throw new DataFormatError("safetensors", detail, { source, offset });
  };
  if (!(bytes instanceof Uint8Array)) throw new ArgumentError(`decodeSafetensors: expected a Uint8Array, got ${typeof bytes}`);
  const lo = checkLengthField(bytes.subarray(0, 8), bytes.length, source);
  if (lo === 0 || bytes[8] !== 0x7b) fail(`the header must be a JSON object starting with '{'${lo === 0 ? "; its length is 0" : ""}`, 8);

  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + lo));
  } catch {
    return fail("the header is not valid UTF-8", 8);
  }
  let root: Json;
  try {
    root = parseJson(text);
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    const at = 8 + new TextEncoder().encode(text.slice(0, e.pos)).length;
    return fail(`the header is not valid JSON: ${e.detail}`, at);
  }
  if (!(root instanceof Map)) return fail(`the header must be a JSON object, got ${jsonKind(root)}`, 8);

  const dataStart = 8 + lo;
  const dataLength = bytes.length - dataStart;
  const entries: SafetensorsEntry[] = [];
  const metadata: Record<string, string> = {};
  for (const [name, v] of root) {
    const where = `tensor ${JSON.stringify(name)}`;
    if (name === "__metadata__") {
      if (v === null) continue;
      if (!(v instanceof Map)) fail(`__metadata__ must be an object of strings, got ${jsonKind(v)}`);
      for (const [k, s] of v as Map<string, Json>) {
        if (typeof s !== "string") fail(`__metadata__ ${JSON.stringify(k)} must be a string, got ${jsonKind(s)}`);
        put(metadata, k, s as string);
      }
      continue;
    }
    if (!(v instanceof Map)) return fail(`${where}: expected an object with dtype, shape and data_offsets, got ${jsonKind(v)}`);
    const dtype = v.get("dtype");
    if (typeof dtype !== "string") return fail(`${where}: dtype must be a string, got ${dtype === undefined ? "nothing" : jsonKind(dtype)}`);
    if (!isSafetensorsDType(dtype)) return fail(`${where}: ${whyNotDType(dtype)}`);
    const shapeJson = v.get("shape");
    if (!Array.isArray(shapeJson)) return fail(`${where}: shape must be an array, got ${shapeJson === undefined ? "nothing" : jsonKind(shapeJson)}`);
    if (shapeJson.length > MAX_RANK) return fail(`${where}: rank ${shapeJson.length} exceeds the limit of ${MAX_RANK}`);
    const shape = shapeJson.map((d, i) => count(d, `${where}: shape[${i}]`, fail));
    const offs = v.get("data_offsets");
    if (!Array.isArray(offs) || offs.length !== 2)
      return fail(`${where}: data_offsets must be an array [begin, end], got ${offs === undefined ? "nothing" : jsonKind(offs)}`);
    const begin = count(offs[0], `${where}: data_offsets[0]`, fail);
    const end = count(offs[1], `${where}: data_offsets[1]`, fail);
    if (end < begin) fail(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLength) fail(`${where}: data_offsets [${begin}, ${end}] run past the end of the data (${dataLength} bytes)`);
    // elements × size must equal the range; the product is capped so it cannot overflow
    let elements = shape.includes(0) ? 0 : 1;
    for (const d of shape) if (elements > 0 && (elements *= d) > Number.MAX_SAFE_INTEGER) break;
    const need = elements * DTYPE_SIZE[dtype];
    if (need !== end - begin)
      fail(
        `${where}: shape ${fmtShape(shape)} of ${dtype} needs ${need > Number.MAX_SAFE_INTEGER ? "more than 2^53" : need} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`,
      );
    entries.push({ name, dtype, shape, begin: dataStart + begin, end: dataStart + end });
  }

  // the ranges must tile the data exactly
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expect = dataStart;
  let prev: SafetensorsEntry | undefined;
  for (const e of sorted) {
    const rel = (x: number) => x - dataStart;
    if (e.begin < expect)
      fail(`tensor ${JSON.stringify(e.name)}: data_offsets [${rel(e.begin)}, ${rel(e.end)}] overlap those of ${JSON.stringify(prev!.name)} [${rel(prev!.begin)}, ${rel(prev!.end)}]`);
    if (e.begin > expect) fail(`bytes [${rel(expect)}, ${rel(e.begin)}) of the data belong to no tensor (a gap before ${JSON.stringify(e.name)})`, expect);
    expect = e.end;
    prev = e;
  }
  if (expect !== bytes.length) fail(`bytes [${expect - dataStart}, ${dataLength}) of the data belong to no tensor`, expect);
  return { entries, metadata, dataStart };
}

/** A non-negative integer header field (JSON integer syntax, at most 2^53 − 1). */
function count(v: Json | undefined, where: string, fail: (d: string) => never): number {
  if (!(v instanceof JsonNumber)) return fail(`${where} must be a non-negative integer, got ${v === undefined ? "nothing" : jsonKind(v)}`);
  if (!/^(?:0|[1-9]\d*)$/.test(v.text)) return fail(`${where} must be a non-negative integer, got ${v.text}`);
  const n = Number(v.text);
  if (!Number.isSafeInteger(n)) return fail(`${where} is too large: ${v.text.length > 30 ? v.text.slice(0, 30) + "…" : v.text}`);
  return n;
}

/**
 * The tensors and metadata in the bytes of a safetensors file (in memory; works in browsers).
 * F16, BF16 and U8 load as float16, bfloat16 and uint8 (the bits as stored); I64, U64 and U32 as
 * int32 when every value fits; I16, I8 and U16 as int32. A malformed input is a
 * {@link DataFormatError} saying what is wrong and where.
 * @example
 * const { tensors, metadata } = decodeSafetensors(bytes);
 */
export function decodeSafetensors(input: Uint8Array, opts: { source?: string } = {}): SafetensorsFile {
  const header = decodeSafetensorsHeader(input, opts);
  // a plain view, so that subarray() and friends behave as on Uint8Array (a Node Buffer's slice() is a view)
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const tensors: Record<string, Tensor> = {};
  for (const e of header.entries) {
    let data: TypedArray;
    try {
      data = decodeElements(e.dtype, bytes.subarray(e.begin, e.end), (e.end - e.begin) / DTYPE_SIZE[e.dtype]);
    } catch (err) {
      if (!(err instanceof ElementError)) throw err;
      throw new DataFormatError("safetensors", `tensor ${JSON.stringify(e.name)}: ${err.message}`, { source: opts.source, offset: e.begin });
    }
    const dtype = LOADS_AS[e.dtype];
    put(tensors, e.name, Tensor._fromBuf(runtime.lowering.upload(data, dtype), e.shape, dtype));
  }
  return { tensors, metadata: header.metadata };
}

/**
 * Reads a safetensors file (Node). Errors name the file.
 * @example const { tensors, metadata } = loadSafetensors("weights.safetensors");
 */
export function loadSafetensors(path: string): SafetensorsFile {
  return decodeSafetensors(readSafetensorsFile("loadSafetensors", path), { source: path });
}

/** @internal a file's bytes, refusing one whose header length is impossible before reading the rest. */
export function readSafetensorsFile(op: string, path: string): Uint8Array {
  return readFileBytes(op, path, (head, size) => checkLengthField(head, size, path));
}

/** The header length in the first 8 bytes of an input of `size` bytes, checked. */
function checkLengthField(head: Uint8Array, size: number, source: string | undefined): number {
  const fail = (detail: string): never => {
    throw new DataFormatError("safetensors", detail, { source, offset: 0 });
  };
  if (head.length < 8) fail(`the input is ${size} bytes; a safetensors file starts with an 8-byte header length`);
  const view = new DataView(head.buffer, head.byteOffset, 8);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  if (hi !== 0 || lo > MAX_HEADER_BYTES) fail(`header length ${(BigInt(hi) << 32n) | BigInt(lo)} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  if (8 + lo > size) fail(`header length ${lo} runs past the end of the input (${size} bytes)`);
  return lo;
}
