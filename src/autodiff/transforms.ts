// JAX-style transformations: vjp, grad, valueAndGrad (reverse mode), jvp (forward mode), and the
// Jacobians and Hessian built from them. Each call opens a new differentiation level, so they
// nest in any order.

import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../core/errors.js";
import { isFloat } from "../core/dtype.js";
import { shapesEqual } from "../core/shape.js";
import { runtime } from "../backend/runtime.js";
import { Tensor } from "../tensor/tensor.js";
import { scalar, tensor, zeros, zerosLike } from "../tensor/creation.js";
import { reshape, stack } from "../tensor/ops/shape.js";
import { cast } from "../tensor/ops/arith.js";
import { backwardPass } from "./graph.js";
import { JvpTrace, VjpTrace, withNewLevel } from "./bind.js";

type Fn = (...args: Tensor[]) => Tensor;

function toTensorArg(op: string, x: unknown, i: number): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === "number") return scalar(x);
  throw new ArgumentError(`${op}: argument ${i} must be a tensor or a number, got ${typeof x}`);
}

function checkDifferentiable(op: string, x: Tensor, i: number): void {
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: cannot differentiate with respect to argument ${i} of dtype ${x.dtype}${fmtShape(x.shape)}; only float32 and float64 are differentiable`);
}

function checkOutput(op: string, out: unknown): Tensor {
  if (!(out instanceof Tensor)) throw new ArgumentError(`${op}: the function must return a tensor, got ${Array.isArray(out) ? "an array" : typeof out}`);
  return out;
}

/**
 * Runs `f` on `primals` and returns its output with a function that maps a cotangent of the
 * output to cotangents of every primal (reverse mode).
 * @example const [y, pull] = tg.vjp((x) => x.mul(x), tg.tensor([3])); pull(tg.tensor([1])) // [[6]]
 */
export function vjp(f: Fn, ...primals: (Tensor | number)[]): [Tensor, (cotangent: Tensor) => Tensor[]] {
  const xs = primals.map((p, i) => toTensorArg("vjp", p, i));
  xs.forEach((x, i) => checkDifferentiable("vjp", x, i));
  return withNewLevel((l) => new VjpTrace(l), (trace) => {
    const t = trace as VjpTrace;
    const boxes = xs.map((x) => t.leaf(x));
    const out = checkOutput("vjp", f(...boxes));
    const primalOut = t.unbox(out);
    const root = out._trace === t ? out._node! : null;
    const pull = (ct: Tensor): Tensor[] => {
      if (!(ct instanceof Tensor) || !shapesEqual(ct.shape, primalOut.shape))
        throw new ShapeError(`vjp: cotangent shape ${ct instanceof Tensor ? fmtShape(ct.shape) : typeof ct} does not match the output shape ${fmtShape(primalOut.shape)}`);
      if (!root) return xs.map((x) => zerosLike(x));
      const leaves = backwardPass(root, ct.dtype === primalOut.dtype ? ct : cast(ct, primalOut.dtype), false);
      return xs.map((x, i) => leaves.get(boxes[i]._node!) ?? zerosLike(x));
    };
    return [primalOut, pull];
  });
}

export interface GradOpts {
  /** Which arguments to differentiate: one index (one gradient) or several (an array). Default 0. */
  argnums?: number | readonly number[];
}

function pickArgs(op: string, args: unknown[], argnums: number | readonly number[]): number[] {
  const list = typeof argnums === "number" ? [argnums] : [...argnums];
  for (const a of list)
    if (!Number.isInteger(a) || a < 0 || a >= args.length) throw new ArgumentError(`${op}: argnums ${a} is out of range for ${args.length} arguments`);
  return list;
}

function gradCore(op: string, f: (...a: Tensor[]) => unknown, args: unknown[], argnums: number | readonly number[], hasAux: boolean) {
  const idx = pickArgs(op, args, argnums);
  const tensors = args.map((a, i) => (idx.includes(i) ? toTensorArg(op, a, i) : (a as Tensor)));
  let aux: unknown;
  const [value, pull] = vjp(
    (...sel) => {
      const full = [...tensors];
      idx.forEach((k, j) => (full[k] = sel[j]));
      const r = f(...full);
      if (hasAux) {
        if (!Array.isArray(r) || r.length !== 2) throw new ArgumentError(`${op}: with hasAux the function must return [value, aux]`);
        aux = r[1];
        return checkOutput(op, r[0]);
      }
      return checkOutput(op, r);
    },
    ...idx.map((k) => tensors[k]),
  );
  if (value.size !== 1) throw new ShapeError(`${op}: the function must return a scalar, got shape ${fmtShape(value.shape)}; use vjp or jacrev for non-scalar outputs`);
  const grads = pull(reshape(scalar(1, value.dtype), value.shape));
  return { value, aux, grads: typeof argnums === "number" ? grads[0] : grads };
}

/**
 * The gradient of a scalar function: `grad(f)(x)` is ∂f/∂x, shaped like x. With several
 * `argnums`, an array of gradients.
 * @example tg.grad((x) => x.mul(x).sum())(tg.tensor([1, 2])) // [2, 4]
 */
export function grad<A extends unknown[]>(f: (...args: A) => Tensor, opts: { argnums: readonly number[] }): (...args: A) => Tensor[];
export function grad<A extends unknown[]>(f: (...args: A) => Tensor, opts?: { argnums?: number }): (...args: A) => Tensor;
export function grad<A extends unknown[]>(f: (...args: A) => Tensor, opts: GradOpts = {}): (...args: A) => Tensor | Tensor[] {
  return (...args: A) => gradCore("grad", f as (...a: Tensor[]) => unknown, args, opts.argnums ?? 0, false).grads;
}

/**
 * The value and gradient of a scalar function in one pass. With `hasAux`, `f` returns
 * `[value, aux]` and the result is `[[value, aux], grads]`.
 */
export function valueAndGrad<A extends unknown[], Aux>(
  f: (...args: A) => [Tensor, Aux],
  opts: { argnums: readonly number[]; hasAux: true },
): (...args: A) => [[Tensor, Aux], Tensor[]];
export function valueAndGrad<A extends unknown[], Aux>(
  f: (...args: A) => [Tensor, Aux],
  opts: { argnums?: number; hasAux: true },
): (...args: A) => [[Tensor, Aux], Tensor];
export function valueAndGrad<A extends unknown[]>(
  f: (...args: A) => Tensor,
  opts: { argnums: readonly number[]; hasAux?: false },
): (...args: A) => [Tensor, Tensor[]];
export function valueAndGrad<A extends unknown[]>(f: (...args: A) => Tensor, opts?: { argnums?: number; hasAux?: false }): (...args: A) => [Tensor, Tensor];
export function valueAndGrad<A extends unknown[]>(
  f: (...args: A) => Tensor | [Tensor, unknown],
  opts: GradOpts & { hasAux?: boolean } = {},
): (...args: A) => [Tensor | [Tensor, unknown], Tensor | Tensor[]] {
  return (...args: A) => {
    const r = gradCore("valueAndGrad", f as (...a: Tensor[]) => unknown, args, opts.argnums ?? 0, !!opts.hasAux);
    return [opts.hasAux ? [r.value, r.aux] : r.value, r.grads];
  };
}

/**
 * Forward mode: the output of `f` at `primals` and its directional derivative along `tangents`,
 * computed in one pass with the tangents carried alongside the values.
 * @example const [y, dy] = tg.jvp((x) => x.sin(), [x], [tg.onesLike(x)]); // dy = cos(x)
 */
export function jvp(f: Fn, primals: readonly (Tensor | number)[], tangents: readonly (Tensor | number)[]): [Tensor, Tensor] {
  if (primals.length !== tangents.length) throw new ArgumentError(`jvp: ${primals.length} primals but ${tangents.length} tangents`);
  const xs = primals.map((p, i) => toTensorArg("jvp", p, i));
  const ts = tangents.map((t, i) => toTensorArg("jvp", t, i));
  xs.forEach((x, i) => {
    checkDifferentiable("jvp", x, i);
    if (!shapesEqual(x.shape, ts[i].shape))
      throw new ShapeError(`jvp: tangent ${i} has shape ${fmtShape(ts[i].shape)} but its primal has shape ${fmtShape(x.shape)}`);
  });
  return withNewLevel((l) => new JvpTrace(l), (trace) => {
    const t = trace as JvpTrace;
    const boxes = xs.map((x, i) => t.box(x, ts[i].dtype === x.dtype ? ts[i] : cast(ts[i], x.dtype)));
    const out = checkOutput("jvp", f(...boxes));
    if (out._trace === t) return [out._primal!, out._tangent!];
    return [out, zerosLike(out)];
  });
}

/** One-hot basis tensors e₀ … e_{n−1} of `shape`. */
function basis(shape: readonly number[], dtype: Tensor["dtype"]): Tensor[] {
  const n = shape.reduce((a, b) => a * b, 1);
  const out: Tensor[] = [];
  for (let i = 0; i < n; i++) {
    const d = new Float64Array(n);
    d[i] = 1;
    out.push(tensor(d, { dtype, shape }));
  }
  return out;
}

/**
 * The Jacobian by reverse mode (one VJP per output element): shape [...out.shape, ...x.shape].
 */
export function jacrev(f: Fn, opts: { argnums?: number } = {}): (...args: Tensor[]) => Tensor {
  return (...args) => {
    const k = opts.argnums ?? 0;
    const [out, pull] = vjp((x) => f(...args.map((a, i) => (i === k ? x : a))), args[k]);
    const rows = basis(out.shape, out.dtype).map((e) => pull(e)[0]);
    if (rows.length === 0) return zeros([...out.shape, ...args[k].shape], args[k].dtype);
    return reshape(stack(rows, 0), [...out.shape, ...args[k].shape]);
  };
}

/**
 * The Jacobian by forward mode (one JVP per input element): shape [...out.shape, ...x.shape].
 */
export function jacfwd(f: Fn, opts: { argnums?: number } = {}): (...args: Tensor[]) => Tensor {
  return (...args) => {
    const k = opts.argnums ?? 0;
    const x = args[k];
    const g = (xi: Tensor) => f(...args.map((a, i) => (i === k ? xi : a)));
    const cols = basis(x.shape, x.dtype).map((e) => jvp(g, [x], [e])[1]);
    if (cols.length === 0) {
      const out = g(x);
      return zeros([...out.shape, ...x.shape], x.dtype);
    }
    const outShape = cols[0].shape;
    return reshape(stack(cols, -1), [...outShape, ...x.shape]);
  };
}

/** The Hessian of a scalar function: forward-over-reverse, jacfwd(jacrev(f)). */
export function hessian(f: Fn, opts: { argnums?: number } = {}): (...args: Tensor[]) => Tensor {
  return jacfwd(jacrev(f, opts), opts);
}

/**
 * Runs `fn` without recording anything for reverse mode: results do not require grad, and
 * transformations already running treat what `fn` computes as constant. Transformations started
 * inside `fn` (a `grad` within `noGrad`) work as usual, as in PyTorch's torch.func.
 * @example const y = tg.noGrad(() => model.forward(x));
 */
export function noGrad<T>(fn: () => T): T {
  const prevEnabled = runtime.gradEnabled;
  const prevLevel = runtime.noGradLevel;
  runtime.gradEnabled = false;
  runtime.noGradLevel = runtime.level;
  try {
    return fn();
  } finally {
    runtime.gradEnabled = prevEnabled;
    runtime.noGradLevel = prevLevel;
  }
}
