// Convolutions with PyTorch's semantics (NCHW, weight [out, in/groups, kh, kw], cross-correlation):
// conv1d, conv2d, convTranspose2d and their modules. Each is one of the convolution primitives
// (prims/convolve.ts): `conv` is y = W·im2col(x) per group, and its cotangents are the other two,
// x̄ = convTranspose(ḡ, W) = col2im(Wᵀ·ḡ) and W̄ = convFilter(x, ḡ) = Σₙ ḡ·im2col(x)ᵀ, so the
// forward pass and both cotangents are GEMMs. A transposed convolution is `convTranspose` itself.

import { isFloat, type DType } from "../core/dtype.js";
import { ArgumentError, DTypeError, ShapeError, checkOpts, fmtShape } from "../core/errors.js";
import { bind } from "../autodiff/bind.js";
import { erase } from "../prims/define.js";
import { im2col, type Window2d } from "../prims/conv.js";
import { conv, convTranspose } from "../prims/convolve.js";
import { defaultGenerator, type Generator } from "../random/generator.js";
import { Tensor } from "../tensor/tensor.js";
import { add } from "../tensor/ops/arith.js";
import { reshape, squeeze } from "../tensor/ops/shape.js";
import * as init from "./init.js";
import { Module } from "./module.js";

/** One size per spatial axis, or one for all. */
export type Size = number | readonly number[];

/** Padding: per spatial axis, one for all, or PyTorch's "same" (stride 1; output size = input size) / "valid" (none). */
export type Padding = Size | "same" | "valid";

export interface ConvOpts {
  /** Added to every output channel: shape [out]. */
  bias?: Tensor | null;
  /** Default 1. */
  stride?: Size;
  /** Zeros added on both sides (or "same" / "valid"). Default 0. */
  padding?: Padding;
  /** Spacing between kernel taps. Default 1. */
  dilation?: Size;
  /** Input and output channels split into this many independent groups. Default 1. */
  groups?: number;
}

export interface ConvTransposeOpts {
  bias?: Tensor | null;
  stride?: Size;
  /** Removed from both sides of the output (the padding of the convolution this transposes). Default 0. */
  padding?: Size;
  /** Added to one side of the output to pick among the sizes a strided convolution maps to the input's. Default 0. */
  outputPadding?: Size;
  dilation?: Size;
  groups?: number;
}

const CONV_OPTS = ["bias", "stride", "padding", "dilation", "groups"] as const;
const CONV_TRANSPOSE_OPTS = ["bias", "stride", "padding", "outputPadding", "dilation", "groups"] as const;

/**
 * Refuses what PyTorch's positional form would pass (`conv2d(x, w, bias, stride, padding)`) and
 * option names the operation does not know: JavaScript would ignore them, and the convolution
 * would run with its defaults instead.
 */
function checkConvCall(op: string, args: IArguments, opts: unknown, known: readonly string[]): void {
  if (opts instanceof Tensor || opts === null || typeof opts !== "object")
    throw new ArgumentError(
      `${op}: the third argument is an options object { ${known.join(", ")} }, got ${opts instanceof Tensor ? `a tensor ${fmtShape(opts.shape)} (pass a bias as { bias })` : String(opts)}`,
    );
  if (args.length > 3) throw new ArgumentError(`${op}: takes (x, weight, options), got ${args.length} arguments; stride, padding and the rest go in the options object`);
  checkOpts(op, opts, known);
}

/** `v` as `n` integers ≥ `min`, named in errors. @internal */
export function sizes(op: string, name: string, v: Size, n: number, min: number): number[] {
  const arr = typeof v === "number" ? new Array<number>(n).fill(v) : [...v];
  if (arr.length !== n || arr.some((d) => !Number.isInteger(d) || d < min))
    throw new ArgumentError(`${op}: ${name} must be ${n === 1 ? "an integer" : `an integer or ${n} integers`} ≥ ${min}, got ${JSON.stringify(v)}`);
  return arr;
}

function checkGroups(op: string, groups: number): number {
  if (!Number.isInteger(groups) || groups < 1) throw new ArgumentError(`${op}: groups must be a positive integer, got ${groups}`);
  return groups;
}

function checkDtypes(op: string, x: Tensor, weight: Tensor, bias: Tensor | null | undefined): void {
  if (!(x instanceof Tensor) || !(weight instanceof Tensor)) throw new ArgumentError(`${op}: expected (x: Tensor, weight: Tensor, opts)`);
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: input must be float32 or float64, got ${x.dtype}${fmtShape(x.shape)}`);
  if (weight.dtype !== x.dtype)
    throw new DTypeError(`${op}: weight ${weight.dtype}${fmtShape(weight.shape)} must have the input's dtype ${x.dtype}${fmtShape(x.shape)}`);
  if (bias && bias.dtype !== x.dtype) throw new DTypeError(`${op}: bias ${bias.dtype}${fmtShape(bias.shape)} must have the input's dtype ${x.dtype}`);
}

