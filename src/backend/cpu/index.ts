// The reference backend: plain TypeScript loops over typed arrays. Exact for float64 and the
// yardstick every other backend is tested against.

import { allocArray, type DType, type TypedArray } from "../../core/dtype.js";
import { contiguousStrides as contiguous, sizeOf } from "../../core/shape.js";
import type { ArgReduceOp, Backend, BinaryOp, Buf, ElemArg, MatArg, ReduceOp, UnaryOp } from "../kernel.js";
import { binaryRows, intBinaryRows, unaryRows } from "./rows.js";
import { forEachRow } from "./strided.js";

const A = (b: Buf) => b as TypedArray;

export class CpuBackend implements Backend {
  readonly name: string = "cpu";

  upload(data: TypedArray, dtype: DType): Buf {
    const out = allocArray(dtype, data.length);
    out.set(data);
    return out;
  }

  read(buf: Buf, dtype: DType, size: number): TypedArray {
    const out = allocArray(dtype, size);
    out.set(A(buf).subarray(0, size));
    return out;
  }

  fill(dtype: DType, size: number, value: number): Buf {
    const out = allocArray(dtype, size);
    if (value !== 0) out.fill(value);
    return out;
  }

  unary(op: UnaryOp, x: ElemArg, shape: readonly number[], dtype: DType): Buf {
    const out = allocArray(dtype, sizeOf(shape));
    const src = A(x.buf);
    const row = unaryRows[op];
    forEachRow(shape, [x.strides], [x.offset], (o, len, [xo], [xs]) => row(out, o, len, src, xo, xs));
    return out;
  }

  binary(op: BinaryOp, a: ElemArg, b: ElemArg, shape: readonly number[], dtype: DType, outDtype: DType): Buf {
    const out = allocArray(outDtype, sizeOf(shape));
    const x = A(a.buf);
    const y = A(b.buf);
    const row = (dtype === "int32" && intBinaryRows[op]) || binaryRows[op];
    forEachRow(shape, [a.strides, b.strides], [a.offset, b.offset], (o, len, [ao, bo], [as, bs]) => row(out, o, len, x, ao, as, y, bo, bs));
    return out;
  }

  where(cond: ElemArg, a: ElemArg, b: ElemArg, shape: readonly number[], dtype: DType): Buf {
    const out = allocArray(dtype, sizeOf(shape));
    const c = A(cond.buf);
    const x = A(a.buf);
    const y = A(b.buf);
    forEachRow(shape, [cond.strides, a.strides, b.strides], [cond.offset, a.offset, b.offset], (o, len, [co, ao, bo], [cs, as, bs]) => {
      for (let i = 0; i < len; i++) out[o + i] = c[co + i * cs] ? x[ao + i * as] : y[bo + i * bs];
    });
    return out;
  }

  cast(x: ElemArg, shape: readonly number[], _from: DType, to: DType): Buf {
    const out = allocArray(to, sizeOf(shape));
    const src = A(x.buf);
    const conv: (v: number) => number = to === "int32" ? (v) => Math.trunc(v) | 0 : to === "bool" ? (v) => +(v !== 0) : (v) => v;
    forEachRow(shape, [x.strides], [x.offset], (o, len, [xo], [xs]) => {
      if (xs === 1 && _from === to) out.set(src.subarray(xo, xo + len), o);
      else for (let i = 0; i < len; i++) out[o + i] = conv(src[xo + i * xs]);
    });
    return out;
  }

  reduce(op: ReduceOp, x: Buf, dtype: DType, outer: number, len: number, inner: number): Buf {
    const src = A(x);
    const out = allocArray(dtype, outer * inner);
    const init = op === "sum" ? 0 : op === "prod" ? 1 : op === "max" ? -Infinity : Infinity;
    const acc = new Float64Array(inner);
    for (let o = 0; o < outer; o++) {
      acc.fill(init);
      const base = o * len * inner;
      for (let r = 0; r < len; r++) {
        const row = base + r * inner;
        switch (op) {
          case "sum":
            for (let i = 0; i < inner; i++) acc[i] += src[row + i];
            break;
          case "prod":
            for (let i = 0; i < inner; i++) acc[i] *= src[row + i];
            break;
          case "max":
            for (let i = 0; i < inner; i++) {
              const v = src[row + i];
              if (v > acc[i] || v !== v) acc[i] = v;
            }
            break;
          case "min":
            for (let i = 0; i < inner; i++) {
              const v = src[row + i];
              if (v < acc[i] || v !== v) acc[i] = v;
            }
            break;
        }
      }
      for (let i = 0; i < inner; i++) out[o * inner + i] = acc[i];
    }
    return out;
  }

  softmax(op: "softmax" | "logSoftmax", x: Buf, dtype: DType, outer: number, len: number, inner: number): Buf {
    const src = A(x);
    const out = allocArray(dtype, outer * len * inner);
    for (let o = 0; o < outer; o++)
      for (let i = 0; i < inner; i++) {
        const base = o * len * inner + i;
        let m = -Infinity;
        for (let r = 0; r < len; r++) m = Math.max(m, src[base + r * inner]);
        if (m === -Infinity) m = 0; // an all −∞ slice: log softmax is −∞ − log 0 = NaN, as in PyTorch
        let s = 0;
        for (let r = 0; r < len; r++) s += Math.exp(src[base + r * inner] - m);
        if (op === "logSoftmax") {
          const lse = m + Math.log(s);
          for (let r = 0; r < len; r++) out[base + r * inner] = src[base + r * inner] - lse;
        } else for (let r = 0; r < len; r++) out[base + r * inner] = Math.exp(src[base + r * inner] - m) / s;
      }
    return out;
  }

