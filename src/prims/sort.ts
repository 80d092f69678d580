// Sorting along one axis as primitives with integer outputs: the permutation that sorts each
// row (argsort) and the positions of its k best entries (topkIndices, one selection pass instead
// of a full sort). Sorted values and top-k values gather the input at them, so their gradient
// is gather's (scattered back through the indices) with no rule of their own.
// The order is PyTorch's: NaN counts as larger than every number (last ascending, first
// descending), and equal values keep their input order (a stable sort).

import { DTypeError, fmtShape } from "../core/errors.js";
import type { DType } from "../core/dtype.js";
import { sizeOf } from "../core/shape.js";
import { defineExternKernel } from "../backend/extern.js";
import { definePrimitive } from "./define.js";

/**
 * Writes the stable sorting permutation of `vals` into `out` (at `base`, `inner` apart). The
 * values are sorted by the engine's native numeric sort (no comparator callback; NaN last);
 * then each entry finds its group of equal values there by binary search (−0 equals 0) and
 * takes the group's next free slot, so ties keep their input order in both directions.
 */
function stableOrder(vals: Float64Array, sorted: Float64Array, next: Int32Array, out: { [i: number]: number }, base: number, inner: number, descending: boolean): void {
  const n = vals.length;
  sorted.set(vals);
  sorted.sort();
  let m = n; // entries that are not NaN
  while (m > 0 && sorted[m - 1] !== sorted[m - 1]) m--;
  const nans = n - m;
  next.fill(0);
  let nanAt = descending ? 0 : m;
  for (let t = 0; t < n; t++) {
    const v = vals[t];
    if (v !== v) {
      out[base + nanAt++ * inner] = t;
      continue;
    }
    // ascending: the group starts at the first entry ≥ v; descending: after the entries > v
    let lo = 0;
    let hi = m;
    if (!descending) {
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[mid] < v) lo = mid + 1;
        else hi = mid;
      }
      out[base + (lo + next[lo]++) * inner] = t;
    } else {
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[mid] <= v) lo = mid + 1;
        else hi = mid;
      }
      const start = nans + (m - lo);
      out[base + (start + next[lo - 1]++) * inner] = t;
    }
  }
}

defineExternKernel<{ outer: number; n: number; inner: number; descending: boolean }>({
  name: "argsort",
  host: ([x], out, { outer, n, inner, descending }) => {
    const vals = new Float64Array(n);
    const sorted = new Float64Array(n);
    const next = new Int32Array(n + 1);
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        for (let t = 0; t < n; t++) vals[t] = x[base + t * inner];
        stableOrder(vals, sorted, next, out, base, inner, descending);
      }
  },
});

/** True when a ranks before b: larger (or smaller) first, NaN counting as larger than everything. */
function before(a: number, b: number, largest: boolean): boolean {
  if (a !== a) return largest && b === b;
  if (b !== b) return !largest;
  return largest ? a > b : a < b;
}

// the positions of the k largest (or smallest) entries per row, best first, ties by position:
// one pass keeping the best k seen in a sorted buffer (a new entry goes in only if it beats the
// k-th, and after the entries it ties with), O(n·k) at worst; for large k, a stable sort
defineExternKernel<{ outer: number; n: number; inner: number; k: number; largest: boolean }>({
  name: "topk",
  host: ([x], out, { outer, n, inner, k, largest }) => {
    if (k === 0) return;
    const vals = new Float64Array(n);
    const sorted = new Float64Array(n);
    const next = new Int32Array(n + 1);
    const full = new Int32Array(n);
    const bestV = new Float64Array(k);
    const bestI = new Int32Array(k);
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        const outBase = o * k * inner + i;
        for (let t = 0; t < n; t++) vals[t] = x[base + t * inner];
        if (k * 16 > n) {
          stableOrder(vals, sorted, next, full, 0, 1, largest);
          for (let j = 0; j < k; j++) out[outBase + j * inner] = full[j];
          continue;
        }
        let size = 0;
        for (let t = 0; t < n; t++) {
          const v = vals[t];
          if (size === k && !before(v, bestV[k - 1], largest)) continue;
          let j = size < k ? size++ : k - 1;
          while (j > 0 && before(v, bestV[j - 1], largest)) {
            bestV[j] = bestV[j - 1];
            bestI[j] = bestI[j - 1];
            j--;
          }
          bestV[j] = v;
          bestI[j] = t;
        }
        for (let j = 0; j < k; j++) out[outBase + j * inner] = bestI[j];
      }
  },
});

// the permutation that sorts x along `axis` (int32); no derivative (the values are a gather)
export const argsort = definePrimitive<{ axis: number; descending: boolean }>({
  name: "argsort",
  formula: { vjp: "none (integer output; sorted values are gather(x, indices))" },
  kind: "compute",
  infer: ([x]) => {
    if (x.dtype === "bool") throw new DTypeError(`sort: expected a numeric tensor, got ${x.dtype}${fmtShape(x.shape)}`);
    return { shape: x.shape, dtype: "int32" as DType };
  },
  kernel: (be, [x], { axis, descending }, out) =>
    be.extern("argsort", [x._contiguous()._buf!], [x.dtype], "int32", sizeOf(out.shape), {
      outer: sizeOf(x.shape.slice(0, axis)),
      n: x.shape[axis],
      inner: sizeOf(x.shape.slice(axis + 1)),
      descending,
    }),
  vjp: null,
  jvp: null,
  cases: [{ shapes: [[3, 6]], params: { axis: 1, descending: false } }, { shapes: [[5, 2]], params: { axis: 0, descending: true } }],
});

// the positions of the k largest (or smallest) entries along `axis`, sorted (int32); no derivative
export const topkIndices = definePrimitive<{ axis: number; k: number; largest: boolean }>({
  name: "topkIndices",
  formula: { vjp: "none (integer output; top-k values are gather(x, indices))" },
  kind: "compute",
  infer: ([x], { axis, k }) => {
    if (x.dtype === "bool") throw new DTypeError(`topk: expected a numeric tensor, got ${x.dtype}${fmtShape(x.shape)}`);
    return { shape: x.shape.map((d, i) => (i === axis ? k : d)), dtype: "int32" as DType };
  },
  kernel: (be, [x], { axis, k, largest }, out) =>
    be.extern("topk", [x._contiguous()._buf!], [x.dtype], "int32", sizeOf(out.shape), {
      outer: sizeOf(x.shape.slice(0, axis)),
      n: x.shape[axis],
      inner: sizeOf(x.shape.slice(axis + 1)),
      k,
      largest,
    }),
  vjp: null,
  jvp: null,
  cases: [
    { shapes: [[3, 40]], params: { axis: 1, k: 2, largest: true } },
    { shapes: [[6, 2]], params: { axis: 0, k: 4, largest: false } },
  ],
});

export const sortPrimitives = { argsort, topkIndices };
