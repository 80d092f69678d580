// Shape arithmetic: sizes, strides, broadcasting and axis normalisation. Pure functions on
// number arrays; every check that can fail names the calling operation.

import { ArgumentError, ShapeError, fmtShape } from "./errors.js";

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major (C order) strides, in elements. */
export function contiguousStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

// Tensors keep their shape as a frozen array (readonly binds only TypeScript callers). Freezing
// a copy costs more than the rest of making a small tensor, and programs use few distinct
// shapes, so each shape of small non-negative integers is frozen once and shared, with its
// row-major strides; past a bound on the distinct shapes seen, copies are frozen as before.
interface ShapeNode {
  readonly next: Map<number, ShapeNode>;
  shape: Shape | null;
  strides: readonly number[] | null;
}
const shapeRoot: ShapeNode = { next: new Map(), shape: null, strides: null };
let shapeNodes = 0;
const MAX_SHAPE_NODES = 1 << 14;

function shapeNode(shape: Shape): ShapeNode | null {
  let n = shapeRoot;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    // dims as Map keys: only exact non-negative integers (Map would equate -0 and 0)
    if ((d | 0) !== d || d < 0 || Object.is(d, -0)) return null;
    let c = n.next.get(d);
    if (c === undefined) {
      if (shapeNodes >= MAX_SHAPE_NODES) return null;
      shapeNodes++;
      n.next.set(d, (c = { next: new Map(), shape: null, strides: null }));
    }
    n = c;
  }
  return n;
}

/** A frozen array equal to `shape`: `shape` itself when already frozen, else a shared frozen copy. */
export function frozenShape(shape: Shape): Shape {
  if (Object.isFrozen(shape)) return shape;
  const n = shapeNode(shape);
  if (!n) return Object.freeze([...shape]);
  return (n.shape ??= Object.freeze([...shape]));
}

/** `contiguousStrides(shape)`, frozen (and shared between tensors of one shape). */
export function frozenContiguousStrides(shape: Shape): readonly number[] {
  const n = shapeNode(shape);
  if (!n) return Object.freeze(contiguousStrides(shape));
  return (n.strides ??= Object.freeze(contiguousStrides(shape)));
}

/** Element-wise equality of two number arrays (shapes, strides); shared frozen arrays compare by identity first. */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** NumPy broadcasting: align on the right; each pair of dims must be equal or one of them 1. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  let rank = 0;
  for (const s of shapes) rank = Math.max(rank, s.length);
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i];
      if (d === out[o] || d === 1) continue;
      if (out[o] === 1) out[o] = d;
      else
        throw new ShapeError(
          `${op}: shapes ${shapes.map(fmtShape).join(" and ")} cannot be broadcast together (dimension ${o}: ${out[o]} vs ${d})`,
        );
    }
  }
  return out;
}

/**
 * Strides that read a tensor of `shape`/`strides` as if broadcast to `target`:
 * new leading dims and dims of size 1 get stride 0.
 */
export function broadcastStrides(shape: Shape, strides: readonly number[], target: Shape): number[] {
  const out = new Array<number>(target.length).fill(0);
  const off = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) out[off + i] = shape[i] === 1 && target[off + i] !== 1 ? 0 : strides[i];
  return out;
}

/** Resolves a possibly negative axis against `rank`; throws `ArgumentError` naming `op` when out of range. */
export function normAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis)) throw new ArgumentError(`${op}: axis must be an integer, got ${axis}`);
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new ArgumentError(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  return a;
}

/** Normalises an axis argument (undefined = all axes) to a sorted list of distinct axes. */
export function normAxes(op: string, axis: number | readonly number[] | undefined | null, rank: number): number[] {
  if (axis === undefined || axis === null) {
    const all = new Array<number>(rank);
    for (let i = 0; i < rank; i++) all[i] = i;
    return all;
  }
  // (one axis, the usual case, needs no sorting or repeat check)
  if (typeof axis === "number") return [normAxis(op, axis, rank)];
  const out = new Array<number>(axis.length);
  for (let i = 0; i < axis.length; i++) out[i] = normAxis(op, axis[i], rank);
  out.sort((a, b) => a - b);
  for (let i = 1; i < out.length; i++) if (out[i] === out[i - 1]) throw new ArgumentError(`${op}: repeated axis in [${axis.join(",")}]`);
  return out;
}

/** Checks that `shape` holds non-negative integers. */
export function checkShape(op: string, shape: Shape): void {
  for (const d of shape)
    if (!Number.isInteger(d) || d < 0) throw new ArgumentError(`${op}: invalid shape ${fmtShape(shape)}: sizes must be non-negative integers`);
}

/** The shape after removing (or keeping as 1) the reduced axes. */
export function reducedShape(shape: Shape, axes: readonly number[], keepdims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (keepdims) out.push(1);
    } else out.push(shape[i]);
  }
  return out;
}

/**
 * The axes of `from` to sum (keeping dims) so that a reshape gives `to`, when `to` broadcasts to
 * `from`: the leading axes `to` lacks and those where `to` has 1. Null when it does not broadcast.
 */
export function unbroadcastAxes(from: Shape, to: Shape): number[] | null {
  const lead = from.length - to.length;
  if (lead < 0) return null;
  const axes: number[] = [];
  for (let i = 0; i < from.length; i++) {
    if (i < lead) axes.push(i);
    else if (to[i - lead] !== from[i]) {
      if (to[i - lead] !== 1) return null;
      axes.push(i);
    }
  }
  return axes;
}
