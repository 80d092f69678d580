// Fitting a line y ≈ w·x + b by full-batch gradient descent on the mean squared error
//
//   L(w, b) = (1/n) Σᵢ (w·xᵢ + b − yᵢ)²
//   ∂L/∂w  = (2/n) Σᵢ xᵢ (ŷᵢ − yᵢ)        ∂L/∂b = (2/n) Σᵢ (ŷᵢ − yᵢ)
//
// computed three ways that must agree to rounding: the hand-derived formulas above, `backward()`
// through an `nn.Linear(1, 1)` updated by `optim.SGD`, and the functional transform `tg.grad`.
// Everything runs in float64 so the three agree to ~1e-15 and the printed table is exact to the
// decimals shown.

import * as tg from "../library.js";
import { ArgumentError } from "../core/errors.js";
import { fixed, percent, table } from "./format.js";
import type { OnStep } from "./progress.js";

/** How the gradient is obtained. */
export type LineFitMethod = "manual" | "backward" | "grad";

/** Paired samples of the line to fit (e.g. from `loadLineFit()`). */
export interface LineData {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

export interface LineFitOptions {
  /** Gradient-descent updates. Default 50. */
  steps?: number;
  /** Learning rate. Default 0.05. */
  lr?: number;
  /** Initial slope. Default 0.5. */
  w0?: number;
  /** Initial intercept. Default 3.0. */
  b0?: number;
  /** Gradient by hand-derived formulas, by `backward()` on an `nn.Linear`, or by `tg.grad`. Default "manual". */
  method?: LineFitMethod;
  /**
   * Iterations at which to record the fitted line (those beyond the steps run are dropped).
   * Default: five iterations spread over the run by {@link snapshotSteps} (0, 5, 10, 20, 50 for
   * 50 steps; 0, 20, 50, 100, 200 for 200).
   */
  snapshotAt?: readonly number[];
  /** Points per axis of the loss-surface grid. Default 41. */
  gridSize?: number;
  /** Called after every update with the loss there; returning false stops the descent at that step. */
  onStep?: OnStep;
  /**
   * The descent stops as diverged once the loss is not finite or exceeds this multiple of the
   * initial loss. Default 1000.
   */
  divergenceFactor?: number;
}

/** Why and where a descent was stopped as diverging. */
export interface Divergence {
  /** The iteration whose loss showed it (the last row). */
  iteration: number;
  loss: number;
  /** One sentence: what happened and what to do. */
  message: string;
  /** The largest learning rate for which gradient descent on this data converges, 2/λmax. */
  maxStableLr: number;
}

/**
 * Five iterations to snapshot a run of `steps` updates: 0, the end, and three in between on a
 * roughly logarithmic spacing rounded to 1, 2 or 5 times a power of ten.
 * @example snapshotSteps(50) // [0, 5, 10, 20, 50]; snapshotSteps(200) // [0, 20, 50, 100, 200]
 */
export function snapshotSteps(steps: number, count = 5): number[] {
  if (!(steps >= 1)) return [0];
  const nice = (v: number) => {
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    const m = v / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
  };
  const out = new Set<number>([0, steps]);
  for (const f of [0.1, 0.2, 0.4, 0.25, 0.5, 0.05]) {
    if (out.size >= count) break;
    const v = Math.round(nice(Math.max(1, f * steps)));
    if (v > 0 && v < steps) out.add(v);
  }
  for (let v = 1; out.size < count && v < steps; v++) out.add(v);
  return [...out].sort((a, b) => a - b);
}

/** The state before update `iteration`: parameters, loss there and its gradient. */
export interface LineFitRow {
  iteration: number;
  w: number;
  b: number;
  loss: number;
  dLdw: number;
  dLdb: number;
}

/** The fitted line at one iteration, as its two end points over the data's x range. */
export interface LineSnapshot {
  iteration: number;
  w: number;
  b: number;
  loss: number;
  x: [number, number];
  y: [number, number];
}

/** The MSE over a (w, b) grid: `loss[i][j]` is L(w[j], b[i]) (rows follow b, as a contour plot wants). */
export interface LossSurface {
  w: number[];
  b: number[];
  loss: number[][];
}

export interface LineFitResult {
  method: LineFitMethod;
  /** Updates done: the steps asked for, or fewer when `onStep` stopped the run. */
  steps: number;
  /** `onStep` stopped the run before the steps asked for. */
  stoppedEarly: boolean;
  /** Set when the descent was stopped because the loss blew up (the lr is too large). */
  diverged?: Divergence;
  lr: number;
  data: { x: number[]; y: number[] };
  /** `steps + 1` rows: row i holds the parameters before update i; the last row is the final state. */
  rows: LineFitRow[];
  /** The parameters after the last update, their loss and gradient (the last row). */
  final: LineFitRow;
  initialLoss: number;
  finalLoss: number;
  /** Fraction of the initial loss removed: 1 − final/initial. */
  lossDrop: number;
  /** The exact least-squares line, which gradient descent approaches. */
  leastSquares: { w: number; b: number; loss: number };
  /** The (w, b, loss) trajectory, one point per row, for drawing on the surface. */
  path: { w: number[]; b: number[]; loss: number[] };
  surface: LossSurface;
  snapshots: LineSnapshot[];
  /** The table of rows and the loss drop, ready to print. */
  summary: string;
}

/** Computes the loss and gradient at the current parameters, then applies one update. */
interface Stepper {
  evaluate(): LineFitRow;
  update(row: LineFitRow): void;
}

/**
 * Fits y ≈ w·x + b by full-batch gradient descent on the mean squared error, recording the
 * parameters, loss and gradient before every update, the path over the loss surface and
 * snapshots of the line.
 * @example
 * const data = await loadLineFit();
 * const r = lineFit(data, { steps: 50, lr: 0.05, method: "backward" });
 * console.log(r.summary); // row 0: 0 | 0.5000 | 3.0000 | 11.3245 | -15.4209 | -1.0538
 */
export function lineFit(data: LineData, opts: LineFitOptions = {}): LineFitResult {
  const steps = opts.steps ?? 50;
  const lr = opts.lr ?? 0.05;
  const method = opts.method ?? "manual";
  const gridSize = opts.gridSize ?? 41;
  if (!Number.isInteger(steps) || steps < 0) throw new ArgumentError(`lineFit: steps must be a non-negative integer, got ${steps}`);
  if (!(lr > 0) || !Number.isFinite(lr)) throw new ArgumentError(`lineFit: lr must be a positive number, got ${lr}`);
  if (!Number.isInteger(gridSize) || gridSize < 2) throw new ArgumentError(`lineFit: gridSize must be an integer ≥ 2, got ${gridSize}`);
  const xs = Array.from(data.x);
  const ys = Array.from(data.y);
  if (xs.length !== ys.length || xs.length === 0)
    throw new ArgumentError(`lineFit: x and y need the same non-zero length, got ${xs.length} and ${ys.length}`);

  const x = tg.tensor(xs, { dtype: "float64" });
  const y = tg.tensor(ys, { dtype: "float64" });
  const w0 = opts.w0 ?? 0.5;
  const b0 = opts.b0 ?? 3.0;
  const stepper = makeStepper(method, x, y, w0, b0, lr);

  const factor = opts.divergenceFactor ?? 1000;
  const maxStableLr = stableLr(xs);
  const rows: LineFitRow[] = [];
  let stoppedEarly = false;
  let diverged: Divergence | undefined;
  for (let i = 0; i <= steps; i++) {
    const row = { ...stepper.evaluate(), iteration: i };
    rows.push(row);
    if (i > 0 && i < steps && (!Number.isFinite(row.loss) || row.loss > factor * rows[0].loss)) {
      diverged = {
        iteration: i,
        loss: row.loss,
        maxStableLr,
        message:
          `the loss went from ${fixed(rows[0].loss)} to ${fixed(row.loss)} by step ${i}, so the descent stopped there: ` +
          `lr ${lr} is too large for this data (gradient descent converges on it for lr < ${+maxStableLr.toPrecision(3)})`,
      };
      opts.onStep?.({ step: i, total: steps, loss: row.loss });
      break;
    }
    if (i > 0 && opts.onStep?.({ step: i, total: steps, loss: row.loss }) === false && i < steps) {
      stoppedEarly = true;
      break;
    }
    if (i < steps) stepper.update(row);
  }
  const done = rows.length - 1;

  const final = rows[done];
  const leastSquares = leastSquaresLine(xs, ys);
  const path = { w: rows.map((r) => r.w), b: rows.map((r) => r.b), loss: rows.map((r) => r.loss) };
  const surface = lossSurface(x, y, gridRange([...path.w, leastSquares.w]), gridRange([...path.b, leastSquares.b]), gridSize);
  const shotSteps = opts.snapshotAt ?? snapshotSteps(diverged ? done : steps);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const snapshots = shotSteps
    .filter((it) => Number.isInteger(it) && it >= 0 && it <= done)
    .map((it): LineSnapshot => {
      const { w, b, loss } = rows[it];
      return { iteration: it, w, b, loss, x: [xMin, xMax], y: [w * xMin + b, w * xMax + b] };
    });
  const lossDrop = 1 - final.loss / rows[0].loss;

  const summary = [
    `Line fit by gradient descent (${method}): ${xs.length} points, lr ${lr}, ${diverged ? `${done} of ${steps} steps (diverged)` : stoppedEarly ? `${done} of ${steps} steps (stopped early)` : `${steps} steps`}, float64`,
    table(
      ["iter", "w", "b", "loss", "dL/dw", "dL/db"],
      rows.map((r) => [String(r.iteration), fixed(r.w), fixed(r.b), fixed(r.loss), fixed(r.dLdw), fixed(r.dLdb)]),
    ),
    diverged
      ? `diverged: ${diverged.message}`
      : `loss ${fixed(rows[0].loss)} → ${fixed(final.loss)} after ${done} steps (${percent(lossDrop)} lower)`,
    `least squares: w = ${fixed(leastSquares.w)}, b = ${fixed(leastSquares.b)}, loss ${fixed(leastSquares.loss)}`,
  ].join("\n");

  return {
    method,
    steps: done,
    stoppedEarly,
    ...(diverged ? { diverged } : {}),
    lr,
    data: { x: xs, y: ys },
    rows,
    final,
    initialLoss: rows[0].loss,
    finalLoss: final.loss,
    lossDrop,
    leastSquares,
    path,
    surface,
    snapshots,
    summary,
  };
}

function makeStepper(method: LineFitMethod, x: tg.Tensor, y: tg.Tensor, w0: number, b0: number, lr: number): Stepper {
  switch (method) {
    case "manual":
      return manualStepper(x, y, w0, b0, lr);
    case "grad":
      return gradStepper(x, y, w0, b0, lr);
    case "backward":
      return backwardStepper(x, y, w0, b0, lr);
    default:
      throw new ArgumentError(`lineFit: method must be "manual", "backward" or "grad", got '${String(method)}'`);
  }
}

// The gradient from the formulas in the header, with no autodiff anywhere; the update is
// plain arithmetic on numbers.
function manualStepper(x: tg.Tensor, y: tg.Tensor, w0: number, b0: number, lr: number): Stepper {
  let w = w0;
  let b = b0;
  return {
    evaluate() {
      const residual = x.mul(w).add(b).sub(y); // ŷ − y
      return {
        iteration: 0,
        w,
        b,
        loss: residual.square().mean().item(),
        dLdw: x.mul(residual).mean().mul(2).item(),
        dLdb: residual.mean().mul(2).item(),
      };
    },
    update(row) {
      w -= lr * row.dLdw;
      b -= lr * row.dLdb;
    },
  };
}

// The gradient of L as a function of (w, b) by the `valueAndGrad` transform.
function gradStepper(x: tg.Tensor, y: tg.Tensor, w0: number, b0: number, lr: number): Stepper {
  let w = w0;
  let b = b0;
  const lossAndGrad = tg.valueAndGrad((wt: tg.Tensor, bt: tg.Tensor) => x.mul(wt).add(bt).sub(y).square().mean(), { argnums: [0, 1] });
  return {
    evaluate() {
      const [loss, grads] = lossAndGrad(tg.scalar(w, "float64"), tg.scalar(b, "float64"));
      const [gw, gb] = grads as tg.Tensor[];
      return { iteration: 0, w, b, loss: (loss as tg.Tensor).item(), dLdw: gw.item(), dLdb: gb.item() };
    },
    update(row) {
      w -= lr * row.dLdw;
      b -= lr * row.dLdb;
    },
  };
}

// The PyTorch way: a Linear layer (weight [1, 1], bias [1]), `backward()` into `.grad`, and an
// SGD optimizer that updates the layer's parameters.
function backwardStepper(x: tg.Tensor, y: tg.Tensor, w0: number, b0: number, lr: number): Stepper {
  const model = new tg.nn.Linear(1, 1, { dtype: "float64" });
  model.loadStateDict({ weight: tg.tensor([[w0]], { dtype: "float64" }), bias: tg.tensor([b0], { dtype: "float64" }) });
  const optimizer = new tg.optim.SGD(model.parameters(), { lr });
  const inputs = x.reshape([-1, 1]);
  const targets = y.reshape([-1, 1]);
  return {
    evaluate() {
      optimizer.zeroGrad();
      const loss = tg.nn.functional.mseLoss(model.forward(inputs), targets);
      loss.backward();
      return {
        iteration: 0,
        w: model.weight.item(),
        b: model.bias!.item(),
        loss: loss.item(),
        dLdw: model.weight.grad!.item(),
        dLdb: model.bias!.grad!.item(),
      };
    },
    update() {
      optimizer.step();
    },
  };
}

/** The least-squares line: w = cov(x, y)/var(x), b = ȳ − w·x̄. */
function leastSquaresLine(xs: readonly number[], ys: readonly number[]): { w: number; b: number; loss: number } {
  const n = xs.length;
  const mx = xs.reduce((s, v) => s + v, 0) / n;
  const my = ys.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  const w = sxx === 0 ? 0 : sxy / sxx;
  const b = my - w * mx;
  let loss = 0;
  for (let i = 0; i < n; i++) loss += (w * xs[i] + b - ys[i]) ** 2;
  return { w, b, loss: loss / n };
}

/**
 * 2/λmax of the MSE's Hessian (2/n)·[[Σx², Σx], [Σx, n]]: gradient descent with a fixed lr
 * converges on this quadratic exactly when lr is below it.
 */
function stableLr(xs: readonly number[]): number {
  const n = xs.length;
  const sx = xs.reduce((s, v) => s + v, 0);
  const sxx = xs.reduce((s, v) => s + v * v, 0);
  const a = (2 * sxx) / n;
  const d = 2;
  const c = (2 * sx) / n;
  const lmax = (a + d) / 2 + Math.sqrt(((a - d) / 2) ** 2 + c * c);
  return 2 / lmax;
}

/** A range covering the finite `values` with half its width (at least 0.5) of margin on each side. */
function gridRange(all: readonly number[]): [number, number] {
  const values = all.filter((v) => Number.isFinite(v) && Math.abs(v) < 1e150);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = Math.max(0.5, (hi - lo) / 2);
  return [lo - pad, hi + pad];
}

/** L(w, b) over a grid, by broadcasting: [nb, 1, 1]·… + [1, nw, 1]·x[1, 1, n] → mean over the data axis. */
function lossSurface(x: tg.Tensor, y: tg.Tensor, wRange: [number, number], bRange: [number, number], size: number): LossSurface {
  const w = tg.linspace(wRange[0], wRange[1], size, { dtype: "float64" });
  const b = tg.linspace(bRange[0], bRange[1], size, { dtype: "float64" });
  const pred = w.reshape([1, size, 1]).mul(x.reshape([1, 1, -1])).add(b.reshape([size, 1, 1]));
  const loss = pred.sub(y.reshape([1, 1, -1])).square().mean(2);
  return {
    w: Array.from(w.data()),
    b: Array.from(b.data()),
    loss: loss.toArray() as number[][],
  };
}
