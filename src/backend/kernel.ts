// The kernel interface: everything a backend must implement. Backends see only buffers,
// element strides and sizes — never views, tensors, autodiff or broadcasting rules, which all
// live in the front end. A new backend (Wasm, WebGPU) implements this interface and nothing else.

import type { DType, TypedArray } from "../core/dtype.js";

/** A backend's opaque buffer handle. */
export type Buf = object;

/**
 * An elementwise operand: a buffer read through element strides laid over the *output* shape
 * (stride 0 on broadcast dimensions), starting at `offset`. Contiguous operands have the
 * output's row-major strides and offset 0.
 */
export interface ElemArg {
  readonly buf: Buf;
  readonly offset: number;
  readonly strides: readonly number[];
}

export type UnaryOp =
  | "neg" | "abs" | "sign" | "exp" | "log" | "log1p" | "expm1" | "sqrt" | "rsqrt"
  | "sin" | "cos" | "tanh" | "sigmoid" | "erf" | "relu";

export type BinaryOp =
  | "add" | "sub" | "mul" | "div" | "pow" | "maximum" | "minimum"
  | "eq" | "ne" | "lt" | "le" | "gt" | "ge";

export type ReduceOp = "sum" | "max" | "min" | "prod";
export type ArgReduceOp = "argmax" | "argmin";

/** One matmul operand: `batch` matrices in one buffer, `batchStride` elements apart (0 = shared). */
export interface MatArg {
  readonly buf: Buf;
  readonly offset: number;
  readonly batchStride: number;
  /** Stored transposed: A is kept as [k, m] (or B as [n, k]) in row-major order. */
  readonly trans: boolean;
}

/**
 * Reductions, gathers and concatenation see a contiguous buffer as a 3-D block
 * [outer, len, inner] and work along the middle axis.
 */
export interface Backend {
  readonly name: string;
  /** Copies host data into a new buffer. */
  upload(data: TypedArray, dtype: DType): Buf;
  /** Reads `size` elements of a buffer back to the host (a fresh array the caller may keep). */
  read(buf: Buf, dtype: DType, size: number): TypedArray;
  fill(dtype: DType, size: number, value: number): Buf;

  unary(op: UnaryOp, x: ElemArg, shape: readonly number[], dtype: DType): Buf;
  /** `dtype` is the compute dtype of both inputs; `outDtype` is `bool` for comparisons. */
  binary(op: BinaryOp, a: ElemArg, b: ElemArg, shape: readonly number[], dtype: DType, outDtype: DType): Buf;
  where(cond: ElemArg, a: ElemArg, b: ElemArg, shape: readonly number[], dtype: DType): Buf;
  /** Converts (or, with `from === to`, copies a strided view into a contiguous buffer). */
  cast(x: ElemArg, shape: readonly number[], from: DType, to: DType): Buf;

  reduce(op: ReduceOp, x: Buf, dtype: DType, outer: number, len: number, inner: number): Buf;
  /**
   * Softmax or log-softmax along the middle axis, stable (the maximum is subtracted first):
   * log softmax(x)ᵢ = xᵢ − m − log Σⱼ exp(xⱼ − m).
   */
  softmax(op: "softmax" | "logSoftmax", x: Buf, dtype: DType, outer: number, len: number, inner: number): Buf;
  /** Index (int32) of the first maximum / minimum along the middle axis. */
  argReduce(op: ArgReduceOp, x: Buf, dtype: DType, outer: number, len: number, inner: number): Buf;

  /** C[b] = op(A[b]) · op(B[b]) for b < batch, C contiguous [batch, m, n]. */
  matmul(a: MatArg, b: MatArg, batch: number, m: number, n: number, k: number, dtype: DType): Buf;

  /** out[o, j, i] = x[o, idx[o, j, i], i]; x is [outer, xLen, inner], idx [outer, idxLen, inner]. */
  gather(x: Buf, idx: Buf, dtype: DType, outer: number, xLen: number, idxLen: number, inner: number): Buf;
  /** The transpose of `gather`: out (zeros [outer, xLen, inner]) gets out[o, idx[o,j,i], i] += src[o, j, i]. */
  scatterAdd(src: Buf, idx: Buf, dtype: DType, outer: number, xLen: number, idxLen: number, inner: number): Buf;
  /** out[o, j, i] = x[o, idx[j], i] with a 1-D idx of length nIdx. */
  indexSelect(x: Buf, idx: Buf, dtype: DType, outer: number, xLen: number, nIdx: number, inner: number): Buf;
  /** The transpose of `indexSelect`: out[o, idx[j], i] += src[o, j, i]. */
  indexAdd(src: Buf, idx: Buf, dtype: DType, outer: number, xLen: number, nIdx: number, inner: number): Buf;
  /** Concatenates blocks [outer, lens[p], inner] along the middle axis. */
  concat(parts: readonly Buf[], dtype: DType, outer: number, lens: readonly number[], inner: number): Buf;
  /** Pads a contiguous tensor with a constant. */
  pad(x: Buf, dtype: DType, shape: readonly number[], before: readonly number[], after: readonly number[], value: number): Buf;
}
