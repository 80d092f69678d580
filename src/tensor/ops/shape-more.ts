// More shape operations in PyTorch's vocabulary, each built from views and existing primitives
// (slice with negative steps, concat, expand + reshape, where with a constant mask), so their
// gradients come with no rules of their own: tril, triu, diag, diagonal, roll, flip, tile,
// repeat, repeatInterleave, chunk, unbind, movedim, meshgrid.

import { ArgumentError, ShapeError, fmtShape } from "../../core/errors.js";
import { normAxes, normAxis } from "../../core/shape.js";
import { Tensor } from "../tensor.js";
import { scalar, tensor } from "../creation.js";
import { where } from "./arith.js";
import { concat, expand, permute, reshape, sliceRaw, split, squeeze, unsqueeze, pad } from "./shape.js";
import { takeAlong } from "./index-ops.js";
import { readEager } from "./index-more.js";

/** The mask over the last two axes keeping entries with j − i ≤ k (lower) or j − i ≥ k (upper). */
function triangleMask(rows: number, cols: number, k: number, lower: boolean): Tensor {
  const m = new Uint8Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m[i * cols + j] = +(lower ? j - i <= k : j - i >= k);
  return tensor(m, { dtype: "bool", shape: [rows, cols] });
}

function triangle(op: string, x: Tensor, k: number, lower: boolean): Tensor {
  if (x.ndim < 2) throw new ShapeError(`${op}: expected a tensor of rank ≥ 2, got shape ${fmtShape(x.shape)}`);
  if (!Number.isInteger(k)) throw new ArgumentError(`${op}: diagonal offset k must be an integer, got ${k}`);
  const [r, c] = x.shape.slice(-2);
  return where(triangleMask(r, c, k, lower), x, scalar(0, x.dtype));
}

/**
 * The lower triangle of the last two axes: entries with column − row ≤ k kept, the rest zero
 * (PyTorch's tril; k > 0 keeps diagonals above the main one). A causal attention mask is
 * `tril(ones([T, T]))`.
 * @example tg.tril(tg.ones([3, 3])) // [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
 */
export function tril(x: Tensor, k = 0): Tensor {
  return triangle("tril", x, k, true);
}

/**
 * The upper triangle of the last two axes: entries with column − row ≥ k kept, the rest zero (PyTorch's triu).
 * @example tg.triu(tg.ones([3, 3]), 1) // [[0, 1, 1], [0, 0, 1], [0, 0, 0]]
 */
export function triu(x: Tensor, k = 0): Tensor {
  return triangle("triu", x, k, false);
}

export interface DiagonalOpts {
  /** Which diagonal: > 0 above the main one, < 0 below. Default 0. */
  offset?: number;
  /** The two axes whose diagonal is taken; default 0 and 1. */
  axis1?: number;
  axis2?: number;
}

/**
 * The diagonal of the (axis1, axis2) planes, as a new last axis (PyTorch's diagonal): the two
 * axes are moved last, flattened together, and read with a stride of cols + 1.
 * @example tg.diagonal(tg.tensor([[1, 2], [3, 4]])) // [1, 4]
 */
export function diagonal(x: Tensor, opts: DiagonalOpts = {}): Tensor {
  if (x.ndim < 2) throw new ShapeError(`diagonal: expected a tensor of rank ≥ 2, got shape ${fmtShape(x.shape)}`);
  const offset = opts.offset ?? 0;
  if (!Number.isInteger(offset)) throw new ArgumentError(`diagonal: offset must be an integer, got ${offset}`);
  const a1 = normAxis("diagonal", opts.axis1 ?? 0, x.ndim);
  const a2 = normAxis("diagonal", opts.axis2 ?? 1, x.ndim);
  if (a1 === a2) throw new ArgumentError(`diagonal: axis1 and axis2 must differ, both are ${a1}`);
  const rest = x.shape.map((_, i) => i).filter((i) => i !== a1 && i !== a2);
  const moved = permute(x, [...rest, a1, a2]);
  const [r, c] = [x.shape[a1], x.shape[a2]];
  const len = Math.max(0, offset >= 0 ? Math.min(r, c - offset) : Math.min(r + offset, c));
  const batch = rest.map((i) => x.shape[i]);
  if (len === 0) return reshape(sliceRaw(reshape(moved, [...batch, r * c]), [...batch.map(() => 0), 0], [...batch, 0], [...batch.map(() => 1), 1]), [...batch, 0]);
  const start = offset >= 0 ? offset : -offset * c;
  const flat = reshape(moved, [...batch, r * c]);
  return sliceRaw(flat, [...batch.map(() => 0), start], [...batch, len], [...batch.map(() => 1), c + 1]);
}

