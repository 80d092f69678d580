// Vanishing and exploding gradients in a deep ReLU network, and why skip connections help.
//
// The network is a stack of `depth` Linear layers of equal width:
//   plain:     h₁ = f₀(x),      hᵢ₊₁ = fᵢ(hᵢ)            fᵢ(h) = Wᵢ·φᵢ(h) + bᵢ
//   residual:  h₁ = x + α·f₀(x), hᵢ₊₁ = hᵢ + α·fᵢ(hᵢ)    α = 1/√depth by default
// with φ₀ the identity and φᵢ = ReLU after that (the plain stack is exactly an nn.MLP). The
// loss is a fixed random readout of the last layer, L = mean over the batch of r·h_depth, so
// the gradient arriving at the top is the same whatever the initialization.
//
// Backpropagation multiplies that gradient by the transposed layer Jacobians
//   plain: Jᵢ = Wᵢ·Dᵢ        residual: Jᵢ = I + α·Wᵢ·Dᵢ        Dᵢ = diag(φᵢ′(hᵢ))
// so ‖∂L/∂hᵢ‖ ≤ ‖∂L/∂h_depth‖·Πₖ≥ᵢ σ_max(Jₖ): a product of per-layer factors. With weights
// drawn N(0, s²·2/width), a random direction is scaled by about s per plain layer (He init is
// s = 1), so over 50 layers s = 0.5 shrinks it by 2⁻⁵⁰ ≈ 10⁻¹⁵ and s = 2 grows it by 10¹⁵. A
// residual layer scales it by about √(1 + α²s²), which stays near 1 over the whole stack.
//
// Two gradient measurements per layer: the gradient with respect to the layer's input hᵢ (the
// backpropagated signal itself) and with respect to its weight, ∂L/∂Wᵢ = Σ_batch δᵢ₊₁·φᵢ(hᵢ)ᵀ.
// The weight gradient multiplies the backward signal by the forward activation. With small
// weights the biases keep the activations from vanishing, so the weight gradients vanish
// toward the input with the backward signal. With large weights the activations grow forward
// exactly as fast as the backward signal grows toward the input (a ReLU layer is positively
// homogeneous), so every layer's weight gradient is enormous by the same factor rather than
// growing toward the input; the backward signal shows the explosion layer by layer.

import * as tg from "../library.js";
import { ArgumentError } from "../core/errors.js";
import type { Generator } from "../random/generator.js";
import { fixed, sci, table } from "./format.js";

/** Weight scale relative to He initialization: "small" and "large" multiply its standard deviation. */
export type DepthInit = "small" | "he" | "large";

export interface DepthGradientsOptions {
  /** Number of Linear layers. Default 50. */
  depth?: number;
  /** Width of every layer (inputs are this wide too). Default 32. */
  width?: number;
  /** Examples in the batch. Default 16. */
  batchSize?: number;
  seed?: number;
  /** Multiplier of the He standard deviation √(2/width) for "small". Default 0.5. */
  smallScale?: number;
  /** Multiplier of the He standard deviation for "large". Default 2. */
  largeScale?: number;
  /** Scale α of the residual branch. Default 1/√depth. */
  residualScale?: number;
  /** Power-iteration steps for the singular-value estimates. Default 60. */
  powerIterations?: number;
}

/** One network (an initialization, with or without skip connections) and its per-layer measurements; arrays are indexed by layer, input side first. */
export interface DepthRun {
  init: DepthInit;
  residual: boolean;
  /** Standard deviation of the weights. */
  weightStd: number;
  /** ‖∂L/∂Wᵢ‖_F. */
  weightGradNorm: number[];
  /** ‖∂L/∂hᵢ‖_F over the batch: the gradient arriving at layer i's input. */
  inputGradNorm: number[];
  /** Root mean square of layer i's output hᵢ₊₁. */
  activationRms: number[];
  /** σ_max(Wᵢ), by power iteration. */
  weightSpectralNorm: number[];
  /** σ_max(Jᵢ) of layer i's Jacobian at the batch's first example. */
  jacobianSpectralNorm: number[];
  /** ‖Jᵢ‖_F/√width: the root-mean-square singular value, how much Jᵢ scales a random direction. */
  jacobianRmsGain: number[];
  /** ‖∂L/∂hᵢ‖ for the first example alone. */
  exampleInputGradNorm: number[];
  /** log₁₀ Πₖ≥ᵢ σ_max(Jₖ): the bound on log₁₀(exampleInputGradNorm[i] / ‖∂L/∂h_depth‖). */
  boundLog10: number[];
  /** log₁₀ Πₖ≥ᵢ rmsGain(Jₖ): the typical log₁₀ growth of a random direction down to layer i. */
  typicalLog10: number[];
  /** ‖∂L/∂h_depth‖ for the first example (the gradient at the top). */
  topGradNorm: number;
}

