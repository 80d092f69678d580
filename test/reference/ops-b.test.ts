// Scans, sorting, shape and indexing operations against PyTorch 1.13 in float64: values and
// gradients on random inputs of several shapes (0-d, size-1 and empty axes, negative axes) and at
// edge values (ties, ±inf, NaN, zeros). The reference is written by make-ops-b-reference.py
// (ops-b.json, committed; CI does not run Python). Each case's gradient is that of Σₖ cₖ·outₖ
// with c = 1, 2, 3, … over each float output. Values and gradients agree to 1e-12 relative plus
// 1e-13 absolute; ±inf and NaN must match exactly; int32 indices exactly.
//
// Deliberate differences from PyTorch (not cases here, tested in test/ops-b.test.ts):
// - integer results are int32 (PyTorch's int64), and cumsum/cumprod of int32 stay int32;
// - topk breaks ties by position (earlier first); PyTorch leaves their order open, so the
//   reference's topk inputs have no ties;
// - scatter with repeated indices keeps the last write in row-major order (PyTorch: unspecified),
//   and only that write's source gets a gradient (PyTorch credits every duplicate);
// - negative indices count from the end in scatter (torch.scatter refuses them);
// - x.index([1, null, j]) follows NumPy: the number is an advanced index like j, and the two
//   are not adjacent, so the broadcast axes come first (torch applies the number first as a
//   basic index); the generator spells that case with a broadcast index tensor.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as tg from "../../src/index.js";

type Num = number | boolean | "inf" | "-inf" | "nan";
interface Described {
  dtype: "float64" | "int32" | "bool";
  shape: number[];
  data: Num[];
}
interface Case {
  op: string;
  inputs: Described[];
  outputs: Described[];
  grads: Described[] | null;
}

const ref = JSON.parse(readFileSync(new URL("./ops-b.json", import.meta.url), "utf8")) as { torch: string; cases: Case[] };

type Op = (...xs: tg.Tensor[]) => tg.Tensor | tg.Tensor[];
const I = (xs: number[]) => tg.tensor(xs, { dtype: "int32" });

