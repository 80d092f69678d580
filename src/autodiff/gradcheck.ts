// Checking derivatives against central finite differences in float64, for both reverse mode
// (jacrev) and forward mode (jacfwd).

import { TensorGradError } from "../core/errors.js";
import { Tensor } from "../tensor/tensor.js";
import { tensor } from "../tensor/creation.js";
import { cast } from "../tensor/ops/arith.js";
import { jacfwd, jacrev, noGrad } from "./transforms.js";

export interface GradcheckOpts {
  /** Finite-difference step. Default 1e-6. */
  eps?: number;
  /** Absolute tolerance. Default 1e-5. */
  atol?: number;
  /** Relative tolerance. Default 1e-3. */
  rtol?: number;
  /** Throw a TensorGradError when the check fails (default false: just report). */
  raiseOnFailure?: boolean;
}

export interface GradcheckInputReport {
  input: number;
  /** Largest |analytic − numeric| over the Jacobian, reverse and forward mode. */
  maxAbsErrorReverse: number;
  maxRelErrorReverse: number;
  maxAbsErrorForward: number;
  maxRelErrorForward: number;
  passed: boolean;
}

export interface GradcheckReport {
  passed: boolean;
  inputs: GradcheckInputReport[];
}

/**
 * Compares the Jacobians from reverse and forward mode with central differences
 * (f(x + εeⱼ) − f(x − εeⱼ)) / 2ε, in float64. Returns a report; throws only with `raiseOnFailure`.
 * @example
 * const r = tg.gradcheck((x) => x.tanh().sum(), [tg.randn([3], { dtype: "float64" })]);
 * r.passed // true
 */
export function gradcheck(f: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[], opts: GradcheckOpts = {}): GradcheckReport {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-3;
  const xs = inputs.map((x) => (x.dtype === "float64" ? x.detach() : cast(x, "float64").detach()));
  const reports = xs.map((x, k) => {
    const numeric = numericJacobian(f, xs, k, eps);
    const rev = jacrev(f, { argnums: k })(...xs).data();
    const fwd = jacfwd(f, { argnums: k })(...xs).data();
    const cmp = (a: ArrayLike<number>) => {
      let maxAbs = 0;
      let maxRel = 0;
      let ok = true;
      for (let i = 0; i < numeric.length; i++) {
        const err = Math.abs(a[i] - numeric[i]);
        if (!(err <= atol + rtol * Math.abs(numeric[i]))) ok = false;
        maxAbs = Math.max(maxAbs, Number.isNaN(err) ? Infinity : err);
        maxRel = Math.max(maxRel, err / Math.max(Math.abs(numeric[i]), 1e-12));
      }
      return { maxAbs, maxRel, ok };
    };
    const r = cmp(rev);
    const fw = cmp(fwd);
    return {
      input: k,
      maxAbsErrorReverse: r.maxAbs,
      maxRelErrorReverse: r.maxRel,
      maxAbsErrorForward: fw.maxAbs,
      maxRelErrorForward: fw.maxRel,
      passed: r.ok && fw.ok,
    };
  });
  const report = { passed: reports.every((r) => r.passed), inputs: reports };
  if (!report.passed && opts.raiseOnFailure) {
    const bad = reports.filter((r) => !r.passed)[0];
    throw new TensorGradError(
      `gradcheck: input ${bad.input}: analytic and numeric Jacobians differ (reverse max abs error ${bad.maxAbsErrorReverse.toExponential(3)}, forward ${bad.maxAbsErrorForward.toExponential(3)})`,
    );
  }
  return report;
}

/** Central-difference Jacobian of f with respect to input k, row-major [out, in]. */
export function numericJacobian(f: (...xs: Tensor[]) => Tensor, xs: readonly Tensor[], k: number, eps: number): Float64Array {
  return noGrad(() => {
    const base = xs[k].data();
    const n = base.length;
    let cols: Float64Array[] = [];
    let m = 0;
    for (let j = 0; j < n; j++) {
      const eval1 = (delta: number) => {
        const d = Float64Array.from(base);
        d[j] += delta;
        const args = [...xs];
        args[k] = tensor(d, { dtype: "float64", shape: xs[k].shape });
        return cast(f(...args), "float64").data();
      };
      const plus = eval1(eps);
      const minus = eval1(-eps);
      m = plus.length;
      const col = new Float64Array(m);
      for (let i = 0; i < m; i++) col[i] = (plus[i] - minus[i]) / (2 * eps);
      cols.push(col);
    }
    const out = new Float64Array(m * n);
    for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) out[i * n + j] = cols[j][i];
    cols = [];
    return out;
  });
}
