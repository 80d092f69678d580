import { DataFormatError } from "./errors.js";

/** Element types of the IDX format (used by MNIST and its relatives). */
export type IDXDType = "uint8" | "int8" | "int16" | "int32" | "float32" | "float64";

/** The typed array that holds each {@link IDXDType}. */
export type IDXData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX file: row-major `data` of `shape`. */
export interface IDXArray {
  dtype: IDXDType;
  shape: number[];
  data: IDXData;
}

interface DTypeInfo {
  dtype: IDXDType;
  code: number;
  size: number;
}

const DTYPES: DTypeInfo[] = [
  { dtype: "uint8", code: 0x08, size: 1 },
  { dtype: "int8", code: 0x09, size: 1 },
  { dtype: "int16", code: 0x0b, size: 2 },
  { dtype: "int32", code: 0x0c, size: 4 },
  { dtype: "float32", code: 0x0d, size: 4 },
  { dtype: "float64", code: 0x0e, size: 8 },
];

const hex = (b: number): string => "0x" + b.toString(16).padStart(2, "0");
const hexBytes = (bytes: Uint8Array): string => Array.from(bytes, hex).join(" ");
const shapeText = (shape: number[]): string => `[${shape.join(", ")}]`;

/**
 * Decodes an IDX file (the format of the MNIST distribution files).
 *
 * Layout: two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16,
 * 0x0C int32, 0x0D float32, 0x0E float64), the number of dimensions, one
 * big-endian uint32 per dimension, then the elements, big-endian, row-major.
 * The input must be uncompressed; see `gunzip` for the `.gz` files. Bad
 * magic bytes, an unknown type code, a short file and trailing bytes each
 * throw a {@link DataFormatError} saying what was expected and what was found.
 * The returned `data` never shares memory with `bytes`.
 *
 * @example
 * const labels = parseIDX(await gunzip(gzBytes));
 * labels.dtype; // "uint8"
 * labels.shape; // [10000]
 */
export function parseIDX(bytes: Uint8Array, opts: { source?: string } = {}): IDXArray {
  const source = opts.source;
  const fail = (detail: string, offset?: number): never => {
    throw new DataFormatError("idx", detail, { source, offset });
  };

  if (bytes.length < 4) {
    fail(`truncated header: expected at least 4 bytes (magic number), found ${bytes.length}`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const gz = bytes[0] === 0x1f && bytes[1] === 0x8b ? " (this is gzip data: gunzip it first)" : "";
    fail(`bad magic number: expected 0x00 0x00 <type> <ndim>, found ${hexBytes(bytes.subarray(0, 4))}${gz}`, 0);
  }
  const info = DTYPES.find((d) => d.code === bytes[2]);
  if (info === undefined) {
    const known = DTYPES.map((d) => `${hex(d.code)} (${d.dtype})`).join(", ");
    return fail(`unknown element type code ${hex(bytes[2])}: expected one of ${known}`, 2);
  }
  const ndim = bytes[3];
  const headerSize = 4 + 4 * ndim;
  if (bytes.length < headerSize) {
    fail(
      `truncated header: expected ${headerSize} bytes for ${ndim} dimension size${ndim === 1 ? "" : "s"}, found ${bytes.length}`,
    );
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let d = 0; d < ndim; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    shape.push(n);
    count *= n;
  }

  const expected = count * info.size;
  const found = bytes.length - headerSize;
  if (found !== expected) {
    // Exact even when a corrupt header claims more than 2^53 bytes.
    const exact = shape.reduce((a, n) => a * BigInt(n), BigInt(info.size));
    const what = `expected ${exact} data bytes for shape ${shapeText(shape)} of ${info.dtype}, found ${found}`;
    fail(found < expected ? `truncated data: ${what}` : `${what} (${found - expected} extra byte${found - expected === 1 ? "" : "s"} after the data)`, headerSize);
  }

  return { dtype: info.dtype, shape, data: readElements(view, headerSize, count, info.dtype) };
}

function readElements(view: DataView, offset: number, count: number, dtype: IDXDType): IDXData {
  switch (dtype) {
    case "uint8":
      return new Uint8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case "int8":
      return new Int8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case "int16": {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case "int32": {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case "float32": {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case "float64": {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

const INT_RANGE: Partial<Record<IDXDType, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
};

/**
 * Encodes an array in the IDX format; the inverse of {@link parseIDX}.
 * Integer dtypes reject values that are not integers in range rather than
 * wrapping them.
 *
 * @example
 * const bytes = encodeIDX({ dtype: "uint8", shape: [3], data: [7, 2, 1] });
 * parseIDX(bytes).data; // Uint8Array [7, 2, 1]
 */
export function encodeIDX(arr: { dtype: IDXDType; shape: readonly number[]; data: ArrayLike<number> }): Uint8Array {
  const info = DTYPES.find((d) => d.dtype === arr.dtype);
  if (info === undefined) throw new TypeError(`encodeIDX: unknown dtype ${JSON.stringify(arr.dtype)}`);
  const { shape, data } = arr;
  if (shape.length > 255) throw new RangeError(`encodeIDX: at most 255 dimensions, got ${shape.length}`);
  let count = 1;
  for (const n of shape) {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
      throw new RangeError(`encodeIDX: invalid dimension ${n} in shape ${shapeText([...shape])}`);
    }
    count *= n;
  }
  if (data.length !== count) {
    throw new RangeError(`encodeIDX: shape ${shapeText([...shape])} needs ${count} elements, data has ${data.length}`);
  }
  const range = INT_RANGE[arr.dtype];
  if (range !== undefined) {
    for (let i = 0; i < count; i++) {
      const v = data[i];
      if (!Number.isInteger(v) || v < range[0] || v > range[1]) {
        throw new RangeError(`encodeIDX: element ${i} (${v}) is not a valid ${arr.dtype}`);
      }
    }
  }

  const headerSize = 4 + 4 * shape.length;
  const out = new Uint8Array(headerSize + count * info.size);
  const view = new DataView(out.buffer);
  out[2] = info.code;
  out[3] = shape.length;
  shape.forEach((n, d) => view.setUint32(4 + 4 * d, n, false));
  let p = headerSize;
  for (let i = 0; i < count; i++, p += info.size) {
    const v = data[i];
    switch (arr.dtype) {
      case "uint8": view.setUint8(p, v); break;
      case "int8": view.setInt8(p, v); break;
      case "int16": view.setInt16(p, v, false); break;
      case "int32": view.setInt32(p, v, false); break;
      case "float32": view.setFloat32(p, v, false); break;
      case "float64": view.setFloat64(p, v, false); break;
    }
  }
  return out;
}