  argReduce(op: ArgReduceOp, x: Buf, _dtype: DType, outer: number, len: number, inner: number): Buf {
    const src = A(x);
    const out = new Int32Array(outer * inner);
    const better = op === "argmax" ? (a: number, b: number) => a > b : (a: number, b: number) => a < b;
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
    return out;
  }

  matmul(a: MatArg, b: MatArg, batch: number, m: number, n: number, k: number, dtype: DType): Buf {
    const x = A(a.buf);
    const y = A(b.buf);
    const out = allocArray(dtype, batch * m * n);
    // element (i, p) of op(A) and (p, j) of op(B), row-major storage
    const [ais, aps] = a.trans ? [1, m] : [k, 1];
    const [bps, bjs] = b.trans ? [1, k] : [n, 1];
    const row = new Float64Array(n);
    for (let t = 0; t < batch; t++) {
      const ao = a.offset + t * a.batchStride;
      const bo = b.offset + t * b.batchStride;
      for (let i = 0; i < m; i++) {
        row.fill(0);
        for (let p = 0; p < k; p++) {
          const av = x[ao + i * ais + p * aps];
          if (av === 0) continue;
          const bb = bo + p * bps;
          for (let j = 0; j < n; j++) row[j] += av * y[bb + j * bjs];
        }
        const co = (t * m + i) * n;
        for (let j = 0; j < n; j++) out[co + j] = row[j];
      }
    }
    return out;
  }

  gather(x: Buf, idx: Buf, dtype: DType, outer: number, xLen: number, idxLen: number, inner: number): Buf {
    const src = A(x);
    const ix = A(idx);
    const out = allocArray(dtype, outer * idxLen * inner);
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < idxLen; j++)
        for (let i = 0; i < inner; i++) {
          const q = (o * idxLen + j) * inner + i;
          out[q] = src[(o * xLen + ix[q]) * inner + i];
        }
    return out;
  }

  scatterAdd(src: Buf, idx: Buf, dtype: DType, outer: number, xLen: number, idxLen: number, inner: number): Buf {
    const s = A(src);
    const ix = A(idx);
    const out = allocArray(dtype, outer * xLen * inner);
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < idxLen; j++)
        for (let i = 0; i < inner; i++) {
          const q = (o * idxLen + j) * inner + i;
          out[(o * xLen + ix[q]) * inner + i] += s[q];
        }
    return out;
  }

  indexSelect(x: Buf, idx: Buf, dtype: DType, outer: number, xLen: number, nIdx: number, inner: number): Buf {
    const src = A(x);
    const ix = A(idx);
    const out = allocArray(dtype, outer * nIdx * inner);
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < nIdx; j++) {
        const from = (o * xLen + ix[j]) * inner;
        out.set(src.subarray(from, from + inner), (o * nIdx + j) * inner);
      }
    return out;
  }

  indexAdd(src: Buf, idx: Buf, dtype: DType, outer: number, xLen: number, nIdx: number, inner: number): Buf {
    const s = A(src);
    const ix = A(idx);
    const out = allocArray(dtype, outer * xLen * inner);
    for (let o = 0; o < outer; o++)
      for (let j = 0; j < nIdx; j++) {
        const to = (o * xLen + ix[j]) * inner;
        const from = (o * nIdx + j) * inner;
        for (let i = 0; i < inner; i++) out[to + i] += s[from + i];
      }
    return out;
  }

  concat(parts: readonly Buf[], dtype: DType, outer: number, lens: readonly number[], inner: number): Buf {
    const total = lens.reduce((s, l) => s + l, 0);
    const out = allocArray(dtype, outer * total * inner);
    for (let o = 0; o < outer; o++) {
      let at = o * total * inner;
      parts.forEach((p, q) => {
        const n = lens[q] * inner;
        out.set(A(p).subarray(o * n, o * n + n), at);
        at += n;
      });
    }
    return out;
  }

  pad(x: Buf, dtype: DType, shape: readonly number[], before: readonly number[], after: readonly number[], value: number): Buf {
    const outShape = shape.map((d, i) => d + before[i] + after[i]);
    const out = allocArray(dtype, sizeOf(outShape));
    if (value !== 0) out.fill(value);
    const src = A(x);
    // destination strides, then copy each source row into place
    const ds: number[] = new Array(shape.length);
    let acc = 1;
    for (let i = shape.length - 1; i >= 0; i--) {
      ds[i] = acc;
      acc *= outShape[i];
    }
    let start = 0;
    for (let i = 0; i < shape.length; i++) start += before[i] * ds[i];
    const srcStrides = contiguous(shape);
    forEachRow(shape, [srcStrides, ds], [0, start], (_o, len, [so, dO], [ss, dss]) => {
      for (let i = 0; i < len; i++) out[dO + i * dss] = src[so + i * ss];
    });
    return out;
  }
}