/** @internal Output length of a window sliding over `size` (+ `padTotal`) positions; -1 when the kernel does not fit. */
export function outLength(size: number, padTotal: number, kernel: number, stride: number, dilation: number, ceil = false): number {
  const span = size + padTotal - dilation * (kernel - 1) - 1;
  if (span < 0) return -1;
  return (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
}

/** The shapes a convolution over `d` spatial axes works with, checked; spatial arrays have length d. @internal */
export interface ConvGeometry {
  batched: boolean;
  n: number;
  cin: number;
  cout: number;
  groups: number;
  size: number[];
  kernel: number[];
  stride: number[];
  dilation: number[];
  padBefore: number[];
  out: number[];
}

function convGeometry(op: string, d: number, x: Tensor, weight: Tensor, opts: ConvOpts): ConvGeometry {
  checkDtypes(op, x, weight, opts.bias);
  const names = d === 1 ? "[C, L] or [N, C, L]" : "[C, H, W] or [N, C, H, W]";
  if (x.ndim !== d + 1 && x.ndim !== d + 2) throw new ShapeError(`${op}: expected a ${d + 1}-D or ${d + 2}-D input ${names}, got ${fmtShape(x.shape)}`);
  if (weight.ndim !== d + 2)
    throw new ShapeError(`${op}: weight must be ${d + 2}-D [out, in/groups, ${d === 1 ? "k" : "kh, kw"}], got ${fmtShape(weight.shape)}`);
  const batched = x.ndim === d + 2;
  const xs = batched ? x.shape : [1, ...x.shape];
  const groups = checkGroups(op, opts.groups ?? 1);
  const [n, cin] = xs;
  const cout = weight.shape[0];
  if (cin % groups !== 0) throw new ShapeError(`${op}: input channels ${cin} (input ${fmtShape(x.shape)}) are not divisible by groups ${groups}`);
  if (cout % groups !== 0) throw new ShapeError(`${op}: output channels ${cout} (weight ${fmtShape(weight.shape)}) are not divisible by groups ${groups}`);
  if (weight.shape[1] * groups !== cin)
    throw new ShapeError(
      `${op}: input ${fmtShape(x.shape)} has ${cin} channels but weight ${fmtShape(weight.shape)} with groups ${groups} expects ${weight.shape[1] * groups}`,
    );
  if (opts.bias && (opts.bias.ndim !== 1 || opts.bias.shape[0] !== cout))
    throw new ShapeError(`${op}: bias ${fmtShape(opts.bias.shape)} must have shape [${cout}] for weight ${fmtShape(weight.shape)}`);
  const size = xs.slice(2);
  const kernel = weight.shape.slice(2);
  const stride = sizes(op, "stride", opts.stride ?? 1, d, 1);
  const dilation = sizes(op, "dilation", opts.dilation ?? 1, d, 1);
  const padding = opts.padding ?? 0;
  let padBefore: number[];
  let padAfter: number[];
  if (padding === "same") {
    if (stride.some((s) => s !== 1)) throw new ArgumentError(`${op}: padding "same" needs stride 1, got stride ${JSON.stringify(opts.stride)}`);
    // PyTorch's split: the extra zero of an odd total goes after
    const total = kernel.map((k, i) => dilation[i] * (k - 1));
    padBefore = total.map((t) => Math.floor(t / 2));
    padAfter = total.map((t, i) => t - padBefore[i]);
  } else if (padding === "valid") {
    padBefore = padAfter = new Array<number>(d).fill(0);
  } else if (typeof padding === "string") {
    throw new ArgumentError(`${op}: padding must be a number, ${d} numbers, "same" or "valid", got '${padding}'`);
  } else {
    padBefore = padAfter = sizes(op, "padding", padding, d, 0);
  }
  const out = size.map((s, i) => outLength(s, padBefore[i] + padAfter[i], kernel[i], stride[i], dilation[i]));
  const bad = out.findIndex((o) => o < 1);
  if (bad >= 0 || size.some((s) => s === 0))
    throw new ShapeError(
      `${op}: kernel ${fmtShape(kernel)} (dilation ${fmtShape(dilation)}) is larger than the padded input: input ${fmtShape(x.shape)}, padding ${fmtShape(padBefore)}+${fmtShape(padAfter)}`,
    );
  return { batched, n, cin, cout, groups, size, kernel, stride, dilation, padBefore, out };
}

/** @internal The 2-D window of a geometry (a 1-D one gets a height of 1). */
export function window2d(size: readonly number[], kernel: readonly number[], stride: readonly number[], dilation: readonly number[], pad: readonly number[], out: readonly number[]): Window2d {
  const two = (a: readonly number[], one: number) => (a.length === 1 ? [one, a[0]] : a);
  const [h, w] = two(size, 1);
  const [kh, kw] = two(kernel, 1);
  const [sh, sw] = two(stride, 1);
  const [dh, dw] = two(dilation, 1);
  const [ph, pw] = two(pad, 0);
  const [oh, ow] = two(out, 1);
  return { h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow };
}

/** cols = im2col(x) for an [N, C, H, W] x (no copy at all for a 1×1 kernel with stride 1 and no padding). @internal */
export function im2colOf(x4: Tensor, win: Window2d): Tensor {
  const [n, c] = x4.shape;
  const identity = win.kh === 1 && win.kw === 1 && win.sh === 1 && win.sw === 1 && win.ph === 0 && win.pw === 0 && win.oh === win.h && win.ow === win.w;
  if (identity) return reshape(x4, [n, c, win.h * win.w]);
  return bind(erase(im2col), [x4], win);
}

function convForward(g: ConvGeometry, x: Tensor, weight: Tensor, bias: Tensor | null | undefined): Tensor {
  const { n, cin, cout, groups, size, kernel, stride, dilation, padBefore, out } = g;
  const win = window2d(size, kernel, stride, dilation, padBefore, out);
  const x4 = reshape(x, [n, cin, win.h, win.w]);
  const w4 = reshape(weight, [cout, cin / groups, win.kh, win.kw]);
  let y = bind(erase(conv), [x4, w4], { ...win, groups }); // [N, Cout, oh, ow]
  y = reshape(y, g.batched ? [n, cout, ...out] : [cout, ...out]);
  return bias ? add(y, reshape(bias, [cout, ...out.map(() => 1)])) : y;
}

/**
 * 2-D convolution (cross-correlation, as PyTorch's `conv2d`): x [N, Cin, H, W] (or unbatched
 * [Cin, H, W]), weight [Cout, Cin/groups, kh, kw], optional bias [Cout] → [N, Cout, Ho, Wo] with
 * Ho = ⌊(H + 2·padding − dilation·(kh − 1) − 1)/stride⌋ + 1. One kernel: im2col and a batched
 * GEMM; the backward pass is two more (a GEMM and a col2im, im2col and a GEMM).
 * @example nn.functional.conv2d(tg.ones([1, 1, 3, 3]), tg.ones([1, 1, 2, 2])).toArray() // [[[[4, 4], [4, 4]]]]
 */
export function conv2d(x: Tensor, weight: Tensor, opts: ConvOpts = {}): Tensor {
  checkConvCall("conv2d", arguments, opts, CONV_OPTS);
  return convForward(convGeometry("conv2d", 2, x, weight, opts), x, weight, opts.bias);
}

/**
 * 1-D convolution: x [N, Cin, L] (or [Cin, L]), weight [Cout, Cin/groups, k], bias [Cout] →
 * [N, Cout, Lo] (the 2-D convolution over a height of 1).
 * @example nn.functional.conv1d(tg.tensor([[[1, 2, 3]]]), tg.tensor([[[1, 1]]])).toArray() // [[[3, 5]]]
 */
export function conv1d(x: Tensor, weight: Tensor, opts: ConvOpts = {}): Tensor {
  checkConvCall("conv1d", arguments, opts, CONV_OPTS);
  return convForward(convGeometry("conv1d", 1, x, weight, opts), x, weight, opts.bias);
}

/**
 * Transposed 2-D convolution (PyTorch's `conv_transpose2d`, the gradient of conv2d with respect
 * to its input): x [N, Cin, H, W], weight [Cin, Cout/groups, kh, kw], bias [Cout] →
 * [N, Cout, Ho, Wo] with Ho = (H − 1)·stride − 2·padding + dilation·(kh − 1) + outputPadding + 1.
 * @example nn.functional.convTranspose2d(tg.ones([1, 1, 2, 2]), tg.ones([1, 1, 2, 2]), { stride: 2 }).shape // [1, 1, 4, 4]
 */
export function convTranspose2d(x: Tensor, weight: Tensor, opts: ConvTransposeOpts = {}): Tensor {
  const op = "convTranspose2d";
  checkConvCall(op, arguments, opts, CONV_TRANSPOSE_OPTS);
  checkDtypes(op, x, weight, opts.bias);
  if (x.ndim !== 3 && x.ndim !== 4) throw new ShapeError(`${op}: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got ${fmtShape(x.shape)}`);
  if (weight.ndim !== 4) throw new ShapeError(`${op}: weight must be 4-D [in, out/groups, kh, kw], got ${fmtShape(weight.shape)}`);
  const batched = x.ndim === 4;
  const [n, cin, h, w] = batched ? x.shape : [1, ...x.shape];
  const groups = checkGroups(op, opts.groups ?? 1);
  if (cin % groups !== 0) throw new ShapeError(`${op}: input channels ${cin} (input ${fmtShape(x.shape)}) are not divisible by groups ${groups}`);
  if (weight.shape[0] !== cin)
    throw new ShapeError(`${op}: input ${fmtShape(x.shape)} has ${cin} channels but weight ${fmtShape(weight.shape)} expects ${weight.shape[0]}`);
  const cg = weight.shape[1];
  const cout = cg * groups;
  if (opts.bias && (opts.bias.ndim !== 1 || opts.bias.shape[0] !== cout))
    throw new ShapeError(`${op}: bias ${fmtShape(opts.bias.shape)} must have shape [${cout}] for weight ${fmtShape(weight.shape)} and groups ${groups}`);
  const kernel = weight.shape.slice(2);
  const stride = sizes(op, "stride", opts.stride ?? 1, 2, 1);
  const padding = sizes(op, "padding", opts.padding ?? 0, 2, 0);
  const outputPadding = sizes(op, "outputPadding", opts.outputPadding ?? 0, 2, 0);
  const dilation = sizes(op, "dilation", opts.dilation ?? 1, 2, 1);
  if (outputPadding.some((p, i) => p >= stride[i] && p >= dilation[i]))
    throw new ArgumentError(`${op}: outputPadding ${fmtShape(outputPadding)} must be smaller than the stride ${fmtShape(stride)} or the dilation ${fmtShape(dilation)}`);
  const out = [h, w].map((s, i) => (s - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1) + outputPadding[i] + 1);
  if (out.some((o) => o < 1) || h === 0 || w === 0)
    throw new ShapeError(`${op}: the output would be ${fmtShape(out)} for input ${fmtShape(x.shape)}, weight ${fmtShape(weight.shape)}, padding ${fmtShape(padding)}`);
  const win = window2d(out, kernel, stride, dilation, padding, [h, w]);
  let y = bind(erase(convTranspose), [reshape(x, [n, cin, h, w]), weight], { ...win, groups }); // [N, Cout, Ho, Wo]
  if (opts.bias) y = add(y, reshape(opts.bias, [cout, 1, 1]));
  return batched ? y : squeeze(y, 0);
}

// ---- modules ----

export interface ConvModuleOpts {
  stride?: Size;
  padding?: Padding;
  dilation?: Size;
  groups?: number;
  /** Learn an additive bias (default true). */
  bias?: boolean;
  dtype?: DType;
  generator?: Generator;
}

/**
 * PyTorch's default initialisation of a convolution weight: kaiming-uniform with a = √5 over the
 * weight's fan in (shape[1]·Πkernel), i.e. U(−1/√fanIn, 1/√fanIn), and the bias from the same range.
 */
function defaultConvParams(wShape: number[], bias: boolean, dtype: DType, generator: Generator): [Tensor, Tensor | null] {
  const fanIn = init.computeFans(wShape)[0];
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  const g = { generator, dtype };
  const w = fanIn > 0 ? init.kaimingUniform(wShape, { ...g, nonlinearity: "leakyRelu", a: Math.sqrt(5) }) : init.zeros(wShape, g);
  return [w.setRequiresGrad(), bias ? init.uniform([wShape[0]], -bound, bound, g).setRequiresGrad() : null];
}

function checkChannels(op: string, inChannels: number, outChannels: number, groups: number): void {
  for (const [name, v] of [["inChannels", inChannels], ["outChannels", outChannels]] as const)
    if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`${op}: ${name} must be a positive integer, got ${v}`);
  checkGroups(op, groups);
  if (inChannels % groups !== 0 || outChannels % groups !== 0)
    throw new ArgumentError(`${op}: inChannels ${inChannels} and outChannels ${outChannels} must both be divisible by groups ${groups}`);
}