// The same names as OPS in make-ops-b-reference.py.
const OPS: Record<string, Op> = {
  "cumsum(0)": (x) => tg.cumsum(x, 0),
  "cumsum(1)": (x) => tg.cumsum(x, 1),
  "cumsum(-1)": (x) => x.cumsum(-1),
  "cumsum(-2)": (x) => tg.cumsum(x, -2),
  "cumprod(0)": (x) => tg.cumprod(x, 0),
  "cumprod(1)": (x) => tg.cumprod(x, 1),
  "cumprod(-1)": (x) => x.cumprod(-1),
  "logcumsumexp(0)": (x) => tg.logcumsumexp(x, 0),
  "logcumsumexp(-1)": (x) => x.logcumsumexp(-1),
  "logcumsumexp(1)": (x) => tg.logcumsumexp(x, 1),
  "cummax(0)": (x) => tg.cummax(x, 0),
  "cummax(-1)": (x) => x.cummax(-1),
  "cummin(0)": (x) => tg.cummin(x, 0),
  "cummin(1)": (x) => x.cummin(1),
  sort: (x) => tg.sort(x),
  "sort(0)": (x) => x.sort(0, { stable: true }),
  "sort(-1, descending)": (x) => tg.sort(x, -1, { descending: true }),
  "argsort(0)": (x) => tg.argsort(x, 0),
  "argsort(-1, descending)": (x) => x.argsort(-1, { descending: true }),
  "topk(2)": (x) => tg.topk(x, 2),
  "topk(1, 0)": (x) => x.topk(1, 0),
  "topk(3, -1, smallest)": (x) => tg.topk(x, 3, -1, { largest: false }),
  "topk(0)": (x) => tg.topk(x, 0),
  median: (x) => tg.median(x),
  "median(1)": (x) => tg.median(x, 1),
  "median(-1, keepdim)": (x) => tg.median(x, -1, { keepdims: true }),
  "quantile(0.3)": (x) => tg.quantile(x, 0.3),
  "quantile([0.25, 0.5, 1], 1)": (x) => tg.quantile(x, [0.25, 0.5, 1], 1),
  tril: (x) => tg.tril(x),
  "tril(-1)": (x) => x.tril(-1),
  "triu(1)": (x) => tg.triu(x, 1),
  "triu(-2)": (x) => x.triu(-2),
  diag: (x) => tg.diag(x),
  "diag(1)": (x) => x.diag(1),
  "diag(-2)": (x) => tg.diag(x, -2),
  diagonal: (x) => tg.diagonal(x),
  "diagonal(1, 0, 2)": (x) => tg.diagonal(x, { offset: 1, axis1: 0, axis2: 2 }),
  "diagonal(-1, -1, -2)": (x) => x.diagonal({ offset: -1, axis1: -1, axis2: -2 }),
  "roll(1)": (x) => tg.roll(x, 1),
  "roll(-2, 1)": (x) => x.roll(-2, 1),
  "roll([1, 5], [0, -1])": (x) => tg.roll(x, [1, 5], [0, -1]),
  "flip([0])": (x) => tg.flip(x, [0]),
  "flip([0, -1])": (x) => x.flip([0, -1]),
  "tile([2])": (x) => tg.tile(x, [2]),
  "tile([2, 1, 3])": (x) => x.tile([2, 1, 3]),
  "repeat([2, 3])": (x) => x.repeat([2, 3]),
  "repeat([2, 1, 2])": (x) => tg.repeat(x, [2, 1, 2]),
  "repeatInterleave(2)": (x) => tg.repeatInterleave(x, 2),
  "repeatInterleave(3, 1)": (x) => x.repeatInterleave(3, 1),
  "repeatInterleave([1, 0, 2], 0)": (x) => tg.repeatInterleave(x, [1, 0, 2], 0),
  "chunk(2)": (x) => tg.chunk(x, 2),
  "chunk(3, -1)": (x) => x.chunk(3, -1),
  "unbind(1)": (x) => tg.unbind(x, 1),
  "movedim(0, -1)": (x) => tg.movedim(x, 0, -1),
  "movedim([0, 1], [2, 0])": (x) => x.movedim([0, 1], [2, 0]),
  "meshgrid ij": (a, b) => tg.meshgrid(a, b),
  "meshgrid xy": (a, b, c) => tg.meshgrid([a, b, c], { indexing: "xy" }),
  "einsum ij,jk->ik": (a, b) => tg.einsum("ij,jk->ik", a, b),
  "einsum bij,bjk->bik": (a, b) => tg.einsum("bij,bjk->bik", a, b),
  "einsum ii->i": (a) => tg.einsum("ii->i", a),
  "einsum ii": (a) => tg.einsum("ii", a),
  "einsum ij->": (a) => tg.einsum("ij->", a),
  "einsum ij->ji": (a) => tg.einsum("ij->ji", a),
  "einsum i,j->ij": (a, b) => tg.einsum("i,j->ij", a, b),
  "einsum i,i->": (a, b) => tg.einsum("i,i->", a, b),
  "einsum bhqd,bhkd->bhqk": (a, b) => tg.einsum("bhqd,bhkd->bhqk", a, b),
  "einsum ...ij,...jk->...ik": (a, b) => tg.einsum("...ij,...jk->...ik", a, b),
  "einsum ij,jk,kl->il": (a, b, c) => tg.einsum("ij,jk,kl->il", a, b, c),
  "einsum iij,jk": (a, b) => tg.einsum("iij,jk", a, b),
  "einsum bn,anm,bm->ba": (a, b, c) => tg.einsum("bn,anm,bm->ba", a, b, c),
  "einsum i...->...": (a) => tg.einsum("i...->...", a),
  "einsum ...ij->ij": (a) => tg.einsum("...ij->ij", a),
  "einsum i...->i": (a) => tg.einsum("i...->i", a),
  "einsum ij,ij->ij": (a, b) => tg.einsum("ij,ij->ij", a, b),
  "einsum bij,bjk": (a, b) => tg.einsum("bij,bjk", a, b),
  "einsum b i j , b j k -> b i k": (a, b) => tg.einsum("b i j , b j k -> b i k", a, b),
  "einsum Ab,bC->CA": (a, b) => tg.einsum("Ab,bC->CA", a, b),
  "scatter(1)": (x, i, s) => tg.scatter(x, 1, i, s),
  "scatter(0)": (x, i, s) => x.scatter(0, i, s),
  "scatter(-1, 2.5)": (x, i) => tg.scatter(x, -1, i, 2.5),
  "maskedFill(-inf)": (x, m) => tg.maskedFill(x, m, -Infinity),
  "maskedFill(3)": (x, m) => x.maskedFill(m, 3),
  "maskedFill(tensor)": (x, m, v) => tg.maskedFill(x, m, v),
  maskedSelect: (x, m) => tg.maskedSelect(x, m),
  nonzero: (x) => tg.nonzero(x),
  "index [i]": (x, i) => x.index([i]),
  "index [null, i]": (x, i) => tg.index(x, [null, i]),
  "index [i, j]": (x, i, j) => x.index([i, j]),
  "index [null, i, j]": (x, i, j) => x.index([null, i, j]),
  "index [i, null, j]": (x, i, j) => x.index([i, null, j]),
  "index [1, null, j]": (x, j) => x.index([1, null, j]),
  "index [null, 1, j]": (x, j) => x.index([null, 1, j]),
  "index [-1, 0]": (x) => x.index([-1, 0]),
  "scatter(0) of 0-d": (x, i, s) => tg.scatter(x, 0, i, s),
  "topk(1) of 0-d": (x) => tg.topk(x, 1),
  "diagonal(0, 2, 0)": (x) => tg.diagonal(x, { axis1: 2, axis2: 0 }),
};
void I;

