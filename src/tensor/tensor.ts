// The Tensor: an immutable n-dimensional array. A concrete tensor is a strided view of a backend
// buffer; inside a transformation (jvp, grad, vjp) it may instead be a box carrying a primal of
// a lower level plus a tangent or a graph node (see autodiff/bind.ts). The operation methods
// (`x.add(y)`, `x.sum()`, `loss.backward()`, …) are sugar over the functions in ./ops, attached
// by ./methods.ts: this module imports no operation, so the operations can import it.

import { computeDType, isStorageDType, type DType, type TypedArray } from "../core/dtype.js";
import { ArgumentError, DTypeError, fmtShape } from "../core/errors.js";
import { frozenContiguousStrides, frozenShape, sizeOf } from "../core/shape.js";
import type { Backend } from "../backend/kernel.js";
import { LazyBuffer, Lowering } from "../backend/lazy.js";
import { realize as runSchedule } from "../backend/schedule.js";
import { cpu, runtime } from "../backend/runtime.js";
import { captureState, dataDependentError, noteSource } from "../backend/capture.js";
import type { AnyPrimitive, OutInfo } from "../prims/define.js";
import type { Trace } from "../autodiff/bind.js";
import { leafNode, type Node } from "../autodiff/node.js";
import { formatTensor } from "./format.js";
import { bfloat16Value, float16Value } from "../core/half.js";

/** Stored elements as values: the 16-bit floats' bits decoded into a Float32Array. */
function valuesOf(a: TypedArray, dtype: DType): TypedArray {
  if (dtype !== "float16" && dtype !== "bfloat16") return a;
  const dec = dtype === "float16" ? float16Value : bfloat16Value;
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = dec(a[i]);
  return out;
}

export type TensorLike = Tensor | number;
export type Axis = number | readonly number[];

export class Tensor {
  /** Dimensions, outermost first. */
  readonly shape: readonly number[];
  readonly dtype: DType;

  /** @internal concrete storage: the device of `_buf` */
  _backend: Backend | null = null;
  /** @internal the (possibly still pending) buffer this view reads */
  _buf: LazyBuffer | null = null;
  /** @internal element strides of the view */
  _strides: readonly number[] = [];
  /** @internal */
  _offset = 0;

  /** @internal the transformation this box belongs to (absent on concrete tensors) */
  _trace: Trace | undefined = undefined;
  /** @internal the boxed value, one level down */
  _primal: Tensor | undefined = undefined;
  /** @internal forward-mode tangent of a box */
  _tangent: Tensor | undefined = undefined;
  /** @internal reverse-mode node: on boxes (JAX style) or on concrete tensors (PyTorch style) */
  _node: Node | undefined = undefined;

  /** @internal the stored gradient (see `grad`) */
  _grad: Tensor | null = null;
  /**
   * @internal set once `grad` has handed this tensor out: until then the only holder is the
   * `.grad` cell of the tensor it belongs to, so a compiled step that replaces that gradient may
   * reuse its memory instead of keeping a copy of the old values
   */
  _handedOut = false;

  /** Gradient accumulated by `backward()` for a tensor that `setRequiresGrad()`. */
  get grad(): Tensor | null {
    const g = this._grad;
    if (g !== null) g._handedOut = true;
    return g;
  }
  set grad(g: Tensor | null) {
    this._grad = g;
  }

  /** @internal use `tensor()`, `zeros()`, … to make tensors. */
  constructor(shape: readonly number[], dtype: DType) {
    // a frozen copy: `readonly` binds only TypeScript callers, and a shared live array would let
    // `x.shape.reverse()` (or a caller reusing its own shape array) change the tensor under its data
    this.shape = frozenShape(shape);
    this.dtype = dtype;
  }

  /** @internal a concrete tensor over `buf`. */
  static _fromBuf(buf: LazyBuffer, shape: readonly number[], dtype: DType, strides?: readonly number[], offset = 0): Tensor {
    const t = new Tensor(shape, dtype);
    t._backend = buf.backend;
    t._buf = buf;
    t._strides = strides ?? frozenContiguousStrides(t.shape);
    t._offset = offset;
    return t;
  }

  /** @internal a box of `primal` for `trace`. */
  static _box(primal: Tensor, trace: Trace): Tensor {
    const t = new Tensor(primal.shape, primal.dtype);
    t._trace = trace;
    t._primal = primal;
    return t;
  }