/**
 * PyTorch's diag: a 1-D input becomes a square matrix with it on diagonal `k`; a 2-D input gives
 * its diagonal `k` as 1-D.
 * @example tg.diag(tg.tensor([1, 2])) // [[1, 0], [0, 2]]
 */
export function diag(x: Tensor, k = 0): Tensor {
  if (!Number.isInteger(k)) throw new ArgumentError(`diag: k must be an integer, got ${k}`);
  if (x.ndim === 2) return diagonal(x, { offset: k });
  if (x.ndim !== 1) throw new ShapeError(`diag: expected a 1-D or 2-D tensor, got shape ${fmtShape(x.shape)}`);
  const n = x.shape[0];
  // each element followed by n zeros, flattened and cut to n·n: element i lands at (i, i)
  const spread = reshape(pad(reshape(x, [n, 1]), [[0, 0], [0, n]]), [n * (n + 1)]);
  const square = reshape(sliceRaw(spread, [0], [n * n], [1]), [n, n]);
  // then placed k columns right (k > 0) or −k rows down (k < 0) in an (n + |k|)-square
  const d = Math.abs(k);
  return k === 0 ? square : pad(square, k > 0 ? [[0, d], [d, 0]] : [[d, 0], [0, d]]);
}

/**
 * Shifts entries along `axis` by `shifts` places, wrapping around (PyTorch's roll); several
 * axes with a list of each. Without an axis, the flattened tensor is rolled and reshaped back.
 * @example tg.roll(tg.tensor([1, 2, 3, 4]), 1) // [4, 1, 2, 3]
 */
export function roll(x: Tensor, shifts: number | readonly number[], axis?: number | readonly number[]): Tensor {
  if (axis === undefined) {
    if (typeof shifts !== "number") throw new ArgumentError("roll: without axes, shifts must be one number");
    return reshape(roll(reshape(x, [-1]), shifts, 0), x.shape);
  }
  const ss = typeof shifts === "number" ? [shifts] : [...shifts];
  const as = typeof axis === "number" ? [axis] : [...axis];
  if (ss.length !== as.length) throw new ArgumentError(`roll: ${ss.length} shifts for ${as.length} axes`);
  let out = x;
  ss.forEach((s, i) => {
    if (!Number.isInteger(s)) throw new ArgumentError(`roll: shifts must be integers, got ${s}`);
    const a = normAxis("roll", as[i], x.ndim);
    const n = x.shape[a];
    const k = n === 0 ? 0 : ((s % n) + n) % n;
    if (k === 0) return;
    const [head, tail] = split(out, [n - k, k], a);
    out = concat([tail, head], a);
  });
  return out;
}

/**
 * Reverses the order of entries along `axes` (PyTorch's flip): a slice view with step −1.
 * @example tg.flip(tg.tensor([1, 2, 3]), [0]) // [3, 2, 1]
 */
export function flip(x: Tensor, axes: number | readonly number[]): Tensor {
  const list = normAxes("flip", axes, x.ndim);
  const rev = (i: number) => list.includes(i) && x.shape[i] > 0;
  return sliceRaw(x, x.shape.map((d, i) => (rev(i) ? d - 1 : 0)), x.shape, x.shape.map((_, i) => (rev(i) ? -1 : 1)));
}

function checkReps(op: string, reps: readonly number[]): void {
  for (const r of reps) if (!Number.isInteger(r) || r < 0) throw new ArgumentError(`${op}: repetitions must be non-negative integers, got [${reps.join(", ")}]`);
}

