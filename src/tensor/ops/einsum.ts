// Einstein summation (PyTorch's einsum). Each operand first takes its repeated subscripts'
// diagonals ("ii->i") and sums the axes no one else needs; operands are then contracted left
// to right, each pair as ONE batched matmul after a permute and reshape to [batch, m, k] @
// [batch, k, n]: a contraction never builds the broadcast product. Size-1 axes broadcast, and
// "..." stands for the same broadcast batch axes in every operand.

import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../../core/errors.js";
import { sizeOf } from "../../core/shape.js";
import type { Tensor } from "../tensor.js";
import { expand, permute, reshape } from "./shape.js";
import { sum } from "./reduce.js";
import { matmul } from "./linalg.js";
import { diagonal } from "./shape-more.js";

/** An operand with one label per axis (letters, or "…k" for the k-th broadcast axis from the left). */
interface Term {
  x: Tensor;
  labels: string[];
}

function parseTerm(spec: string, t: string, what: string): { labels: string[]; ellipsis: number } {
  const labels: string[] = [];
  let ellipsis = -1;
  for (let i = 0; i < t.length; i++) {
    if (t.startsWith("...", i)) {
      if (ellipsis >= 0) throw new ArgumentError(`einsum: "${spec}": ${what} has more than one "..."`);
      ellipsis = labels.length;
      i += 2;
      continue;
    }
    const c = t[i];
    if (!/[a-zA-Z]/.test(c)) throw new ArgumentError(`einsum: "${spec}": invalid subscript ${JSON.stringify(c)} in ${what} (letters and "..." only)`);
    labels.push(c);
  }
  return { labels, ellipsis };
}

function ellipsisLabels(k: number, total: number): string[] {
  return Array.from({ length: k }, (_, i) => `…${total - k + i}`);
}

/**
 * Einstein summation over `operands` by the subscripts in `spec` (PyTorch's einsum): "ij,jk->ik"
 * is a matrix product, "bij,bjk->bik" a batched one, "ii->i" a diagonal, "ii" a trace, "ij->"
 * a sum; without "->" the output holds the subscripts used once, in alphabetical order.
 * "..." broadcasts. Contractions run as batched matmuls.
 * @example tg.einsum("bij,bjk->bik", a, b)
 */
export function einsum(spec: string, ...operands: Tensor[]): Tensor {
  if (typeof spec !== "string") throw new ArgumentError("einsum: the first argument must be the subscript string");
  const s = spec.replace(/\s+/g, "");
  const arrow = s.indexOf("->");
  const lhs = arrow >= 0 ? s.slice(0, arrow) : s;
  const parts = lhs.split(",");
  if (parts.length !== operands.length)
    throw new ArgumentError(`einsum: "${spec}" names ${parts.length} operand${parts.length === 1 ? "" : "s"} but ${operands.length} ${operands.length === 1 ? "was" : "were"} given`);
  const parsed = parts.map((p, i) => parseTerm(spec, p, `operand ${i}`));
  // ranks, and how many axes "..." covers in each operand
  let ell = 0;
  parsed.forEach((p, i) => {
    const x = operands[i];
    const named = p.labels.length;
    if (p.ellipsis < 0 ? x.ndim !== named : x.ndim < named)
      throw new ShapeError(`einsum: "${spec}": operand ${i} has shape ${fmtShape(x.shape)} (rank ${x.ndim}) but its subscripts "${parts[i]}" name ${named} ax${named === 1 ? "is" : "es"}${p.ellipsis >= 0 ? " plus \"...\"" : ""}`);
    if (p.ellipsis >= 0) ell = Math.max(ell, x.ndim - named);
  });
  const dtype = operands[0]?.dtype;
  for (const x of operands)
    if (x.dtype !== dtype) throw new DTypeError(`einsum: operands must share one dtype, got ${operands.map((t) => `${t.dtype}${fmtShape(t.shape)}`).join(", ")}`);
  const terms: Term[] = parsed.map((p, i) => {
    const x = operands[i];
    if (p.ellipsis < 0) return { x, labels: p.labels };
    const k = x.ndim - p.labels.length;
    return { x, labels: [...p.labels.slice(0, p.ellipsis), ...ellipsisLabels(k, ell), ...p.labels.slice(p.ellipsis)] };
  });
  // the output's labels
  let out: string[];
  if (arrow >= 0) {
    const o = parseTerm(spec, s.slice(arrow + 2), "the output");
    // an output without "..." sums the broadcast axes, as PyTorch does
    out = o.ellipsis < 0 ? o.labels : [...o.labels.slice(0, o.ellipsis), ...ellipsisLabels(ell, ell), ...o.labels.slice(o.ellipsis)];
    const seen = new Set<string>();
    for (const l of o.labels) {
      if (seen.has(l)) throw new ArgumentError(`einsum: "${spec}": output subscript ${l} appears more than once`);
      seen.add(l);
      if (!parsed.some((p) => p.labels.includes(l))) throw new ArgumentError(`einsum: "${spec}": output subscript ${l} does not appear in any operand`);
    }
  } else {
    const count = new Map<string, number>();
    for (const p of parsed) for (const l of p.labels) count.set(l, (count.get(l) ?? 0) + 1);
    out = [...ellipsisLabels(ell, ell), ...[...count].filter(([, c]) => c === 1).map(([l]) => l).sort()];
  }
  // every label's size (size-1 axes broadcast)
  const size = new Map<string, number>();
  terms.forEach((t, i) =>
    t.labels.forEach((l, a) => {
      const d = t.x.shape[a];
      const prev = size.get(l);
      if (prev === undefined || prev === 1) size.set(l, d);
      else if (d !== 1 && d !== prev)
        throw new ShapeError(`einsum: "${spec}": subscript ${l.startsWith("…") ? '"..."' : l} has size ${prev} in one operand but ${d} in operand ${i} ${fmtShape(t.x.shape)}`);
    }),
  );
  const prepared = terms.map((t) => takeDiagonals(t));
  const needed = (from: number) => new Set([...out, ...prepared.slice(from).flatMap((t) => t.labels)]);
  let acc = sumUnneeded(prepared[0], needed(1));
  for (let i = 1; i < prepared.length; i++) {
    const next = sumUnneeded(prepared[i], new Set([...needed(i + 1), ...acc.labels]));
    acc = sumUnneeded(contract(acc, next, needed(i + 1), size), needed(i + 1));
  }
  acc = sumUnneeded(acc, new Set(out));
  // broadcast size-1 axes to the output's sizes, then order them
  const x = permute(acc.x, out.map((l) => acc.labels.indexOf(l)));
  const target = out.map((l) => size.get(l)!);
  return x.shape.every((d, i) => d === target[i]) ? x : expand(x, target);
}