  /**
   * @internal applies a primitive to concrete inputs: checks shapes and dtypes now (errors are
   * thrown at the call that is wrong) and lowers the kernel to a pending buffer that runs when
   * a value is needed. Inputs stay where they are: the scheduler moves what crosses devices.
   */
  static _evaluate(prim: AnyPrimitive, inputs: readonly Tensor[], params: unknown): Tensor {
    // a compiled training step reads parameters afresh on each call
    if (captureState.active?.stateful)
      for (const t of inputs) if (t._node !== undefined && t._node.prim === null && t._trace === undefined) noteSource(t, () => t, t);
    // a call primitive's output is whatever its tensor operations produce
    if (prim.kind === "call") return prim.call(inputs, params);
    // the storage dtypes (uint8, float16, bfloat16) are computed in int32 / float32: every
    // primitive but views and casts reads them converted
    if (prim.kind === "compute" && prim.name !== "cast") {
      let stored = false;
      for (const t of inputs) stored ||= isStorageDType(t.dtype);
      if (stored) inputs = inputs.map((t) => (isStorageDType(t.dtype) ? t._computeCopy() : t));
    }
    const info: OutInfo = prim.infer(inputs, params);
    if (prim.kind === "view") {
      let x = inputs[0];
      let v = prim.view(x, params, info);
      if (!v) {
        x = x._contiguous();
        v = prim.view(x, params, info)!;
      }
      x._buf!.shared = true;
      return Tensor._fromBuf(x._buf!, info.shape, info.dtype, v.strides, v.offset);
    }
    return Tensor._fromBuf(prim.kernel(runtime.lowering, inputs, params, info), info.shape, info.dtype);
  }

  /** @internal a concrete copy of a storage-dtype tensor in the dtype it computes in (int32 or float32). */
  _computeCopy(): Tensor {
    const c = this._concrete();
    const to = computeDType(c.dtype);
    const lb = runtime.lowering.cast({ buf: c._buf!, offset: c._offset, strides: c._strides }, c.shape, c.dtype, to);
    return Tensor._fromBuf(lb, c.shape, to);
  }

  /** @internal the concrete value under any boxes. */
  _concrete(): Tensor {
    let t: Tensor = this;
    while (t._primal) t = t._primal;
    return t;
  }