const decode = (v: Num): number => (v === "inf" ? Infinity : v === "-inf" ? -Infinity : v === "nan" ? NaN : Number(v));

function build(d: Described): tg.Tensor {
  return tg.tensor(d.data.map(decode), { dtype: d.dtype, shape: d.shape });
}

function sameNumber(actual: number, expected: number): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= 1e-12 * Math.abs(expected) + 1e-13;
}

function compare(actual: tg.Tensor, expected: Described, what: string): void {
  assert.equal(actual.dtype, expected.dtype, `${what}: dtype`);
  assert.deepEqual([...actual.shape], expected.shape, `${what}: shape`);
  const a = Array.from(actual.data(), Number);
  const e = expected.data.map(decode);
  a.forEach((v, i) => assert.ok(sameNumber(v, e[i]), `${what}[${i}]: ${v}, torch ${e[i]} (all: [${a.join(", ")}] vs [${e.join(", ")}])`));
}

const seen = new Map<string, number>();
for (const c of ref.cases) {
  const k = seen.get(c.op) ?? 0;
  seen.set(c.op, k + 1);
  const key = `${c.op} #${k}`;
  test(`ops-b reference, ${key}: ${c.inputs.map((d) => `${d.dtype}[${d.shape.join(",")}]`).join(", ")}`, () => {
    const op = OPS[c.op];
    assert.ok(op, `no tensorgrad op for ${c.op}`);
    const inputs = c.inputs.map(build);
    const result = op(...inputs);
    const outs = Array.isArray(result) ? result : [result];
    assert.equal(outs.length, c.outputs.length, `${key}: number of outputs`);
    outs.forEach((o, i) => compare(o, c.outputs[i], `${key} output ${i}`));
    if (!c.grads) return;
    const wrt = inputs.flatMap((x, i) => (x.dtype === "float64" ? [i] : []));
    const loss = (...xs: tg.Tensor[]) => {
      const all = inputs.map((x, i) => (wrt.includes(i) ? xs[wrt.indexOf(i)] : x));
      const r = op(...all);
      const os = (Array.isArray(r) ? r : [r]).filter((o) => o.dtype === "float64");
      let total = tg.scalar(0, "float64");
      for (const o of os) total = total.add(o.mul(tg.arange(1, o.size + 1, 1, { dtype: "float64" }).reshape(o.shape)).sum());
      return total;
    };
    const gs = tg.grad(loss, { argnums: wrt.map((_, i) => i) })(...wrt.map((i) => inputs[i]));
    const list = Array.isArray(gs) ? gs : [gs];
    list.forEach((g, i) => compare(g, c.grads![i], `${key} gradient ${i}`));
  });
}

test("ops-b reference: every op of the table has cases", () => {
  for (const name of Object.keys(OPS)) assert.ok(ref.cases.some((c) => c.op === name), `no reference case for ${name}`);
});