/** Repeats x `reps[i]` times along each axis (x's shape padded with leading 1s to the longer rank): a broadcast view made contiguous. */
function tileTo(x: Tensor, reps: readonly number[]): Tensor {
  const r = Math.max(reps.length, x.ndim);
  const rs = [...Array(r - reps.length).fill(1), ...reps];
  const xs = reshape(x, [...Array(r - x.ndim).fill(1), ...x.shape]);
  // [..., 1, d, ...] expanded to [..., rep, d, ...] and merged
  const inter = reshape(xs, xs.shape.flatMap((d) => [1, d]));
  const big = expand(inter, xs.shape.flatMap((d, i) => [rs[i], d]));
  return reshape(big, xs.shape.map((d, i) => d * rs[i]));
}

/**
 * NumPy's and PyTorch's tile: x repeated `reps[i]` times along each axis; a shorter `reps` is
 * padded with leading 1s, a shorter shape with leading size-1 axes.
 * @example tg.tile(tg.tensor([1, 2]), [2]) // [1, 2, 1, 2]
 */
export function tile(x: Tensor, reps: readonly number[]): Tensor {
  checkReps("tile", reps);
  return tileTo(x, reps);
}

/**
 * PyTorch's `Tensor.repeat`: like tile, but `sizes` must have at least x's rank.
 * @example tg.repeat(tg.tensor([1, 2]), [2, 2]) // [[1, 2, 1, 2], [1, 2, 1, 2]]
 */
export function repeat(x: Tensor, sizes: readonly number[]): Tensor {
  checkReps("repeat", sizes);
  if (sizes.length < x.ndim)
    throw new ArgumentError(`repeat: ${sizes.length} repetition counts for a tensor of rank ${x.ndim} (shape ${fmtShape(x.shape)}); give at least one per axis`);
  return tileTo(x, sizes);
}

/**
 * Repeats each entry along `axis` (flattened when absent) `repeats` times, or `repeats[i]` times
 * for entry i (PyTorch's repeat_interleave). Counts given as a tensor are read eagerly (the
 * result's shape depends on them), so inside `tg.jit` pass them as a plain list.
 * @example tg.repeatInterleave(tg.tensor([1, 2]), 2) // [1, 1, 2, 2]
 */
export function repeatInterleave(x: Tensor, repeats: number | readonly number[] | Tensor, axis?: number): Tensor {
  const src = axis === undefined ? reshape(x, [-1]) : x;
  const a = normAxis("repeatInterleave", axis ?? 0, src.ndim);
  const n = src.shape[a];
  const reps = repeats instanceof Tensor ? Array.from(readEager("repeatInterleave", repeats), Number) : repeats;
  if (typeof reps === "number") {
    checkReps("repeatInterleave", [reps]);
    const withAxis = unsqueeze(src, a + 1);
    const big = expand(withAxis, withAxis.shape.map((d, i) => (i === a + 1 ? reps : d)));
    return reshape(big, src.shape.map((d, i) => (i === a ? d * reps : d)));
  }
  checkReps("repeatInterleave", reps);
  if (reps.length !== n && reps.length !== 1)
    throw new ShapeError(`repeatInterleave: ${reps.length} repeat counts for axis ${axis ?? 0} of size ${n} (input ${fmtShape(x.shape)})`);
  if (reps.length === 1) return repeatInterleave(x, reps[0], axis);
  const idx: number[] = [];
  reps.forEach((r, i) => { for (let j = 0; j < r; j++) idx.push(i); });
  return takeAlong(src, tensor(idx, { dtype: "int32", shape: [idx.length] }), a, { op: "repeatInterleave" });
}

/**
 * Splits into `chunks` pieces along `axis` (PyTorch's chunk): each of size ⌈n / chunks⌉, the
 * last smaller; fewer pieces when n is small.
 * @example tg.chunk(tg.arange(5), 2) // [[0, 1, 2], [3, 4]]
 */
