// The reference backend's non-elementwise kernels: plain loops over typed arrays, each writing
// every element of its output (which may hold an earlier call's values in a compiled plan).
// Exact for float64 and the yardstick every other backend is tested against.

import type { TypedArray } from "../../core/dtype.js";
import { contiguousStrides, sizeOf } from "../../core/shape.js";
import type { IndexErrorInfo, Kernel } from "../kernel.js";
import { forEachRow } from "./strided.js";

type Of<K extends Kernel["kind"]> = Extract<Kernel, { kind: K }>;

/** Where gather-like kernels record the first out-of-range index (read at the next sync point). */
export interface IndexFlag {
  error: IndexErrorInfo | null;
}

type IndexingKernel = Of<"gather" | "scatterAdd" | "indexSelect" | "indexAdd">;

/**
 * Index `v` (found at `position` of the index tensor) normalised into [0, size) — negative counts
 * from the end unless the kernel refuses negatives — or −1 after flagging it out of range. Only
 * the first error is kept: it is the one a user would fix first.
 */
function index(v: number, size: number, position: number, k: IndexingKernel, flag: IndexFlag): number {
  const i = v < 0 && k.negative !== "error" ? v + size : v;
  if (i >= 0 && i < size) return i;
  flag.error ??= { kind: k.kind, index: v, size, position, ...(k.site && { site: k.site }) };
  return -1;
}

export function softmaxKernel(k: Of<"softmax">, src: TypedArray, out: TypedArray): void {
  const { outer, len, inner } = k;
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let m = -Infinity;
      for (let r = 0; r < len; r++) m = Math.max(m, src[base + r * inner]);
      if (m === -Infinity) m = 0; // an all −∞ slice: log softmax is −∞ − log 0 = NaN, as in PyTorch
      let s = 0;
      for (let r = 0; r < len; r++) s += Math.exp(src[base + r * inner] - m);
      if (k.op === "logSoftmax") {
        const lse = m + Math.log(s);
        for (let r = 0; r < len; r++) out[base + r * inner] = src[base + r * inner] - lse;
      } else for (let r = 0; r < len; r++) out[base + r * inner] = Math.exp(src[base + r * inner] - m) / s;
    }
}

export function argReduceKernel(k: Of<"argReduce">, src: TypedArray, out: TypedArray): void {
  const { outer, len, inner } = k;
  const better = k.op === "argmax" ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let best = src[base];
      let bi = 0;
      for (let r = 1; r < len; r++) {
        const v = src[base + r * inner];
        if (best !== best) break; // NaN wins, as in NumPy
        if (better(v, best) || v !== v) {
          best = v;
          bi = r;
        }
      }
      out[o * inner + i] = bi;
    }
}

export function matmulKernel(k: Of<"matmul">, x: TypedArray, y: TypedArray, out: TypedArray): void {
  const { batch, m, n, k: depth, a, b } = k;
  // element (i, p) of op(A) and (p, j) of op(B), row-major storage
  const [ais, aps] = a.trans ? [1, m] : [depth, 1];
  const [bps, bjs] = b.trans ? [1, depth] : [n, 1];
  const row = new Float64Array(n);
  for (let t = 0; t < batch; t++) {
    const ao = a.offset + t * a.batchStride;
    const bo = b.offset + t * b.batchStride;
    for (let i = 0; i < m; i++) {
      row.fill(0);
      for (let p = 0; p < depth; p++) {
        const av = x[ao + i * ais + p * aps];
        if (av === 0) continue;
        const bb = bo + p * bps;
        for (let j = 0; j < n; j++) row[j] += av * y[bb + j * bjs];
      }
      const co = (t * m + i) * n;
      for (let j = 0; j < n; j++) out[co + j] = row[j];
    }
  }
}

