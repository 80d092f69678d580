// Row loops of the reference backend: one function per operation, each a tight loop over one
// strided row, so the per-element work is inlined instead of going through a function value.

import { erf } from "../../core/special.js";
import type { TypedArray } from "../../core/dtype.js";
import type { BinaryOp, UnaryOp } from "../kernel.js";

type Arr = TypedArray;
export type BinaryRow = (out: Arr, o: number, len: number, x: Arr, xo: number, xs: number, y: Arr, yo: number, ys: number) => void;
export type UnaryRow = (out: Arr, o: number, len: number, x: Arr, xo: number, xs: number) => void;

export const binaryRows: Record<BinaryOp, BinaryRow> = {
  add: (out, o, n, x, xo, xs, y, yo, ys) => { for (let i = 0; i < n; i++) out[o + i] = x[xo + i * xs] + y[yo + i * ys]; },
  sub: (out, o, n, x, xo, xs, y, yo, ys) => { for (let i = 0; i < n; i++) out[o + i] = x[xo + i * xs] - y[yo + i * ys]; },
  mul: (out, o, n, x, xo, xs, y, yo, ys) => { for (let i = 0; i < n; i++) out[o + i] = x[xo + i * xs] * y[yo + i * ys]; },
  div: (out, o, n, x, xo, xs, y, yo, ys) => { for (let i = 0; i < n; i++) out[o + i] = x[xo + i * xs] / y[yo + i * ys]; },
  pow: (out, o, n, x, xo, xs, y, yo, ys) => { for (let i = 0; i < n; i++) out[o + i] = Math.pow(x[xo + i * xs], y[yo + i * ys]); },
  // NaN propagates through maximum/minimum, as in NumPy and PyTorch.
  maximum: (out, o, n, x, xo, xs, y, yo, ys) => {
    for (let i = 0; i < n; i++) {
      const a = x[xo + i * xs];
      const b = y[yo + i * ys];
      out[o + i] = a !== a || b !== b ? NaN : a > b ? a : b;
    }
  },
  minimum: (out, o, n, x, xo, xs, y, yo, ys) => {
    for (let i = 0; i < n; i++) {
      const a = x[xo + i * xs];
      const b = y[yo + i * ys];
      out[o + i] = a !== a || b !== b ? NaN : a < b ? a : b;
    }
  },
  eq: (out, o, n, x, xo, xs, y, yo, ys) => { for (let i = 0; i < n; i++) out[o + i] = x[xo + i * xs] === y[yo + i * ys] ? 1 : 0; },
  ne: (out, o, n, x, xo, xs, y, yo, ys) => { for (let i = 0; i < n; i++) out[o + i] = x[xo + i * xs] !== y[yo + i * ys] ? 1 : 0; },
  lt: (out, o, n, x, xo, xs, y, yo, ys) => { for (let i = 0; i < n; i++) out[o + i] = x[xo + i * xs] < y[yo + i * ys] ? 1 : 0; },
  le: (out, o, n, x, xo, xs, y, yo, ys) => { for (let i = 0; i < n; i++) out[o + i] = x[xo + i * xs] <= y[yo + i * ys] ? 1 : 0; },
  gt: (out, o, n, x, xo, xs, y, yo, ys) => { for (let i = 0; i < n; i++) out[o + i] = x[xo + i * xs] > y[yo + i * ys] ? 1 : 0; },
  ge: (out, o, n, x, xo, xs, y, yo, ys) => { for (let i = 0; i < n; i++) out[o + i] = x[xo + i * xs] >= y[yo + i * ys] ? 1 : 0; },
};

/** int32 arithmetic wraps like C (division of ints never reaches a kernel: it is promoted). */
export const intBinaryRows: Partial<Record<BinaryOp, BinaryRow>> = {
  add: (out, o, n, x, xo, xs, y, yo, ys) => { for (let i = 0; i < n; i++) out[o + i] = (x[xo + i * xs] + y[yo + i * ys]) | 0; },
  sub: (out, o, n, x, xo, xs, y, yo, ys) => { for (let i = 0; i < n; i++) out[o + i] = (x[xo + i * xs] - y[yo + i * ys]) | 0; },
  mul: (out, o, n, x, xo, xs, y, yo, ys) => { for (let i = 0; i < n; i++) out[o + i] = Math.imul(x[xo + i * xs], y[yo + i * ys]); },
};

export const unaryRows: Record<UnaryOp, UnaryRow> = {
  neg: (out, o, n, x, xo, xs) => { for (let i = 0; i < n; i++) out[o + i] = -x[xo + i * xs]; },
  abs: (out, o, n, x, xo, xs) => { for (let i = 0; i < n; i++) out[o + i] = Math.abs(x[xo + i * xs]); },
  sign: (out, o, n, x, xo, xs) => {
    for (let i = 0; i < n; i++) {
      const v = x[xo + i * xs];
      out[o + i] = v > 0 ? 1 : v < 0 ? -1 : v === 0 ? 0 : NaN;
    }
  },
  exp: (out, o, n, x, xo, xs) => { for (let i = 0; i < n; i++) out[o + i] = Math.exp(x[xo + i * xs]); },
  log: (out, o, n, x, xo, xs) => { for (let i = 0; i < n; i++) out[o + i] = Math.log(x[xo + i * xs]); },
  log1p: (out, o, n, x, xo, xs) => { for (let i = 0; i < n; i++) out[o + i] = Math.log1p(x[xo + i * xs]); },
  expm1: (out, o, n, x, xo, xs) => { for (let i = 0; i < n; i++) out[o + i] = Math.expm1(x[xo + i * xs]); },
  sqrt: (out, o, n, x, xo, xs) => { for (let i = 0; i < n; i++) out[o + i] = Math.sqrt(x[xo + i * xs]); },
  rsqrt: (out, o, n, x, xo, xs) => { for (let i = 0; i < n; i++) out[o + i] = 1 / Math.sqrt(x[xo + i * xs]); },
  sin: (out, o, n, x, xo, xs) => { for (let i = 0; i < n; i++) out[o + i] = Math.sin(x[xo + i * xs]); },
  cos: (out, o, n, x, xo, xs) => { for (let i = 0; i < n; i++) out[o + i] = Math.cos(x[xo + i * xs]); },
  tanh: (out, o, n, x, xo, xs) => { for (let i = 0; i < n; i++) out[o + i] = Math.tanh(x[xo + i * xs]); },
  // σ(x) = 1/(1+e^(−x)), written to never overflow e^(−x) for large negative x.
  sigmoid: (out, o, n, x, xo, xs) => {
    for (let i = 0; i < n; i++) {
      const v = x[xo + i * xs];
      if (v >= 0) out[o + i] = 1 / (1 + Math.exp(-v));
      else {
        const e = Math.exp(v);
        out[o + i] = e / (1 + e);
      }
    }
  },
  erf: (out, o, n, x, xo, xs) => { for (let i = 0; i < n; i++) out[o + i] = erf(x[xo + i * xs]); },
  relu: (out, o, n, x, xo, xs) => {
    for (let i = 0; i < n; i++) {
      const v = x[xo + i * xs];
      out[o + i] = v > 0 ? v : v !== v ? v : 0;
    }
  },
};
