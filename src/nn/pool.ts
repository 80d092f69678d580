// Pooling and resampling with PyTorch's semantics (NCHW): max pooling (an argmax kernel, then a
// gather, so the gradient scatter-adds through the int32 indices), average pooling (im2col and a
// sum over each window, divided by PyTorch's window counts), adaptive average pooling and
// bilinear interpolation (a product with a fixed averaging or interpolation matrix on each side,
// Ph·x·Pwᵀ), nearest-neighbour interpolation (index selection), and their modules.

import { isFloat } from "../core/dtype.js";
import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../core/errors.js";
import { bind } from "../autodiff/bind.js";
import { erase } from "../prims/define.js";
import { maxPoolIndices, type Window2d } from "../prims/conv.js";
import { tensor } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";
import { div } from "../tensor/ops/arith.js";
import { sum } from "../tensor/ops/reduce.js";
import { matmul } from "../tensor/ops/linalg.js";
import { gather, indexSelect } from "../tensor/ops/index-ops.js";
import { flatten, reshape, transpose } from "../tensor/ops/shape.js";
import { im2colOf, sizes, type Size } from "./conv.js";
import { Module } from "./module.js";

export interface MaxPoolOpts {
  /** Default: the kernel size. */
  stride?: Size;
  /** Implicit −∞ on both sides, at most half the kernel. Default 0. */
  padding?: Size;
  dilation?: Size;
  /** Round the output size up (a last, partial window), as PyTorch's ceil_mode. Default false. */
  ceilMode?: boolean;
}

export interface AvgPoolOpts {
  stride?: Size;
  /** Implicit zeros on both sides, at most half the kernel. Default 0. */
  padding?: Size;
  ceilMode?: boolean;
  /** Count the padding zeros in each window's divisor (PyTorch's default, true). */
  countIncludePad?: boolean;
  /** Divide every window by this instead. */
  divisorOverride?: number;
}

/** [N, C, H, W] view of a 3-D (unbatched) or 4-D input, or of a 1-D signal with `d` = 1. */
function asImage(op: string, x: Tensor, d: 1 | 2): { x4: Tensor; outShape: (oh: number, ow: number) => number[] } {
  if (!(x instanceof Tensor)) throw new ArgumentError(`${op}: expected a Tensor input`);
  const what = d === 1 ? "[C, L] or [N, C, L]" : "[C, H, W] or [N, C, H, W]";
  if (x.ndim !== d + 1 && x.ndim !== d + 2) throw new ShapeError(`${op}: expected a ${d + 1}-D or ${d + 2}-D input ${what}, got ${fmtShape(x.shape)}`);
  const batched = x.ndim === d + 2;
  const s = batched ? x.shape : [1, ...x.shape];
  const [n, c] = s;
  const [h, w] = d === 1 ? [1, s[2]] : [s[2], s[3]];
  const lead = batched ? [n, c] : [c];
  return { x4: reshape(x, [n, c, h, w]), outShape: (oh, ow) => (d === 1 ? [...lead, ow] : [...lead, oh, ow]) };
}

/** PyTorch's pooling output length, refusing padding over half the kernel and empty outputs. */
function poolLength(op: string, x: Tensor, size: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  if (p > k / 2) throw new ArgumentError(`${op}: padding ${p} must be at most half the kernel size ${k}`);
  const span = size + 2 * p - d * (k - 1) - 1;
  let out = Math.floor((span + (ceil ? s - 1 : 0)) / s) + 1;
  // the last window must start inside the input or its left padding
  if (ceil && (out - 1) * s >= size + p) out--;
  if (span < 0 || out < 1)
    throw new ShapeError(`${op}: kernel ${k} (dilation ${d}) is larger than the padded input: input ${fmtShape(x.shape)}, padding ${p}`);
  return out;
}