export interface DepthGradientsResult {
  depth: number;
  width: number;
  batchSize: number;
  residualScale: number;
  /** small, he, large without skip connections, then the same three with them. */
  runs: DepthRun[];
  summary: string;
}

/**
 * Per-layer gradient norms of a deep ReLU network after one backward pass, for too-small, He
 * and too-large initializations, with and without residual connections, together with each
 * layer's singular values that explain them.
 * @example
 * const r = depthGradients({ depth: 50, seed: 0 });
 * const plainSmall = r.runs.find((run) => run.init === "small" && !run.residual)!;
 * plainSmall.weightGradNorm[0] / plainSmall.weightGradNorm[49] // ~1e-14: vanished
 */
export function depthGradients(opts: DepthGradientsOptions = {}): DepthGradientsResult {
  const depth = opts.depth ?? 50;
  const width = opts.width ?? 32;
  const batchSize = opts.batchSize ?? 16;
  const seed = opts.seed ?? 0;
  const alpha = opts.residualScale ?? 1 / Math.sqrt(depth);
  const iterations = opts.powerIterations ?? 60;
  for (const [name, v] of [["depth", depth], ["width", width], ["batchSize", batchSize], ["powerIterations", iterations]] as const)
    if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`depthGradients: ${name} must be a positive integer, got ${v}`);
  if (!Number.isInteger(seed)) throw new ArgumentError(`depthGradients: seed must be an integer, got ${seed}`);
  const scales: Record<DepthInit, number> = { small: opts.smallScale ?? 0.5, he: 1, large: opts.largeScale ?? 2 };

  const runs: DepthRun[] = [];
  for (const residual of [false, true]) {
    for (const init of ["small", "he", "large"] as const) {
      // the same seed for every network: the weights differ only by their scale
      const gen = tg.random.generator(seed);
      runs.push(measure({ depth, width, batchSize, residual, init, std: scales[init] * Math.sqrt(2 / width), alpha, iterations, gen }));
    }
  }

  const rows = runs.map((r) => {
    const last = depth - 1;
    return [
      r.residual ? "residual" : "plain",
      r.init,
      fixed(r.weightStd, 3),
      sci(r.weightGradNorm[0]),
      sci(r.weightGradNorm[last]),
      sci(r.inputGradNorm[0]),
      sci(r.inputGradNorm[last]),
      fixed(Math.log10(r.inputGradNorm[0] / r.inputGradNorm[last]), 1),
      fixed(r.typicalLog10[0] - r.typicalLog10[last], 1),
    ];
  });
  const summary = [
    `Gradients through ${depth} layers of width ${width} (ReLU, batch ${batchSize}, residual scale ${fixed(alpha, 3)})`,
    table(["net", "init", "w std", "|dL/dW| first", "|dL/dW| last", "|dL/dh| first", "|dL/dh| last", "log10 first/last", "predicted"], rows),
    `"predicted" sums log10 of each layer's root-mean-square Jacobian singular value between the first and last layers.`,
  ].join("\n");

  return { depth, width, batchSize, residualScale: alpha, runs, summary };
}

interface MeasureSpec {
  depth: number;
  width: number;
  batchSize: number;
  residual: boolean;
  init: DepthInit;
  std: number;
  alpha: number;
  iterations: number;
  gen: Generator;
}