export function chunk(x: Tensor, chunks: number, axis = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0) throw new ArgumentError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const a = normAxis("chunk", axis, x.ndim);
  const n = x.shape[a];
  if (n === 0) return Array.from({ length: chunks }, () => x);
  return split(x, Math.ceil(n / chunks), a);
}

/**
 * The slices along `axis`, with that axis removed (PyTorch's unbind).
 * @example tg.unbind(tg.tensor([[1, 2], [3, 4]]), 1) // [[1, 3], [2, 4]]
 */
export function unbind(x: Tensor, axis = 0): Tensor[] {
  const a = normAxis("unbind", axis, x.ndim);
  return split(x, x.shape[a] === 0 ? [] : Array(x.shape[a]).fill(1), a).map((t) => squeeze(t, a));
}

/**
 * Moves axes `source` to positions `destination`, the others keeping their order (PyTorch's movedim).
 * @example tg.movedim(tg.zeros([2, 3, 4]), 0, -1).shape // [3, 4, 2]
 */
export function movedim(x: Tensor, source: number | readonly number[], destination: number | readonly number[]): Tensor {
  const src = (typeof source === "number" ? [source] : [...source]).map((a) => normAxis("movedim", a, x.ndim));
  const dst = (typeof destination === "number" ? [destination] : [...destination]).map((a) => normAxis("movedim", a, x.ndim));
  if (src.length !== dst.length) throw new ArgumentError(`movedim: ${src.length} source axes but ${dst.length} destinations`);
  if (new Set(src).size !== src.length || new Set(dst).size !== dst.length) throw new ArgumentError("movedim: repeated axis");
  const order = new Array<number>(x.ndim).fill(-1);
  src.forEach((s, i) => (order[dst[i]] = s));
  const rest = x.shape.map((_, i) => i).filter((i) => !src.includes(i));
  let r = 0;
  for (let i = 0; i < order.length; i++) if (order[i] < 0) order[i] = rest[r++];
  return permute(x, order);
}

export interface MeshgridOpts {
  /** "ij" (the default, PyTorch's): grid i varies along axis i; "xy": the first two axes swapped (NumPy's default). */
  indexing?: "ij" | "xy";
}

/**
 * Coordinate grids from 0-d or 1-D tensors (PyTorch's meshgrid), given one by one or as a list,
 * optionally followed by `{indexing}`: with "ij" (the default) grid i varies along axis i; with
 * "xy" the first two axes are swapped. Each grid is a broadcast view.
 * @example const [gx, gy] = tg.meshgrid(tg.arange(3), tg.arange(2), { indexing: "xy" }) // shapes [2, 3]
 */
export function meshgrid(...args: (Tensor | readonly Tensor[] | MeshgridOpts)[]): Tensor[] {
  const last = args[args.length - 1];
  const opts: MeshgridOpts = last !== undefined && !(last instanceof Tensor) && !Array.isArray(last) ? (args.pop() as MeshgridOpts) : {};
  const xs: Tensor[] = args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as readonly Tensor[])] : (args as Tensor[]);
  for (const x of xs) if (!(x instanceof Tensor)) throw new ArgumentError("meshgrid: expected tensors, a list of tensors, and optionally {indexing}");
  const indexing = opts.indexing ?? "ij";
  if (indexing !== "ij" && indexing !== "xy") throw new ArgumentError(`meshgrid: indexing must be "ij" or "xy", got ${JSON.stringify(indexing)}`);
  for (const x of xs) if (x.ndim > 1) throw new ShapeError(`meshgrid: expected 0-d or 1-D tensors, got shape ${fmtShape(x.shape)}`);
  const vs = xs.map((x) => reshape(x, [-1]));
  const order = vs.map((_, i) => i);
  if (indexing === "xy" && vs.length >= 2) [order[0], order[1]] = [order[1], order[0]];
  // output axis j holds input order[j]
  const shape = order.map((i) => vs[i].shape[0]);
  return vs.map((v, i) => {
    const at = order.indexOf(i);
    return expand(reshape(v, shape.map((d, j) => (j === at ? d : 1))), shape);
  });
}