function poolWindow(op: string, x: Tensor, x4: Tensor, d: 1 | 2, kernelSize: Size, opts: MaxPoolOpts): Window2d {
  const lift = (v: number[], one: number) => (d === 1 ? [one, v[0]] : v);
  const [kh, kw] = lift(sizes(op, "kernelSize", kernelSize, d, 1), 1);
  const [sh, sw] = lift(sizes(op, "stride", opts.stride ?? kernelSize, d, 1), 1);
  const [ph, pw] = lift(sizes(op, "padding", opts.padding ?? 0, d, 0), 0);
  const [dh, dw] = lift(sizes(op, "dilation", opts.dilation ?? 1, d, 1), 1);
  const [h, w] = [x4.shape[2], x4.shape[3]];
  const ceil = opts.ceilMode ?? false;
  const oh = d === 1 ? 1 : poolLength(op, x, h, kh, sh, ph, dh, ceil);
  const ow = poolLength(op, x, w, kw, sw, pw, dw, ceil);
  return { h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow };
}

function maxPool(op: string, d: 1 | 2, x: Tensor, kernelSize: Size, opts: MaxPoolOpts): Tensor {
  const { x4, outShape } = asImage(op, x, d);
  if (x.dtype === "bool") throw new DTypeError(`${op}: bool input is not supported: ${fmtShape(x.shape)}`);
  const win = poolWindow(op, x, x4, d, kernelSize, opts);
  const [n, c] = x4.shape;
  const idx = bind(erase(maxPoolIndices), [x4], win);
  const flat = gather(reshape(x4, [n, c, win.h * win.w]), 2, reshape(idx, [n, c, win.oh * win.ow]));
  return reshape(flat, outShape(win.oh, win.ow));
}

/**
 * 2-D max pooling: the largest value of each kh×kw window (x [N, C, H, W] or [C, H, W]); the
 * gradient goes to the first maximum of each window.
 * @example nn.functional.maxPool2d(tg.arange(16).reshape([1, 1, 4, 4]).cast("float32"), 2).toArray() // [[[[5, 7], [13, 15]]]]
 */
export function maxPool2d(x: Tensor, kernelSize: Size, opts: MaxPoolOpts = {}): Tensor {
  return maxPool("maxPool2d", 2, x, kernelSize, opts);
}

/**
 * 1-D max pooling over the last axis of x [N, C, L] or [C, L].
 * @example nn.functional.maxPool1d(tg.tensor([[[1, 3, 2, 0]]]), 2).toArray() // [[[3, 2]]]
 */
export function maxPool1d(x: Tensor, kernelSize: number, opts: MaxPoolOpts = {}): Tensor {
  return maxPool("maxPool1d", 1, x, kernelSize, opts);
}

/**
 * 2-D average pooling with PyTorch's divisors: with `countIncludePad` (default) each window is
 * divided by its size clipped to the padded input; without, by the number of input pixels it covers.
 * @example nn.functional.avgPool2d(tg.ones([1, 1, 4, 4]), 2).toArray() // [[[[1, 1], [1, 1]]]]
 */
