// The Tensor: an immutable n-dimensional array. A concrete tensor is a strided view of a backend
// buffer; inside a transformation (jvp, grad, vjp) it may instead be a box carrying a primal of
// a lower level plus a tangent or a graph node (see autodiff/bind.ts). The operation methods
// (`x.add(y)`, `x.sum()`, `loss.backward()`, …) are sugar over the functions in ./ops, attached
// by ./methods.ts: this module imports no operation, so the operations can import it.

import { type DType, type TypedArray } from "../core/dtype.js";
import { ArgumentError, DTypeError, fmtShape } from "../core/errors.js";
import { contiguousStrides, sizeOf } from "../core/shape.js";
import type { Backend, Buf } from "../backend/kernel.js";
import { runtime } from "../backend/runtime.js";
import type { AnyPrimitive, OutInfo } from "../prims/define.js";
import type { Trace } from "../autodiff/bind.js";
import { leafNode, type Node } from "../autodiff/node.js";
import { formatTensor } from "./format.js";

export type TensorLike = Tensor | number;
export type Axis = number | readonly number[];

export class Tensor {
  /** Dimensions, outermost first. */
  readonly shape: readonly number[];
  readonly dtype: DType;

  /** @internal concrete storage */
  _backend: Backend | null = null;
  /** @internal */
  _buf: Buf | null = null;
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

  /** Gradient accumulated by `backward()` for a tensor that `requiresGrad()`. */
  grad: Tensor | null = null;

  /** @internal use `tensor()`, `zeros()`, … to make tensors. */
  constructor(shape: readonly number[], dtype: DType) {
    this.shape = shape;
    this.dtype = dtype;
  }

  /** @internal a concrete tensor over `buf`. */
  static _fromBuf(backend: Backend, buf: Buf, shape: readonly number[], dtype: DType, strides?: readonly number[], offset = 0): Tensor {
    const t = new Tensor(shape, dtype);
    t._backend = backend;
    t._buf = buf;
    t._strides = strides ?? contiguousStrides(shape);
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

  /** @internal runs a primitive on concrete inputs. */
  static _evaluate(prim: AnyPrimitive, inputs: readonly Tensor[], params: unknown): Tensor {
    const be = runtime.backend;
    const ins = inputs.map((x) => x._onBackend(be));
    // a call primitive's output is whatever its tensor operations produce
    if (prim.kind === "call") return prim.call(ins, params);
    const info: OutInfo = prim.infer(ins, params);
    if (prim.kind === "view") {
      let x = ins[0];
      let v = prim.view(x, params, info);
      if (!v) {
        x = x._contiguous();
        v = prim.view(x, params, info)!;
      }
      return Tensor._fromBuf(be, x._buf!, info.shape, info.dtype, v.strides, v.offset);
    }
    return Tensor._fromBuf(be, prim.kernel(be, ins, params, info), info.shape, info.dtype);
  }

  /** @internal the concrete value under any boxes. */
  _concrete(): Tensor {
    let t: Tensor = this;
    while (t._primal) t = t._primal;
    return t;
  }

  /** @internal this concrete tensor's data on `be` (copied across backends when needed). */
  _onBackend(be: Backend): Tensor {
    if (this._backend === be) return this;
    const c = this._contiguous();
    const host = c._backend!.read(c._buf!, c.dtype, c.size);
    return Tensor._fromBuf(be, be.upload(host, c.dtype), c.shape, c.dtype);
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
    const be = c._backend!;
    const buf = be.cast({ buf: c._buf!, offset: c._offset, strides: c._strides }, c.shape, c.dtype, c.dtype);
    return Tensor._fromBuf(be, buf, c.shape, c.dtype);
  }

  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** A copy of the elements in row-major order, as a typed array of the dtype. */
  data(): TypedArray {
    const c = this._contiguous();
    return c._backend!.read(c._buf!, c.dtype, c.size);
  }

  /** The elements as nested JS arrays (booleans for bool tensors); a number for a 0-d tensor. */
  toArray(): NestedArray {
    if (this.size > 1 << 26)
      throw new ArgumentError(`toArray: ${this.size} elements (shape ${fmtShape(this.shape)}) is too many for nested JS arrays; use data()`);
    const d = this.data();
    const conv = this.dtype === "bool" ? (v: number) => v !== 0 : (v: number) => v;
    const build = (dim: number, off: number): NestedArray => {
      if (dim === this.shape.length) return conv(d[off]);
      let stride = 1;
      for (let i = dim + 1; i < this.shape.length; i++) stride *= this.shape[i];
      const out: NestedArray[] = [];
      for (let i = 0; i < this.shape[dim]; i++) out.push(build(dim + 1, off + i * stride));
      return out;
    };
    return build(0, 0);
  }

  /** The single element of a one-element tensor, as a number. */
  item(): number {
    if (this.size !== 1) throw new ArgumentError(`item: tensor of shape ${fmtShape(this.shape)} has ${this.size} elements, not 1`);
    return this.data()[0];
  }

  /** NumPy-style text. */
  toString(): string {
    return formatTensor(this.data(), this.shape, this.dtype);
  }

  // ---- reverse mode, PyTorch style ----

  /**
   * Marks this tensor as a leaf whose gradient `backward()` accumulates into `.grad`; returns it.
   * @example const w = tg.randn([3, 2]).requiresGrad();
   */
  requiresGrad(flag = true): this {
    if (this._trace) throw new ArgumentError("requiresGrad: called on a value inside a transformation; call it on a concrete tensor");
    if (flag && this.dtype !== "float32" && this.dtype !== "float64")
      throw new DTypeError(`requiresGrad: only floating-point tensors can require gradients, got ${this.dtype}`);
    if (flag) {
      if (!this._node) this._node = leafNode(this);
    } else this._node = undefined;
    return this;
  }

  /** True for leaves marked with `requiresGrad()` and results computed from them. */
  get requiresGradFlag(): boolean {
    return this._node !== undefined;
  }

  /** The same values, cut off from every gradient computation (all levels). */
  detach(): Tensor {
    const c = this._concrete();
    return Tensor._fromBuf(c._backend!, c._buf!, c.shape, c.dtype, c._strides, c._offset);
  }
}

export type NestedArray = number | boolean | NestedArray[];
