// Gradient clipping. The total norm treats all gradients as one long vector:
//   ‖g‖_p = (Σᵢ ‖gᵢ‖_pᵖ)^(1/p),   ‖g‖_∞ = maxᵢ ‖gᵢ‖_∞,
// and clipping by norm multiplies every gradient by min(1, maxNorm/(‖g‖ + 1e-6)), as PyTorch's
// clip_grad_norm_ does (the 1e-6 keeps the scale finite for a zero gradient).

import { ArgumentError, TensorGradError } from "../core/errors.js";
import { noGrad } from "../autodiff/transforms.js";
import { Tensor } from "../tensor/tensor.js";
import { clamp } from "../tensor/ops/activations.js";
import "../tensor/methods.js"; // Tensor's methods, used below

export interface ClipNormOpts {
  /** Order p of the norm: a number > 0 or Infinity. Default 2. */
  normType?: number;
  /** Throw when the total norm is NaN or infinite instead of scaling by it. Default false. */
  errorIfNonfinite?: boolean;
}

function asList(op: string, params: Tensor | readonly Tensor[]): readonly Tensor[] {
  const list = params instanceof Tensor ? [params] : params;
  if (!Array.isArray(list)) throw new ArgumentError(`${op}: expected a tensor or an array of tensors`);
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw new ArgumentError(`${op}: element ${i} is not a tensor`);
  });
  return list;
}

/** The p-norm of one tensor, as a JS number accumulated in float64. */
function tensorNorm(g: Tensor, p: number): number {
  const d = g.data();
  return p === Infinity ? maxAbs(d) : totalNaive(d, p);
}

/** max |dᵢ|, NaN if any entry is NaN. */
function maxAbs(d: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < d.length; i++) {
    const a = Math.abs(d[i]);
    if (Number.isNaN(a)) return NaN;
    if (a > m) m = a;
  }
  return m;
}

/** (Σ |dᵢ|ᵖ)^(1/p) */
function totalNaive(d: ArrayLike<number>, p: number): number {
  let s = 0;
  for (let i = 0; i < d.length; i++) s += Math.abs(d[i]) ** p;
  return s ** (1 / p);
}

function combine(norms: number[], p: number): number {
  return p === Infinity ? maxAbs(norms) : totalNaive(norms, p);
}

function checkNormArgs(op: string, maxNorm: number, p: number): void {
  if (typeof maxNorm !== "number" || Number.isNaN(maxNorm) || maxNorm < 0) throw new ArgumentError(`${op}: maxNorm must be a number ≥ 0, got ${String(maxNorm)}`);
  if (typeof p !== "number" || !(p > 0)) throw new ArgumentError(`${op}: normType must be a number > 0 or Infinity, got ${String(p)}`);
}

/**
 * The gradients scaled so that their total norm is at most `maxNorm`, with the norm before
 * scaling. The functional form of `clipGradNorm`, for gradients from `tg.grad`.
 * @example
 * const [clipped, norm] = tg.optim.clipGradsByNorm([tg.tensor([3, 4])], 1); // norm 5, clipped ≈ [0.6, 0.8]
 */
export function clipGradsByNorm(grads: readonly Tensor[], maxNorm: number, opts: ClipNormOpts = {}): [Tensor[], number] {
  const p = opts.normType ?? 2;
  checkNormArgs("clipGradsByNorm", maxNorm, p);
  const gs = asList("clipGradsByNorm", grads);
  const total = combine(
    gs.map((g) => tensorNorm(g, p)),
    p,
  );
  if (opts.errorIfNonfinite && !Number.isFinite(total))
    throw new TensorGradError(`clipGradsByNorm: the total ${p}-norm of the gradients is ${total}; cannot clip (set errorIfNonfinite: false to scale anyway)`);
  const coef = maxNorm / (total + 1e-6);
  // a NaN norm scales by NaN, as in PyTorch, so the failure stays visible
  if (coef >= 1) return [[...gs], total];
  return [noGrad(() => gs.map((g) => g.mul(coef))), total];
}

/**
 * Scales the `.grad` of `params` in place so that their total norm is at most `maxNorm` and
 * returns the total norm before scaling (PyTorch's clip_grad_norm_). Parameters without a
 * gradient are ignored.
 * @example
 * loss.backward();
 * const norm = tg.optim.clipGradNorm(model.parameters(), 1.0);
 * opt.step();
 */
export function clipGradNorm(params: Tensor | readonly Tensor[], maxNorm: number, opts: ClipNormOpts = {}): number {
  const withGrad = asList("clipGradNorm", params).filter((p) => p.grad !== null);
  const p = opts.normType ?? 2;
  checkNormArgs("clipGradNorm", maxNorm, p);
  const [clipped, total] = clipGradsByNorm(
    withGrad.map((x) => x.grad!),
    maxNorm,
    { ...opts, normType: p },
  );
  withGrad.forEach((x, i) => (x.grad = clipped[i]));
  return total;
}

/**
 * Clamps every gradient entry of `params` into [−clip, clip] in place (PyTorch's clip_grad_value_).
 * @example tg.optim.clipGradValue(model.parameters(), 0.5);
 */
export function clipGradValue(params: Tensor | readonly Tensor[], clip: number): void {
  if (typeof clip !== "number" || !(clip >= 0)) throw new ArgumentError(`clipGradValue: clip must be a number ≥ 0, got ${String(clip)}`);
  noGrad(() => {
    for (const p of asList("clipGradValue", params)) if (p.grad !== null) p.grad = clamp(p.grad, -clip, clip);
  });
}
