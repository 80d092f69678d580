// Datasets: indexable collections of examples, read a batch at a time. A `TensorDataset` holds
// whole tensors whose first axis indexes examples; a `Subset` is a view through a list of indices.
// Also the preparation helpers that work on such data: `trainValSplit` and `standardize`.

import { ArgumentError, ShapeError, fmtShape } from "../core/errors.js";
import { isFloat } from "../core/dtype.js";
import { noGrad } from "../autodiff/transforms.js";
import { defaultGenerator, type Generator } from "../random/generator.js";
import { Tensor } from "../tensor/tensor.js";
import { cast, where } from "../tensor/ops/arith.js";
import { mean, std } from "../tensor/ops/reduce.js";
import { indexSelect } from "../tensor/ops/index-ops.js";
import "../tensor/methods.js"; // Tensor's methods, used below

/** A collection of examples that can be read a batch at a time. */
export interface Dataset {
  /** Number of examples. */
  readonly length: number;
  /** The examples at `indices`, each field stacked along a new first axis: one tensor per field. */
  getBatch(indices: readonly number[]): Tensor[];
}

function checkIndex(op: string, i: number, n: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= n) throw new ArgumentError(`${op}: index ${i} is out of range for ${n} examples`);
}

/**
 * Examples stored as tensors that share their first dimension: example i is
 * `[t₀[i], t₁[i], …]`.
 * @example
 * const ds = new tg.data.TensorDataset(tg.randn([100, 3]), tg.randint(0, 2, [100]));
 * ds.length;            // 100
 * ds.getBatch([0, 5]);  // [x: [2,3], y: [2]]
 */
export class TensorDataset implements Dataset {
  readonly tensors: readonly Tensor[];

  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new ArgumentError("TensorDataset: needs at least one tensor");
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new ArgumentError(`TensorDataset: argument ${i} is not a tensor`);
      if (t.ndim === 0) throw new ShapeError(`TensorDataset: tensor ${i} is 0-d (shape []); every tensor needs a first dimension indexing examples`);
    });
    const n = tensors[0].shape[0];
    if (tensors.some((t) => t.shape[0] !== n))
      throw new ShapeError(`TensorDataset: first dimensions differ: ${tensors.map((t) => fmtShape(t.shape)).join(", ")}`);
    this.tensors = [...tensors];
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  /** Example `i`: each tensor's i-th slice along the first axis. */
  get(i: number): Tensor[] {
    checkIndex("TensorDataset.get", i, this.length);
    return this.tensors.map((t) => t.slice(i));
  }

  getBatch(indices: readonly number[]): Tensor[] {
    for (const i of indices) checkIndex("TensorDataset.getBatch", i, this.length);
    return this.tensors.map((t) => indexSelect(t, 0, indices));
  }
}

/**
 * The examples of `dataset` at `indices`, in that order.
 * @example const firstTen = new tg.data.Subset(ds, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
 */
export class Subset implements Dataset {
  readonly dataset: Dataset;
  readonly indices: readonly number[];

  constructor(dataset: Dataset, indices: readonly number[]) {
    for (const i of indices) checkIndex("Subset", i, dataset.length);
    this.dataset = dataset;
    this.indices = [...indices];
  }

  get length(): number {
    return this.indices.length;
  }

  getBatch(indices: readonly number[]): Tensor[] {
    return this.dataset.getBatch(
      indices.map((i) => {
        checkIndex("Subset.getBatch", i, this.indices.length);
        return this.indices[i];
      }),
    );
  }
}

/** A uniformly random permutation of 0…n−1 (Fisher–Yates, each draw from `gen`). */
export function randomPermutation(n: number, gen: Generator = defaultGenerator()): number[] {
  if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`randomPermutation: n must be an integer ≥ 0, got ${n}`);
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = gen.integer(0, i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/**
 * Splits indices 0…n−1 (or a dataset) at random into a training part and a validation part of
 * round(n·valFraction) examples. Each part lists its indices in increasing order.
 * @example
 * const { train, val } = tg.data.trainValSplit(100, 0.2, { generator: tg.random.generator(0) });
 * train.length; // 80
 */
export function trainValSplit(n: number, valFraction: number, opts?: { generator?: Generator }): { train: number[]; val: number[] };
export function trainValSplit(dataset: Dataset, valFraction: number, opts?: { generator?: Generator }): { train: Subset; val: Subset };
export function trainValSplit(
  data: number | Dataset,
  valFraction: number,
  opts: { generator?: Generator } = {},
): { train: number[]; val: number[] } | { train: Subset; val: Subset } {
  const n = typeof data === "number" ? data : data?.length;
  if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`trainValSplit: expected a count or a dataset, got ${String(data)}`);
  if (typeof valFraction !== "number" || !(valFraction >= 0 && valFraction <= 1))
    throw new ArgumentError(`trainValSplit: valFraction must be in [0, 1], got ${String(valFraction)}`);
  const perm = randomPermutation(n, opts.generator ?? defaultGenerator());
  const nVal = Math.round(n * valFraction);
  const val = perm.slice(0, nVal).sort((a, b) => a - b);
  const train = perm.slice(nVal).sort((a, b) => a - b);
  if (typeof data === "number") return { train, val };
  return { train: new Subset(data, train), val: new Subset(data, val) };
}

/** Statistics fitted by `standardize`, with the transform they define. */
export interface Standardizer {
  /** Per-feature mean over the training examples (the training tensor's shape without axis 0). */
  mean: Tensor;
  /** Per-feature standard deviation (population, ÷n), with 0 replaced by 1. */
  std: Tensor;
  /** (x − mean)/std, for any tensor whose trailing dimensions are the features'. */
  apply(x: Tensor): Tensor;
}

/**
 * Standardizes features: fits the mean and standard deviation of each feature on `train`
 * (examples along axis 0) and applies (x − mean)/std to `train` and, with the same statistics,
 * to `val`. Constant features (std 0) are only centred. Integer data becomes float32.
 * @example
 * const { train, val, mean, std } = tg.data.standardize(xTrain, xVal);
 */
export function standardize(train: Tensor, val: Tensor): Standardizer & { train: Tensor; val: Tensor };
export function standardize(train: Tensor): Standardizer & { train: Tensor };
export function standardize(train: Tensor, val?: Tensor): Standardizer & { train: Tensor; val?: Tensor } {
  if (!(train instanceof Tensor)) throw new ArgumentError("standardize: train must be a tensor");
  if (train.ndim === 0 || train.shape[0] === 0)
    throw new ShapeError(`standardize: train needs at least one example along axis 0, got shape ${fmtShape(train.shape)}`);
  const features = train.shape.slice(1);
  if (val !== undefined && (!(val instanceof Tensor) || val.ndim < 1 || fmtShape(val.shape.slice(1)) !== fmtShape(features)))
    throw new ShapeError(
      `standardize: val ${val instanceof Tensor ? fmtShape(val.shape) : typeof val} must have the features of train ${fmtShape(train.shape)} after axis 0`,
    );
  return noGrad(() => {
    const toFloat = (x: Tensor) => (isFloat(x.dtype) ? x : cast(x, "float32"));
    const x = toFloat(train);
    const mu = mean(x, 0);
    const sd0 = std(x, 0, { correction: 0 });
    const sd = where(sd0.eq(0), 1, sd0);
    const apply = (t: Tensor) => noGrad(() => toFloat(t).sub(mu).div(sd));
    const out: Standardizer & { train: Tensor; val?: Tensor } = { mean: mu, std: sd, apply, train: apply(x) };
    if (val !== undefined) out.val = apply(val);
    return out;
  });
}