  /** @internal true when the view is row-major with offset 0. */
  _isContiguous(): boolean {
    if (this._offset !== 0) return false;
    let acc = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this._strides[i] !== acc) return false;
      acc *= this.shape[i];
    }
    return true;
  }

  /** @internal a concrete row-major copy (or this, when already one). */
  _contiguous(): Tensor {
    const c = this._concrete();
    if (c._isContiguous()) return c;
    // the copy runs where the tensor lives, not on whatever backend is the default now
    const be = c._backend!;
    const low = be === runtime.backend ? runtime.lowering : new Lowering(be, cpu);
    const buf = low.cast({ buf: c._buf!, offset: c._offset, strides: c._strides }, c.shape, c.dtype, c.dtype);
    return Tensor._fromBuf(buf, c.shape, c.dtype);
  }

  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /**
   * A copy of the elements in row-major order, as a typed array of the dtype (runs what is
   * pending): Float32Array, Float64Array, Int32Array, Uint8Array for bool and uint8, and for the
   * 16-bit floats a Float32Array of their values (each is exact in float32).
   */
  data(): TypedArray {
    return valuesOf(this._rawData(), this.dtype);
  }

  /** @internal the stored elements as they are (the 16-bit floats as Uint16Array bits). */
  _rawData(): TypedArray {
    const lb = this._readable("data");
    return lb.backend.read(lb.buf!, this.dtype, this.size);
  }

  /** @internal the realized contiguous buffer of this value, for reading by `op`. */
  _readable(op: string): LazyBuffer {
    const c = this._contiguous();
    const lb = c._buf!;
    const capture = captureState.active;
    if (capture && lb.traced === capture) throw dataDependentError(capture, op);
    if (lb.donated) throw new ArgumentError(`${op}: this tensor ${fmtShape(this.shape)} was donated to a compiled call, which reused its memory; use the call's results instead`);
    runSchedule([lb]);
    return lb;
  }

  /**
   * `data()` for backends that can only read asynchronously (WebGPU); works on every backend.
   * @example const values = await tg.tensor([1, 2]).mul(2).dataAsync(); // Float32Array [2, 4]
   */
  async dataAsync(): Promise<TypedArray> {
    const lb = this._readable("dataAsync");
    return valuesOf(await lb.backend.readAsync(lb.buf!, this.dtype, this.size), this.dtype);
  }

  /** `toArray()` read asynchronously (see `dataAsync`). */
  async toArrayAsync(): Promise<NestedArray> {
    return nestArray(await this.dataAsync(), this.shape, this.dtype);
  }

  /** The elements as nested JS arrays (booleans for bool tensors); a number for a 0-d tensor. */
  toArray(): NestedArray {
    if (this.size > 1 << 26)
      throw new ArgumentError(`toArray: ${this.size} elements (shape ${fmtShape(this.shape)}) is too many for nested JS arrays; use data()`);
    const lb = this._readable("toArray");
    return nestArray(valuesOf(lb.backend.read(lb.buf!, this.dtype, this.size), this.dtype), this.shape, this.dtype);
  }

  /** The single element of a one-element tensor, as a number. */
  item(): number {
    if (this.size !== 1) throw new ArgumentError(`item: tensor of shape ${fmtShape(this.shape)} has ${this.size} elements, not 1`);
    const lb = this._readable("item");
    return valuesOf(lb.backend.read(lb.buf!, this.dtype, 1), this.dtype)[0];
  }

  /** NumPy-style text. */
  toString(): string {
    return formatTensor(this.data(), this.shape, this.dtype);
  }

  // ---- reverse mode, PyTorch style ----

  /**
   * Marks this tensor as a leaf whose gradient `backward()` accumulates into `.grad` (or, with
   * `false`, unmarks it); returns it. PyTorch's `requires_grad_()`.
   * @example const w = tg.randn([3, 2]).setRequiresGrad();
   */
  setRequiresGrad(flag = true): this {
    if (this._trace) throw new ArgumentError("setRequiresGrad: called on a value inside a transformation; call it on a concrete tensor");
    if (flag && this.dtype !== "float32" && this.dtype !== "float64")
      throw new DTypeError(`setRequiresGrad: only floating-point tensors can require gradients, got ${this.dtype}`);
    if (flag) {
      if (!this._node) this._node = leafNode(this);
    } else {
      if (this._node && this._node.prim !== null)
        throw new ArgumentError("setRequiresGrad(false): this tensor is the result of a computation; call detach() to cut it from the graph");
      this._node = undefined;
    }
    return this;
  }

  /**
   * True for leaves marked with `setRequiresGrad()` and results computed from them (PyTorch's
   * `requires_grad`). Assigning it marks or unmarks a leaf, as `setRequiresGrad(flag)` does.
   * @example if (w.requiresGrad) console.log("w is trained");
   */
  get requiresGrad(): boolean {
    return this._node !== undefined;
  }
  set requiresGrad(flag: boolean) {
    if (typeof flag !== "boolean") throw new ArgumentError(`requiresGrad: expected a boolean, got ${typeof flag}`);
    this.setRequiresGrad(flag);
  }

  /** The same values, cut off from every gradient computation (all levels). */
  detach(): Tensor {
    const c = this._concrete();
    c._buf!.shared = true;
    return Tensor._fromBuf(c._buf!, c.shape, c.dtype, c._strides, c._offset);
  }
}

export type NestedArray = number | boolean | NestedArray[];

/**
 * Runs every pending kernel the given tensors depend on, in one schedule (so work they share is
 * done once and fused where it can be). Values inside a transformation are realized through
 * their primal values.
 * @example
 * const [a, b] = [tg.ones([3]).mul(2), tg.ones([3]).add(1)];
 * tg.realize(a, b);
 */
export function realize(...ts: Tensor[]): void {
  const bufs: LazyBuffer[] = [];
  for (const t of ts) {
    const b = t._concrete()._buf;
    if (b && b.op) bufs.push(b);
  }
  if (bufs.length) runSchedule(bufs);
}

/** Row-major `d` as nested arrays of `shape` (booleans for bool). */
function nestArray(d: TypedArray, shape: readonly number[], dtype: DType): NestedArray {
  const conv = dtype === "bool" ? (v: number) => v !== 0 : (v: number) => v;
  const build = (dim: number, off: number): NestedArray => {
    if (dim === shape.length) return conv(d[off]);
    let stride = 1;
    for (let i = dim + 1; i < shape.length; i++) stride *= shape[i];
    const out: NestedArray[] = [];
    for (let i = 0; i < shape[dim]; i++) out.push(build(dim + 1, off + i * stride));
    return out;
  };
  return build(0, 0);
}