/** Repeated labels within one operand become one axis: their diagonal. */
function takeDiagonals(t: Term): Term {
  let { x, labels } = t;
  for (;;) {
    const dup = labels.findIndex((l, i) => labels.indexOf(l) !== i);
    if (dup < 0) return { x, labels };
    const first = labels.indexOf(labels[dup]);
    const l = labels[dup];
    const [a, b] = [x.shape[first], x.shape[dup]];
    if (a !== b) throw new ShapeError(`einsum: subscript ${l} repeated in one operand with sizes ${a} and ${b} (shape ${fmtShape(x.shape)})`);
    x = diagonal(x, { axis1: first, axis2: dup });
    labels = [...labels.filter((_, i) => i !== first && i !== dup), l];
  }
}

function sumUnneeded(t: Term, keep: Set<string>): Term {
  const drop = t.labels.flatMap((l, i) => (keep.has(l) ? [] : [i]));
  if (!drop.length) return t;
  return { x: sum(t.x, drop), labels: t.labels.filter((l) => keep.has(l)) };
}

/** One pairwise contraction as a batched matmul: [batch, only a, shared] @ [batch, shared, only b]. */
function contract(a: Term, b: Term, keep: Set<string>, size: Map<string, number>): Term {
  const inB = new Set(b.labels);
  const inA = new Set(a.labels);
  const batch = a.labels.filter((l) => inB.has(l) && keep.has(l));
  const shared = a.labels.filter((l) => inB.has(l) && !keep.has(l));
  const onlyA = a.labels.filter((l) => !inB.has(l));
  const onlyB = b.labels.filter((l) => !inA.has(l));
  const dims = (ls: string[]) => ls.map((l) => size.get(l)!);
  const arrange = (t: Term, order: string[]) => {
    const p = permute(t.x, order.map((l) => t.labels.indexOf(l)));
    // axes shared with the other side broadcast to the common size
    const target = order.map((l, i) => (p.shape[i] === 1 && (batch.includes(l) || shared.includes(l)) ? size.get(l)! : p.shape[i]));
    return target.every((d, i) => d === p.shape[i]) ? p : expand(p, target);
  };
  const own = (t: Term, ls: string[]) => ls.map((l) => t.x.shape[t.labels.indexOf(l)]);
  const A = reshape(arrange(a, [...batch, ...onlyA, ...shared]), [sizeOf(dims(batch)), sizeOf(own(a, onlyA)), sizeOf(dims(shared))]);
  const B = reshape(arrange(b, [...batch, ...shared, ...onlyB]), [sizeOf(dims(batch)), sizeOf(dims(shared)), sizeOf(own(b, onlyB))]);
  const y = matmul(A, B);
  const shape = [...dims(batch), ...own(a, onlyA), ...own(b, onlyB)];
  return { x: reshape(y, shape), labels: [...batch, ...onlyA, ...onlyB] };
}