export function avgPool2d(x: Tensor, kernelSize: Size, opts: AvgPoolOpts = {}): Tensor {
  const op = "avgPool2d";
  const { x4, outShape } = asImage(op, x, 2);
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: input must be float32 or float64, got ${x.dtype}${fmtShape(x.shape)}`);
  if (opts.divisorOverride !== undefined && !(Number.isFinite(opts.divisorOverride) && opts.divisorOverride !== 0))
    throw new ArgumentError(`${op}: divisorOverride must be a nonzero number, got ${opts.divisorOverride}`);
  const win = poolWindow(op, x, x4, 2, kernelSize, { stride: opts.stride, padding: opts.padding, ceilMode: opts.ceilMode });
  const [n, c, h, w] = x4.shape;
  const cols = im2colOf(reshape(x4, [n * c, 1, h, w]), win); // [N·C, kh·kw, L]
  const sums = reshape(sum(cols, 1), [n, c, win.oh, win.ow]);
  const divisor = new Float64Array(win.oh * win.ow);
  const includePad = opts.countIncludePad ?? true;
  for (let oy = 0; oy < win.oh; oy++)
    for (let ox = 0; ox < win.ow; ox++) {
      let y0 = oy * win.sh - win.ph;
      let x0 = ox * win.sw - win.pw;
      let y1 = Math.min(y0 + win.kh, h + win.ph);
      let x1 = Math.min(x0 + win.kw, w + win.pw);
      const padded = (y1 - y0) * (x1 - x0);
      y0 = Math.max(y0, 0);
      x0 = Math.max(x0, 0);
      y1 = Math.min(y1, h);
      x1 = Math.min(x1, w);
      divisor[oy * win.ow + ox] = opts.divisorOverride ?? (includePad ? padded : (y1 - y0) * (x1 - x0));
    }
  const y = div(sums, tensor(divisor, { dtype: x.dtype, shape: [win.oh, win.ow] }));
  return reshape(y, outShape(win.oh, win.ow));
}

/** The [out, in] matrix averaging PyTorch's adaptive windows: row i covers [⌊i·in/out⌋, ⌈(i+1)·in/out⌉). */
function adaptiveMatrix(inSize: number, outSize: number): Float64Array {
  const m = new Float64Array(outSize * inSize);
  for (let i = 0; i < outSize; i++) {
    const start = Math.floor((i * inSize) / outSize);
    const end = Math.ceil(((i + 1) * inSize) / outSize);
    for (let j = start; j < end; j++) m[i * inSize + j] = 1 / (end - start);
  }
  return m;
}

/** y = Mh · x · Mwᵀ over the last two axes, for fixed [oh, h] and [ow, w] matrices. */
function separable(x4: Tensor, mh: Float64Array, oh: number, mw: Float64Array, ow: number): Tensor {
  const [, , h, w] = x4.shape;
  let y = x4;
  if (!(oh === h && isIdentity(mh, h))) y = matmul(tensor(mh, { dtype: x4.dtype, shape: [oh, h] }), y);
  if (!(ow === w && isIdentity(mw, w))) y = matmul(y, transpose(tensor(mw, { dtype: x4.dtype, shape: [ow, w] })));
  return y;
}

function isIdentity(m: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (m[i * n + j] !== (i === j ? 1 : 0)) return false;
  return true;
}

/**
 * Adaptive average pooling to an output size ([oh, ow] or one number for both; null keeps the
 * input's size): window i along an axis averages input positions ⌊i·in/out⌋ … ⌈(i+1)·in/out⌉ − 1.
 * @example nn.functional.adaptiveAvgPool2d(tg.ones([2, 3, 7, 7]), 1).shape // [2, 3, 1, 1]
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  const op = "adaptiveAvgPool2d";
  const { x4, outShape } = asImage(op, x, 2);
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: input must be float32 or float64, got ${x.dtype}${fmtShape(x.shape)}`);
  const [, , h, w] = x4.shape;
  const req = typeof outputSize === "number" ? [outputSize, outputSize] : [...outputSize];
  if (req.length !== 2) throw new ArgumentError(`${op}: outputSize must be a number or 2 numbers, got ${JSON.stringify(outputSize)}`);
  const [oh, ow] = req.map((o, i) => (o === null ? [h, w][i] : o));
  for (const o of [oh, ow]) if (!Number.isInteger(o) || o < 1) throw new ArgumentError(`${op}: outputSize must hold positive integers, got ${JSON.stringify(outputSize)}`);
  if (h === 0 || w === 0) throw new ShapeError(`${op}: input ${fmtShape(x.shape)} has an empty spatial axis`);
  return reshape(separable(x4, adaptiveMatrix(h, oh), oh, adaptiveMatrix(w, ow), ow), outShape(oh, ow));
}