export function indexingKernel(k: IndexingKernel, src: TypedArray, ix: TypedArray, out: TypedArray, flag: IndexFlag): void {
  const { outer, xLen, idxLen, inner, kind } = k;
  // compiled plans reuse output buffers: the sums start from zero, skipped positions read zero
  out.fill(0);
  switch (kind) {
    case "gather":
      for (let o = 0; o < outer; o++)
        for (let j = 0; j < idxLen; j++)
          for (let i = 0; i < inner; i++) {
            const q = (o * idxLen + j) * inner + i;
            const r = index(ix[q], xLen, q, k, flag);
            if (r >= 0) out[q] = src[(o * xLen + r) * inner + i];
          }
      return;
    case "scatterAdd":
      for (let o = 0; o < outer; o++)
        for (let j = 0; j < idxLen; j++)
          for (let i = 0; i < inner; i++) {
            const q = (o * idxLen + j) * inner + i;
            const r = index(ix[q], xLen, q, k, flag);
            if (r >= 0) out[(o * xLen + r) * inner + i] += src[q];
          }
      return;
    case "indexSelect":
      for (let j = 0; j < idxLen; j++) {
        const r = index(ix[j], xLen, j, k, flag);
        if (r < 0) continue;
        for (let o = 0; o < outer; o++) {
          const from = (o * xLen + r) * inner;
          out.set(src.subarray(from, from + inner), (o * idxLen + j) * inner);
        }
      }
      return;
    case "indexAdd":
      for (let j = 0; j < idxLen; j++) {
        const r = index(ix[j], xLen, j, k, flag);
        if (r < 0) continue;
        for (let o = 0; o < outer; o++) {
          const to = (o * xLen + r) * inner;
          const from = (o * idxLen + j) * inner;
          for (let i = 0; i < inner; i++) out[to + i] += src[from + i];
        }
      }
      return;
  }
}

export function concatKernel(k: Of<"concat">, parts: readonly TypedArray[], out: TypedArray): void {
  const { outer, lens, inner } = k;
  const total = lens.reduce((s, l) => s + l, 0);
  // each part is copied as `outer` runs of lens[q]·inner elements; short runs (stacking columns)
  // go element by element, as a subarray view per run would cost more than the copy
  let offset = 0;
  parts.forEach((p, q) => {
    const n = lens[q] * inner;
    const stride = total * inner;
    if (n >= 32) for (let o = 0; o < outer; o++) out.set(p.subarray(o * n, o * n + n), o * stride + offset);
    else
      for (let o = 0; o < outer; o++) {
        const from = o * n, to = o * stride + offset;
        for (let i = 0; i < n; i++) out[to + i] = p[from + i];
      }
    offset += n;
  });
}

/**
 * Walks the rows a pad copies: `row(srcOffset, dstOffset, len, srcStride, dstStride)` in
 * elements; every other element of the result holds the pad value. The axes after the last
 * padded one are contiguous in the source and the result alike, so they are folded into that
 * axis: each row is as long as it can be (the whole source, when only leading axes are padded).
 */
export function forEachPadRow(k: Of<"pad">, row: (so: number, dO: number, len: number, ss: number, dss: number) => void): void {
  let last = k.shape.length - 1;
  while (last >= 0 && k.before[last] === 0 && k.after[last] === 0) last--;
  let inner = 1;
  for (let i = last + 1; i < k.shape.length; i++) inner *= k.shape[i];
  const keep = Math.max(last, 0);
  const shape = [...k.shape.slice(0, keep), (last < 0 ? 1 : k.shape[last]) * inner];
  const before = [...k.before.slice(0, keep), (last < 0 ? 0 : k.before[last]) * inner];
  const after = [...k.after.slice(0, keep), (last < 0 ? 0 : k.after[last]) * inner];
  if (sizeOf(shape) === 0) return;
  const ds = contiguousStrides(shape.map((d, i) => d + before[i] + after[i]));
  let start = 0;
  for (let i = 0; i < shape.length; i++) start += before[i] * ds[i];
  forEachRow(shape, [contiguousStrides(shape), ds], [0, start], (_o, len, [so, dO], [ss, dss]) => row(so, dO, len, ss, dss));
}

export function padKernel(k: Of<"pad">, src: TypedArray, out: TypedArray): void {
  // compiled plans reuse output buffers, so every element is written
  out.fill(k.value);
  forEachPadRow(k, (so, dO, len, ss, dss) => {
    if (ss === 1 && dss === 1 && len > 16) out.set(src.subarray(so, so + len), dO);
    else for (let i = 0; i < len; i++) out[dO + i * dss] = src[so + i * ss];
  });
}
