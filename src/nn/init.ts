// Weight initializers (`nn.init`). Each one is a function of a shape that returns a new tensor,
// drawn from an explicit generator (the default generator, reseeded by `random.seed`, when none
// is given). The returned tensors do not require grad; layers mark them as parameters.
//
// Fans follow PyTorch: for a weight of shape [out, in, k₁, k₂, …] the receptive field is
// r = k₁·k₂·…, fanIn = in·r and fanOut = out·r. Variance-preserving schemes scale by a gain that
// undoes the activation's shrinking of the variance.

import { allocArray, type DType } from "../core/dtype.js";
import { ArgumentError, DTypeError, fmtShape } from "../core/errors.js";
import { checkShape, sizeOf } from "../core/shape.js";
import { defaultGenerator, type Generator } from "../random/generator.js";
import { tensor } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";

export interface InitOpts {
  /** Source of randomness; the default generator when absent. */
  generator?: Generator;
  /** float32 (default) or float64. */
  dtype?: DType;
}

/** Activations `calculateGain` knows. */
export type Nonlinearity = "linear" | "identity" | "sigmoid" | "tanh" | "relu" | "leakyRelu" | "selu";

export interface KaimingOpts extends InitOpts {
  /** The activation that follows the layer. Default "leakyRelu" with a = 0, i.e. ReLU's gain √2 (PyTorch's default). */
  nonlinearity?: Nonlinearity;
  /** Negative slope of the leaky ReLU (only with `nonlinearity: "leakyRelu"`). Default 0. */
  a?: number;
  /** Preserve the variance of activations ("fanIn", default) or of gradients ("fanOut"). */
  mode?: "fanIn" | "fanOut";
}

export interface XavierOpts extends InitOpts {
  /** Multiplier of the standard deviation. Default 1. */
  gain?: number;
}

/**
 * The gain that keeps activations' variance stable through `nonlinearity`, as in PyTorch:
 * linear/identity/sigmoid 1, tanh 5/3, relu √2, leakyRelu √(2/(1+a²)), selu 3/4.
 * @example calculateGain("relu") // 1.4142…
 */
export function calculateGain(nonlinearity: Nonlinearity, a = 0.01): number {
  switch (nonlinearity) {
    case "linear":
    case "identity":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leakyRelu":
      return Math.sqrt(2 / (1 + a * a));
    case "selu":
      return 3 / 4;
    default:
      throw new ArgumentError(`calculateGain: unknown nonlinearity '${String(nonlinearity)}'`);
  }
}

/**
 * [fanIn, fanOut] of a weight shaped [out, in, ...kernel]: fanIn = in·Πkernel, fanOut = out·Πkernel.
 * @example computeFans([16, 2]) // [2, 16]
 */
export function computeFans(shape: readonly number[], op = "computeFans"): [number, number] {
  if (shape.length < 2) throw new ArgumentError(`${op}: fan in and fan out need a shape of at least 2 dimensions, got ${fmtShape(shape)}`);
  const receptive = sizeOf(shape.slice(2));
  return [shape[1] * receptive, shape[0] * receptive];
}

function floatDtype(op: string, d: DType | undefined): DType {
  const dtype = d ?? "float32";
  if (dtype !== "float32" && dtype !== "float64") throw new DTypeError(`${op}: dtype must be float32 or float64, got ${dtype}`);
  return dtype;
}

/** A tensor of `shape` whose elements are `draw()`, computed in float64 and stored as the dtype. */
function sample(op: string, shape: readonly number[], opts: InitOpts, draw: (gen: Generator) => number): Tensor {
  checkShape(op, shape);
  const dtype = floatDtype(op, opts.dtype);
  const gen = opts.generator ?? defaultGenerator();
  const out = new Float64Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) out[i] = draw(gen);
  return tensor(out, { dtype, shape: [...shape] });
}

/**
 * Samples from U(low, high).
 * @example init.uniform([3, 2], -0.1, 0.1, { generator: tg.random.generator(0) })
 */
export function uniform(shape: readonly number[], low = 0, high = 1, opts: InitOpts = {}): Tensor {
  if (!(low <= high)) throw new ArgumentError(`init.uniform: low ${low} must not exceed high ${high}`);
  return sample("init.uniform", shape, opts, (g) => low + (high - low) * g.uniform());
}

/**
 * Samples from N(mean, std²).
 * @example init.normal([3, 2], 0, 0.02, { generator: tg.random.generator(0) })
 */