export interface InterpolateOpts {
  /** Output spatial size (one number for all axes). */
  size?: Size;
  /** Or a scale per axis: the output size is ⌊in·scale⌋ and coordinates map by 1/scale, as in PyTorch. */
  scaleFactor?: number | readonly number[];
  /** Default "nearest". */
  mode?: "nearest" | "bilinear";
  /** Bilinear only: map the corner pixels' centres onto each other (PyTorch's align_corners). Default false. */
  alignCorners?: boolean;
}

/** Source position scale of one axis, PyTorch's area_pixel_compute_scale. */
function axisScale(inSize: number, outSize: number, alignCorners: boolean, factor: number | undefined): number {
  if (alignCorners) return outSize > 1 ? (inSize - 1) / (outSize - 1) : 0;
  return factor !== undefined ? 1 / factor : inSize / outSize;
}

function bilinearMatrix(inSize: number, outSize: number, alignCorners: boolean, factor: number | undefined): Float64Array {
  const m = new Float64Array(outSize * inSize);
  const scale = axisScale(inSize, outSize, alignCorners, factor);
  for (let o = 0; o < outSize; o++) {
    const src = alignCorners ? scale * o : Math.max(scale * (o + 0.5) - 0.5, 0);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const i1 = i0 < inSize - 1 ? i0 + 1 : i0;
    const l1 = src - i0;
    m[o * inSize + i0] += 1 - l1;
    m[o * inSize + i1] += l1;
  }
  return m;
}

function nearestIndex(inSize: number, outSize: number, factor: number | undefined): Tensor {
  const scale = axisScale(inSize, outSize, false, factor);
  const idx = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) idx[o] = Math.min(Math.floor(o * scale), inSize - 1);
  return tensor(idx, { dtype: "int32" });
}

/**
 * Resamples the spatial axes of x ([N, C, L] or [N, C, H, W]; "bilinear" needs 4-D) to `size`, or
 * by `scaleFactor`, with PyTorch's coordinate conventions.
 * @example nn.functional.interpolate(tg.ones([1, 1, 2, 2]), { scaleFactor: 2, mode: "bilinear" }).shape // [1, 1, 4, 4]
 */
