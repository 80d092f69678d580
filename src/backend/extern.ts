// Extern kernels: operations whose kernel is a hand-written loop rather than a description the
// backends render (convolution's im2col, sorting, scans, rasterisation, …). A definition names
// the kernel and gives its host implementation; the front end lowers a call to an `extern`
// kernel description holding the name and the (JSON-serialisable) parameters, and every backend
// whose buffers are host arrays runs the host implementation on them. Other backends declare
// `supports("extern", …)` false (or true for the names they implement natively), so the front end
// routes the kernel to the reference backend with one explicit copy, as for any unsupported op.

import type { DType, TypedArray } from "../core/dtype.js";

/** Parameters of an extern kernel: plain data, part of its program's cache key. */
export type ExternParams = Readonly<Record<string, number | string | boolean | readonly number[] | null>>;

/** A hand-written kernel. */
export interface ExternKernelDef<P extends ExternParams = ExternParams> {
  /** Unique name, e.g. "im2col" or "cumsum". */
  readonly name: string;
  /**
   * The host implementation: reads `inputs` (contiguous host arrays of the dtypes the caller
   * lowered) and writes every element of `out` (which may hold earlier values). `flag` records
   * an index error without throwing (checked at the next synchronisation point).
   */
  host(inputs: readonly TypedArray[], out: TypedArray, params: P, dtypes: readonly DType[]): void;
}

const REGISTRY = new Map<string, ExternKernelDef>();

/** Registers an extern kernel (once per name; a second definition under the same name is an error). */
export function defineExternKernel<P extends ExternParams>(def: ExternKernelDef<P>): ExternKernelDef<P> {
  const prev = REGISTRY.get(def.name);
  if (prev && prev !== (def as unknown as ExternKernelDef)) throw new Error(`extern kernel "${def.name}" is defined twice`);
  REGISTRY.set(def.name, def as unknown as ExternKernelDef);
  return def;
}

/** The definition registered under `name`. */
export function externKernel(name: string): ExternKernelDef {
  const def = REGISTRY.get(name);
  if (!def) throw new Error(`extern kernel "${name}" is not defined`);
  return def;
}