export function normal(shape: readonly number[], mean = 0, std = 1, opts: InitOpts = {}): Tensor {
  if (!(std >= 0)) throw new ArgumentError(`init.normal: std must be non-negative, got ${std}`);
  return sample("init.normal", shape, opts, (g) => mean + std * g.normal());
}

/**
 * A tensor filled with `value`.
 * @example init.constant([4], 0.1)
 */
export function constant(shape: readonly number[], value: number, opts: { dtype?: DType } = {}): Tensor {
  checkShape("init.constant", shape);
  const dtype = floatDtype("init.constant", opts.dtype);
  const out = allocArray(dtype, sizeOf(shape));
  out.fill(value);
  return tensor(out, { dtype, shape: [...shape] });
}

/** Zeros. @example init.zeros([4]) */
export function zeros(shape: readonly number[], opts: { dtype?: DType } = {}): Tensor {
  return constant(shape, 0, opts);
}

/** Ones. @example init.ones([4]) */
export function ones(shape: readonly number[], opts: { dtype?: DType } = {}): Tensor {
  return constant(shape, 1, opts);
}

function kaimingStd(op: string, shape: readonly number[], opts: KaimingOpts): number {
  if (opts.mode !== undefined && opts.mode !== "fanIn" && opts.mode !== "fanOut")
    throw new ArgumentError(`${op}: mode must be "fanIn" or "fanOut", got '${String(opts.mode)}'`);
  const [fanIn, fanOut] = computeFans(shape, op);
  const fan = opts.mode === "fanOut" ? fanOut : fanIn;
  if (fan === 0) throw new ArgumentError(`${op}: shape ${fmtShape(shape)} has a zero fan`);
  const gain = calculateGain(opts.nonlinearity ?? "leakyRelu", opts.a ?? 0);
  return gain / Math.sqrt(fan);
}

/**
 * He (Kaiming) normal: N(0, std²) with std = gain/√fan — √(2/fanIn) for ReLU — so that the
 * variance of activations neither grows nor shrinks through ReLU layers.
 * @example init.kaimingNormal([64, 32], { generator: tg.random.generator(0) }) // std ≈ √(2/32) = 0.25
 */
export function kaimingNormal(shape: readonly number[], opts: KaimingOpts = {}): Tensor {
  const std = kaimingStd("init.kaimingNormal", shape, opts);
  return sample("init.kaimingNormal", shape, opts, (g) => std * g.normal());
}

/**
 * He (Kaiming) uniform: U(−bound, bound) with bound = gain·√(3/fan), the same variance as
 * `kaimingNormal` (a uniform on [−b, b] has variance b²/3). PyTorch's default for Linear weights
 * is this with `nonlinearity: "leakyRelu", a: √5`, which gives bound = 1/√fanIn.
 * @example init.kaimingUniform([16, 2], { generator: tg.random.generator(0) })
 */
export function kaimingUniform(shape: readonly number[], opts: KaimingOpts = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd("init.kaimingUniform", shape, opts);
  return sample("init.kaimingUniform", shape, opts, (g) => bound * (2 * g.uniform() - 1));
}

function xavierStd(op: string, shape: readonly number[], opts: XavierOpts): number {
  const [fanIn, fanOut] = computeFans(shape, op);
  if (fanIn + fanOut === 0) throw new ArgumentError(`${op}: shape ${fmtShape(shape)} has zero fans`);
  return (opts.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut));
}

/**
 * Glorot (Xavier) normal: N(0, std²) with std = gain·√(2/(fanIn + fanOut)), balancing the
 * variance of activations and of gradients.
 * @example init.xavierNormal([16, 2], { generator: tg.random.generator(0) })
 */
export function xavierNormal(shape: readonly number[], opts: XavierOpts = {}): Tensor {
  const std = xavierStd("init.xavierNormal", shape, opts);
  return sample("init.xavierNormal", shape, opts, (g) => std * g.normal());
}

/**
 * Glorot (Xavier) uniform: U(−bound, bound) with bound = gain·√(6/(fanIn + fanOut)).
 * @example init.xavierUniform([16, 2], { generator: tg.random.generator(0) })
 */
export function xavierUniform(shape: readonly number[], opts: XavierOpts = {}): Tensor {
  const bound = Math.sqrt(3) * xavierStd("init.xavierUniform", shape, opts);
  return sample("init.xavierUniform", shape, opts, (g) => bound * (2 * g.uniform() - 1));
}