export function interpolate(x: Tensor, opts: InterpolateOpts): Tensor {
  const op = "interpolate";
  if (!(x instanceof Tensor)) throw new ArgumentError(`${op}: expected a Tensor input`);
  const mode = opts.mode ?? "nearest";
  if (mode !== "nearest" && mode !== "bilinear") throw new ArgumentError(`${op}: mode must be "nearest" or "bilinear", got '${String(mode)}'`);
  const d = x.ndim - 2;
  if (d !== 1 && d !== 2) throw new ShapeError(`${op}: expected a 3-D [N, C, L] or 4-D [N, C, H, W] input, got ${fmtShape(x.shape)}`);
  if (mode === "bilinear" && d !== 2) throw new ShapeError(`${op}: "bilinear" needs a 4-D [N, C, H, W] input, got ${fmtShape(x.shape)}`);
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: input must be float32 or float64, got ${x.dtype}${fmtShape(x.shape)}`);
  if (opts.alignCorners !== undefined && mode === "nearest") throw new ArgumentError(`${op}: alignCorners applies to "bilinear" only`);
  if ((opts.size === undefined) === (opts.scaleFactor === undefined)) throw new ArgumentError(`${op}: give exactly one of size and scaleFactor`);
  const inSizes = x.shape.slice(2);
  let factors: (number | undefined)[] = inSizes.map(() => undefined);
  let outSizes: number[];
  if (opts.size !== undefined) outSizes = sizes(op, "size", opts.size, d, 1);
  else {
    const f = typeof opts.scaleFactor === "number" ? inSizes.map(() => opts.scaleFactor as number) : [...opts.scaleFactor!];
    if (f.length !== d || f.some((v) => !(v > 0 && Number.isFinite(v)))) throw new ArgumentError(`${op}: scaleFactor must be ${d === 1 ? "a positive number" : "one or two positive numbers"}, got ${JSON.stringify(opts.scaleFactor)}`);
    factors = f;
    outSizes = inSizes.map((s, i) => Math.floor(s * f[i]));
    if (outSizes.some((o) => o < 1)) throw new ShapeError(`${op}: scaleFactor ${JSON.stringify(opts.scaleFactor)} gives an empty output for input ${fmtShape(x.shape)}`);
  }
  if (inSizes.some((s) => s === 0)) throw new ShapeError(`${op}: input ${fmtShape(x.shape)} has an empty spatial axis`);
  if (mode === "nearest") {
    let y = x;
    inSizes.forEach((s, i) => {
      if (outSizes[i] !== s || factors[i] !== undefined) y = indexSelect(y, 2 + i, nearestIndex(s, outSizes[i], factors[i]));
    });
    return y;
  }
  const align = opts.alignCorners ?? false;
  const [h, w] = inSizes;
  const [oh, ow] = outSizes;
  return separable(x, bilinearMatrix(h, oh, align, factors[0]), oh, bilinearMatrix(w, ow, align, factors[1]), ow);
}

// ---- modules ----

/**
 * 2-D max pooling as a layer.
 * @example new nn.MaxPool2d(2).call(tg.zeros([1, 8, 28, 28])).shape // [1, 8, 14, 14]
 */
export class MaxPool2d extends Module {
  constructor(readonly kernelSize: Size, readonly opts: MaxPoolOpts = {}) {
    super();
    sizes("MaxPool2d", "kernelSize", kernelSize, typeof kernelSize === "number" ? 1 : 2, 1);
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.opts);
  }
  override extraRepr(): string {
    return `kernel=${JSON.stringify(this.kernelSize)}${this.opts.stride !== undefined ? `, stride=${JSON.stringify(this.opts.stride)}` : ""}`;
  }
}

/**
 * 2-D average pooling as a layer.
 * @example new nn.AvgPool2d(2).call(tg.ones([1, 1, 4, 4])).shape // [1, 1, 2, 2]
 */
export class AvgPool2d extends Module {
  constructor(readonly kernelSize: Size, readonly opts: AvgPoolOpts = {}) {
    super();
    sizes("AvgPool2d", "kernelSize", kernelSize, typeof kernelSize === "number" ? 1 : 2, 1);
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.opts);
  }
  override extraRepr(): string {
    return `kernel=${JSON.stringify(this.kernelSize)}`;
  }
}

/**
 * Adaptive average pooling to a fixed output size.
 * @example new nn.AdaptiveAvgPool2d(1).call(tg.ones([2, 16, 7, 7])).shape // [2, 16, 1, 1]
 */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | readonly (number | null)[]) {
    super();
  }
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
  override extraRepr(): string {
    return `outputSize=${JSON.stringify(this.outputSize)}`;
  }
}

/**
 * Flattens axes startAxis…endAxis (default 1…−1: everything but the batch axis).
 * @example new nn.Flatten().call(tg.zeros([4, 8, 7, 7])).shape // [4, 392]
 */
export class Flatten extends Module {
  constructor(readonly startAxis = 1, readonly endAxis = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return flatten(x, this.startAxis, this.endAxis);
  }
  override extraRepr(): string {
    return `startAxis=${this.startAxis}, endAxis=${this.endAxis}`;
  }
}

/**
 * Resampling as a layer (`interpolate` with fixed options).
 * @example new nn.Upsample({ scaleFactor: 2 }).call(tg.zeros([1, 3, 8, 8])).shape // [1, 3, 16, 16]
 */
export class Upsample extends Module {
  constructor(readonly opts: InterpolateOpts) {
    super();
  }
  forward(x: Tensor): Tensor {
    return interpolate(x, this.opts);
  }
  override extraRepr(): string {
    return `${JSON.stringify(this.opts)}`;
  }
}