/**
 * A 2-D convolution layer: weight [out, in/groups, kh, kw] and bias [out], initialised as in PyTorch.
 * @example
 * const conv = new nn.Conv2d(1, 8, 3, { padding: 1, generator: tg.random.generator(0) });
 * conv.call(tg.zeros([2, 1, 28, 28])).shape // [2, 8, 28, 28]
 */
export class Conv2d extends Module {
  weight: Tensor;
  bias: Tensor | null;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly opts: Omit<ConvOpts, "bias">;

  constructor(inChannels: number, outChannels: number, kernelSize: Size, opts: ConvModuleOpts = {}) {
    super();
    const groups = opts.groups ?? 1;
    checkChannels("Conv2d", inChannels, outChannels, groups);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = sizes("Conv2d", "kernelSize", kernelSize, 2, 1);
    this.opts = { stride: opts.stride ?? 1, padding: opts.padding ?? 0, dilation: opts.dilation ?? 1, groups };
    [this.weight, this.bias] = defaultConvParams([outChannels, inChannels / groups, ...this.kernelSize], opts.bias !== false, opts.dtype ?? "float32", opts.generator ?? defaultGenerator());
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, { ...this.opts, bias: this.bias });
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernel=[${this.kernelSize.join(",")}], stride=${JSON.stringify(this.opts.stride)}, padding=${JSON.stringify(this.opts.padding)}` +
      `${this.opts.groups !== 1 ? `, groups=${this.opts.groups}` : ""}, bias=${this.bias !== null}`;
  }
}

/**
 * A 1-D convolution layer: weight [out, in/groups, k] and bias [out].
 * @example new nn.Conv1d(4, 8, 3, { padding: "same" }).call(tg.zeros([2, 4, 50])).shape // [2, 8, 50]
 */
export class Conv1d extends Module {
  weight: Tensor;
  bias: Tensor | null;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly opts: Omit<ConvOpts, "bias">;

  constructor(inChannels: number, outChannels: number, kernelSize: number, opts: ConvModuleOpts = {}) {
    super();
    const groups = opts.groups ?? 1;
    checkChannels("Conv1d", inChannels, outChannels, groups);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = sizes("Conv1d", "kernelSize", kernelSize, 1, 1)[0];
    this.opts = { stride: opts.stride ?? 1, padding: opts.padding ?? 0, dilation: opts.dilation ?? 1, groups };
    [this.weight, this.bias] = defaultConvParams([outChannels, inChannels / groups, this.kernelSize], opts.bias !== false, opts.dtype ?? "float32", opts.generator ?? defaultGenerator());
  }

  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, { ...this.opts, bias: this.bias });
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernel=${this.kernelSize}, stride=${JSON.stringify(this.opts.stride)}, padding=${JSON.stringify(this.opts.padding)}, bias=${this.bias !== null}`;
  }
}

