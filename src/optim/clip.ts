// Gradient clipping. The total norm treats all gradients as one long vector:
//   ‖g‖_p = (Σᵢ ‖gᵢ‖_pᵖ)^(1/p),   ‖g‖_∞ = maxᵢ ‖gᵢ‖_∞,
// and clipping by norm multiplies every gradient by min(1, maxNorm/(‖g‖ + 1e-6)), as PyTorch's
// clip_grad_norm_ does (the 1e-6 keeps the scale finite for a zero gradient).

import { ArgumentError, TensorGradError } from "../core/errors.js";
import { noGrad } from "../autodiff/transforms.js";
import { assignGrad } from "../backend/capture.js";
import { Tensor } from "../tensor/tensor.js";
import { clamp } from "../tensor/ops/activations.js";
import { stack } from "../tensor/ops/shape.js";
import { scalar, zeros } from "../tensor/creation.js";
import { promoteTypes, type DType } from "../core/dtype.js";
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

/** The p-norm of one tensor, as a 0-d tensor (‖g‖_∞ = max |gᵢ|, which keeps NaN). */
function tensorNorm(g: Tensor, p: number): Tensor {
  const a = g.abs();
  if (g.size === 0) return a.sum();
  if (p === Infinity) return a.max();
  return p === 2 ? a.square().sum() : p === 1 ? a.sum() : a.pow(p).sum();
}

/** The total norm of per-tensor partial norms (pᵗʰ-power sums, or maxima for p = ∞). */
function combine(parts: Tensor[], p: number, dtype: DType): Tensor {
  if (parts.length === 0) return zeros([], { dtype });
  const all = stack(parts.map((t) => t.cast(dtype)));
  if (p === Infinity) return all.max();
  const s = all.sum();
  return p === 1 ? s : p === 2 ? s.sqrt() : s.pow(1 / p);
}

function checkNormArgs(op: string, maxNorm: number, p: number): void {
  if (typeof maxNorm !== "number" || Number.isNaN(maxNorm) || maxNorm < 0) throw new ArgumentError(`${op}: maxNorm must be a number ≥ 0, got ${String(maxNorm)}`);
  if (typeof p !== "number" || !(p > 0)) throw new ArgumentError(`${op}: normType must be a number > 0 or Infinity, got ${String(p)}`);
}

/**
 * The gradients scaled so that their total norm is at most `maxNorm`, with the norm before
 * scaling as a 0-d tensor. The functional form of `clipGradNorm`, for gradients from `tg.grad`.
 * Nothing is read back to the host (unless `errorIfNonfinite` asks for the check), so it also
 * runs inside `tg.compile`: every gradient is multiplied by min(1, maxNorm/(‖g‖ + 1e-6)), as
 * PyTorch does.
 * @example
 * const [clipped, norm] = tg.optim.clipGradsByNorm([tg.tensor([3, 4])], 1); // norm 5, clipped ≈ [0.6, 0.8]
 */
export function clipGradsByNorm(grads: readonly Tensor[], maxNorm: number, opts: ClipNormOpts = {}): [Tensor[], Tensor] {
  const p = opts.normType ?? 2;
  checkNormArgs("clipGradsByNorm", maxNorm, p);
  const gs = asList("clipGradsByNorm", grads);
  return noGrad(() => {
    const dtype = gs.reduce<DType>((d, g) => promoteTypes(d, g.dtype), gs.length ? gs[0].dtype : "float32");
    const total = combine(gs.map((g) => tensorNorm(g, p)), p, dtype);
    if (opts.errorIfNonfinite) {
      const t = total.item();
      if (!Number.isFinite(t))
        throw new TensorGradError(`clipGradsByNorm: the total ${p}-norm of the gradients is ${t}; cannot clip (set errorIfNonfinite: false to scale anyway)`);
    }
    // a NaN norm scales by NaN, as in PyTorch, so the failure stays visible
    const coef = clamp(scalar(maxNorm, dtype).div(total.add(1e-6)), null, 1);
    return [gs.map((g) => g.mul(coef.cast(g.dtype))), total] as [Tensor[], Tensor];
  });
}

/**
 * Scales the `.grad` of `params` in place so that their total norm is at most `maxNorm` and
 * returns the total norm before scaling, as a 0-d tensor (PyTorch's clip_grad_norm_).
 * Parameters without a gradient are ignored. Works inside `tg.compile` steps.
 * @example
 * loss.backward();
 * const norm = tg.optim.clipGradNorm(model.parameters(), 1.0).item();
 * opt.step();
 */
export function clipGradNorm(params: Tensor | readonly Tensor[], maxNorm: number, opts: ClipNormOpts = {}): Tensor {
  const withGrad = asList("clipGradNorm", params).filter((p) => p.grad !== null);
  const p = opts.normType ?? 2;
  checkNormArgs("clipGradNorm", maxNorm, p);
  const [clipped, total] = clipGradsByNorm(
    withGrad.map((x) => x.grad!),
    maxNorm,
    { ...opts, normType: p },
  );
  withGrad.forEach((x, i) => assignGrad(x, clipped[i]));
  return total;
}

/**
 * Clamps every gradient entry of `params` into [−clip, clip] in place (PyTorch's clip_grad_value_).
 * @example tg.optim.clipGradValue(model.parameters(), 0.5);
 */
export function clipGradValue(params: Tensor | readonly Tensor[], clip: number): void {
  if (typeof clip !== "number" || !(clip >= 0)) throw new ArgumentError(`clipGradValue: clip must be a number ≥ 0, got ${String(clip)}`);
  noGrad(() => {
    for (const p of asList("clipGradValue", params)) if (p.grad !== null) assignGrad(p, clamp(p.grad, -clip, clip));
  });
}