function measure(spec: MeasureSpec): DepthRun {
  const { depth, width, batchSize, residual, alpha, gen } = spec;
  const dtype = "float64";
  const layers: tg.nn.Linear[] = [];
  for (let i = 0; i < depth; i++) {
    const layer = new tg.nn.Linear(width, width, {
      dtype,
      generator: gen,
      init: (shape, g) => tg.nn.init.normal(shape, 0, spec.std, g),
    });
    // biases as PyTorch draws them, U(±1/√width); they keep small-weight activations alive
    const bound = 1 / Math.sqrt(width);
    tg.nn.assignParameter(layer.bias!, tg.nn.init.uniform([width], -bound, bound, { generator: gen, dtype }));
    layers.push(layer);
  }
  const x = tg.randn([batchSize, width], { generator: gen, dtype });
  const readout = tg.randn([width, 1], { generator: gen, dtype }).div(Math.sqrt(width));

  // A zero "probe" added to each layer's input: its gradient is ∂L/∂hᵢ, which backward()
  // does not keep for intermediate values.
  const probes: tg.Tensor[] = [];
  const inputs: tg.Tensor[] = [];
  let h = x;
  for (let i = 0; i < depth; i++) {
    const probe = tg.zeros([batchSize, width], dtype).setRequiresGrad();
    probes.push(probe);
    const hi = h.add(probe);
    inputs.push(h);
    const branch = layers[i].forward(i === 0 ? hi : hi.relu());
    h = residual ? hi.add(branch.mul(alpha)) : branch;
  }
  const top = h;
  const loss = top.matmul(readout).mean();
  loss.backward();

  const rowNorm = (t: tg.Tensor, row: number) => {
    const d = t.data();
    let s = 0;
    for (let j = 0; j < width; j++) s += d[row * width + j] ** 2;
    return Math.sqrt(s);
  };
  const frob = (t: tg.Tensor) => Math.sqrt(t.square().sum().item());
  const weightGradNorm = layers.map((l) => frob(l.weight.grad!));
  const inputGradNorm = probes.map((p) => frob(p.grad!));
  const exampleInputGradNorm = probes.map((p) => rowNorm(p.grad!, 0));
  // ∂L/∂h_depth = readoutᵀ/batchSize for every example
  const topGradNorm = Math.sqrt(readout.square().sum().item()) / batchSize;
  const activationRms = [...inputs.slice(1), top].map((t) => Math.sqrt(t.square().mean().item()));

  const weightSpectralNorm: number[] = [];
  const jacobianSpectralNorm: number[] = [];
  const jacobianRmsGain: number[] = [];
  layers.forEach((layer, i) => {
    const w = layer.weight.data() as Float64Array;
    const h0 = inputs[i].data();
    const d = new Float64Array(width);
    for (let j = 0; j < width; j++) d[j] = i === 0 || h0[j] > 0 ? 1 : 0;
    const ones = new Float64Array(width).fill(1);
    weightSpectralNorm.push(spectralNorm(w, ones, width, 0, false, spec.iterations, gen));
    jacobianSpectralNorm.push(spectralNorm(w, d, width, alpha, residual, spec.iterations, gen));
    jacobianRmsGain.push(rmsGain(w, d, width, alpha, residual));
  });
  const suffixLog10 = (gains: number[]) => {
    const out = new Array<number>(depth);
    let acc = 0;
    for (let i = depth - 1; i >= 0; i--) {
      acc += Math.log10(gains[i]);
      out[i] = acc;
    }
    return out;
  };

  return {
    init: spec.init,
    residual,
    weightStd: spec.std,
    weightGradNorm,
    inputGradNorm,
    activationRms,
    weightSpectralNorm,
    jacobianSpectralNorm,
    jacobianRmsGain,
    exampleInputGradNorm,
    boundLog10: suffixLog10(jacobianSpectralNorm),
    typicalLog10: suffixLog10(jacobianRmsGain),
    topGradNorm,
  };
}

/** v ↦ J·v for J = W·diag(d) (plain) or I + α·W·diag(d) (residual); W is [n, n] row-major. */
function applyJ(w: Float64Array, d: Float64Array, n: number, alpha: number, residual: boolean, v: Float64Array): Float64Array {
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let c = 0; c < n; c++) s += w[r * n + c] * d[c] * v[c];
    out[r] = residual ? v[r] + alpha * s : s;
  }
  return out;
}

/** u ↦ Jᵀ·u. */
function applyJT(w: Float64Array, d: Float64Array, n: number, alpha: number, residual: boolean, u: Float64Array): Float64Array {
  const out = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    let s = 0;
    for (let r = 0; r < n; r++) s += w[r * n + c] * u[r];
    out[c] = residual ? u[c] + alpha * d[c] * s : d[c] * s;
  }
  return out;
}

function norm(v: Float64Array): number {
  let s = 0;
  for (const e of v) s += e * e;
  return Math.sqrt(s);
}

/** σ_max(J) by power iteration on JᵀJ from a random start; converges from below. */
function spectralNorm(w: Float64Array, d: Float64Array, n: number, alpha: number, residual: boolean, iterations: number, gen: Generator): number {
  let v: Float64Array = new Float64Array(n);
  for (let j = 0; j < n; j++) v[j] = gen.normal();
  let sigma = 0;
  for (let k = 0; k < iterations; k++) {
    const nv = norm(v);
    if (nv === 0) return 0;
    for (let j = 0; j < n; j++) v[j] /= nv;
    const u = applyJ(w, d, n, alpha, residual, v);
    sigma = norm(u);
    v = applyJT(w, d, n, alpha, residual, u);
  }
  return sigma;
}

/** ‖J‖_F/√n, from ‖W·D‖_F² = Σ W_rc²·d_c and ‖I + αWD‖_F² = n + 2α·Σ W_cc·d_c + α²·‖WD‖_F². */
function rmsGain(w: Float64Array, d: Float64Array, n: number, alpha: number, residual: boolean): number {
  let wd2 = 0;
  let trace = 0;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) wd2 += w[r * n + c] ** 2 * d[c];
    trace += w[r * n + r] * d[r];
  }
  const f2 = residual ? n + 2 * alpha * trace + alpha * alpha * wd2 : wd2;
  return Math.sqrt(f2 / n);
}
