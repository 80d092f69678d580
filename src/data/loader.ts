// DataLoader: iterates a dataset in batches, optionally in a seeded random order. Each pass
// (`for (const batch of loader)`) is one epoch; with `shuffle`, every epoch draws a fresh
// permutation from the loader's generator, so two loaders built with equal seeds visit the
// examples in the same order epoch after epoch.

import { ArgumentError } from "../core/errors.js";
import { defaultGenerator, type Generator } from "../random/generator.js";
import type { Tensor } from "../tensor/tensor.js";
import { randomPermutation, type Dataset } from "./dataset.js";

export interface DataLoaderOpts {
  /** Examples per batch. Default 1 (as in PyTorch). */
  batchSize?: number;
  /** Visit the examples in a new random order every epoch. Default false. */
  shuffle?: boolean;
  /** Drop the last batch when it is smaller than batchSize. Default false. */
  dropLast?: boolean;
  /** The generator for shuffling. Default: the global one (`tg.random.seed`), read when each epoch starts. */
  generator?: Generator;
}

/**
 * Batches of a dataset: each item is an array with one tensor per field, stacked along a new
 * first axis.
 * @example
 * const ds = new tg.data.TensorDataset(x, y);
 * const loader = new tg.data.DataLoader(ds, { batchSize: 32, shuffle: true, generator: tg.random.generator(0) });
 * for (let epoch = 0; epoch < 10; epoch++)
 *   for (const [xb, yb] of loader) { … }
 */
export class DataLoader implements Iterable<Tensor[]> {
  readonly dataset: Dataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly #generator: Generator | undefined;

  constructor(dataset: Dataset, opts: DataLoaderOpts = {}) {
    if (!dataset || typeof dataset.getBatch !== "function" || !Number.isInteger(dataset.length))
      throw new ArgumentError("DataLoader: the first argument must be a dataset (with length and getBatch)");
    const { batchSize = 1, shuffle = false, dropLast = false, generator } = opts;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ArgumentError(`DataLoader: batchSize must be a positive integer, got ${String(batchSize)}`);
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = !!shuffle;
    this.dropLast = !!dropLast;
    this.#generator = generator;
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /**
   * The example indices of each batch for one epoch, drawing the permutation when shuffling (so
   * it advances the generator exactly as iterating would).
   */
  epochIndices(): number[][] {
    const n = this.dataset.length;
    const order = this.shuffle ? randomPermutation(n, this.#generator ?? defaultGenerator()) : Array.from({ length: n }, (_, i) => i);
    const batches: number[][] = [];
    for (let start = 0; start < n; start += this.batchSize) {
      const b = order.slice(start, start + this.batchSize);
      if (this.dropLast && b.length < this.batchSize) break;
      batches.push(b);
    }
    return batches;
  }

  *[Symbol.iterator](): Iterator<Tensor[]> {
    for (const indices of this.epochIndices()) yield this.dataset.getBatch(indices);
  }
}