export interface ConvTransposeModuleOpts {
  stride?: Size;
  padding?: Size;
  outputPadding?: Size;
  dilation?: Size;
  groups?: number;
  bias?: boolean;
  dtype?: DType;
  generator?: Generator;
}

/**
 * A transposed 2-D convolution layer: weight [in, out/groups, kh, kw] and bias [out].
 * @example new nn.ConvTranspose2d(8, 1, 2, { stride: 2 }).call(tg.zeros([1, 8, 14, 14])).shape // [1, 1, 28, 28]
 */
export class ConvTranspose2d extends Module {
  weight: Tensor;
  bias: Tensor | null;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly opts: Omit<ConvTransposeOpts, "bias">;

  constructor(inChannels: number, outChannels: number, kernelSize: Size, opts: ConvTransposeModuleOpts = {}) {
    super();
    const groups = opts.groups ?? 1;
    checkChannels("ConvTranspose2d", inChannels, outChannels, groups);
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = sizes("ConvTranspose2d", "kernelSize", kernelSize, 2, 1);
    this.opts = { stride: opts.stride ?? 1, padding: opts.padding ?? 0, outputPadding: opts.outputPadding ?? 0, dilation: opts.dilation ?? 1, groups };
    // PyTorch's fan in for this layout is shape[1]·Πkernel = out/groups·kh·kw
    [this.weight, this.bias] = defaultConvParams([inChannels, outChannels / groups, ...this.kernelSize], false, opts.dtype ?? "float32", opts.generator ?? defaultGenerator());
    if (opts.bias !== false) {
      const fanIn = (outChannels / groups) * this.kernelSize[0] * this.kernelSize[1];
      const bound = 1 / Math.sqrt(fanIn);
      this.bias = init.uniform([outChannels], -bound, bound, { generator: opts.generator ?? defaultGenerator(), dtype: opts.dtype ?? "float32" }).setRequiresGrad();
    }
  }

  forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, { ...this.opts, bias: this.bias });
  }

  override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernel=[${this.kernelSize.join(",")}], stride=${JSON.stringify(this.opts.stride)}, bias=${this.bias !== null}`;
  }
}
