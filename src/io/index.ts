// The `io` namespace: tensors to and from safetensors files, and module/optimizer checkpoints.
// Everything here loads in browsers; the functions taking a path need Node (≥ 20.16), the
// encode/decode functions work on bytes anywhere.

import type { TypedArray } from "../core/dtype.js";
import { Tensor } from "../tensor/tensor.js";
import {
  decodeSafetensors,
  encodeWith,
  readSafetensorsFile,
  type EncodeDTypeOpts,
  type SafetensorsFile,
} from "./safetensors.js";
import { writeFileAtomic } from "./files.js";

export {
  encodeSafetensors,
  decodeSafetensors,
  decodeSafetensorsHeader,
  saveSafetensors,
  loadSafetensors,
  MAX_HEADER_BYTES,
  MAX_RANK,
  type SafetensorsDType,
  type SafetensorsFile,
  type SafetensorsHeader,
  type SafetensorsEntry,
  type DTypeChoice,
  type EncodeDTypeOpts,
} from "./safetensors.js";
export {
  encodeModule,
  decodeModule,
  saveModule,
  loadModule,
  type CheckpointOptimizer,
  type SaveModuleOpts,
  type LoadModuleOpts,
  type LoadModuleResult,
} from "./checkpoint.js";

/** Options for {@link save} and {@link encode}. */
export interface SaveOpts extends EncodeDTypeOpts {
  /** `__metadata__` strings stored in the header. */
  metadata?: Readonly<Record<string, string>>;
}

/**
 * The bytes of a safetensors file holding `tensors` (works in browsers).
 * @example
 * const bytes = tg.io.encode({ w: tg.randn([3, 2]) }, { metadata: { note: "demo" }, dtypes: { w: "BF16" } });
 */
export function encode(tensors: Readonly<Record<string, Tensor>>, opts: SaveOpts = {}): Uint8Array {
  return encodeWith("io.encode", tensors, opts.metadata, opts);
}

/**
 * {@link encode} for backends that read asynchronously (WebGPU): every tensor is read with
 * `dataAsync()` first. Works on every backend.
 * @example const bytes = await tg.io.encodeAsync({ w }, { dtypes: { w: "F16" } });
 */
export async function encodeAsync(tensors: Readonly<Record<string, Tensor>>, opts: SaveOpts = {}): Promise<Uint8Array> {
  const names = tensors !== null && typeof tensors === "object" ? Object.keys(tensors) : [];
  const data = new Map<string, TypedArray>();
  await Promise.all(
    names.map(async (k) => {
      const t = tensors[k];
      if (t instanceof Tensor) data.set(k, await t.dataAsync());
    }),
  );
  return encodeWith("io.encodeAsync", tensors, opts.metadata, opts, (_t, name) => data.get(name)!);
}

/**
 * The tensors and metadata in the bytes of a safetensors file (works in browsers). Any malformed
 * input is a `DataFormatError`.
 * @example const { tensors, metadata } = tg.io.decode(new Uint8Array(await (await fetch(url)).arrayBuffer()));
 */
export function decode(bytes: Uint8Array, opts: { source?: string } = {}): SafetensorsFile {
  return decodeSafetensors(bytes, opts);
}

/**
 * Writes `tensors` to a safetensors file, atomically (Node): the file holds its old contents or
 * the complete new ones, never a part.
 * @example tg.io.save({ w: tg.randn([3, 2]), b: tg.zeros([2]) }, "weights.safetensors", { metadata: { step: "10" } });
 */
export function save(tensors: Readonly<Record<string, Tensor>>, path: string, opts: SaveOpts = {}): void {
  const bytes = encodeWith("io.save", tensors, opts.metadata, opts);
  writeFileAtomic("io.save", path, bytes);
}

/**
 * Reads a safetensors file (Node): its tensors by name and its metadata.
 * @example const { tensors } = tg.io.load("weights.safetensors"); tensors.w.shape // [3, 2]
 */
export function load(path: string): SafetensorsFile {
  return decodeSafetensors(readSafetensorsFile("io.load", path), { source: path });
}
