// Scans, sorting, more shape and indexing operations, einsum and multinomial: behaviour that the
// PyTorch reference (test/reference/ops-b.test.ts) does not cover — typed errors for bad input,
// refusal inside traces, compiled runs agreeing with eager ones, einsum's lowering to matmul,
// the statistics of multinomial draws, and the deliberate differences from PyTorch.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../src/index.js";

const I = (xs: number[] | number[][], shape?: number[]) =>
  tg.tensor(xs as number[], shape ? { dtype: "int32", shape } : { dtype: "int32" });
const f64 = (xs: number[] | number[][]) => tg.tensor(xs as number[], { dtype: "float64" });
const arr = (t: tg.Tensor) => Array.from(t.data(), Number);
const gen = tg.random.generator(7);
const r = (shape: number[]) => tg.rand(shape, { generator: gen, dtype: "float64" }).mul(4).sub(2);

function throwsTyped(f: () => unknown, name: string, ...patterns: RegExp[]): void {
  assert.throws(f, (e: Error) => {
    assert.equal(e.name, name, e.message);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

test("tril and maskedFill build a causal attention mask: each row's softmax covers only the past", () => {
  const T = 4;
  const scores = r([2, T, T]);
  const causal = tg.tril(tg.ones([T, T], "bool"));
  const p = tg.softmax(tg.maskedFill(scores, causal.eq(false), -Infinity), -1);
  const d = arr(p);
  for (let b = 0; b < 2; b++)
    for (let i = 0; i < T; i++) {
      let s = 0;
      for (let j = 0; j < T; j++) {
        const v = d[(b * T + i) * T + j];
        if (j > i) assert.equal(v, 0, `future position ${j} of row ${i}`);
        s += v;
      }
      assert.ok(Math.abs(s - 1) < 1e-12);
    }
  // tril keeps bool and int dtypes
  assert.equal(causal.dtype, "bool");
  assert.deepEqual(tg.triu(I([[1, 2], [3, 4]])).toArray(), [[1, 2], [0, 4]]);
});

test("the operations a language model needs run inside tg.jit and agree with eager", () => {
  const f = (x: tg.Tensor) => {
    const masked = tg.maskedFill(x, tg.triu(tg.ones([3, 3], "bool"), 1), -1e9);
    const [v, i] = tg.topk(masked, 2);
    const [s] = tg.sort(x, 0, { descending: true });
    return [
      tg.cumsum(v, -1), i, tg.tril(x, -1), s, tg.cumprod(x, 1), tg.logcumsumexp(x, 0), tg.cummax(x, 1)[0],
      x.index([I([2, -1]), I([0, 1])]), tg.scatter(x, 1, I([[2], [0], [-1]]), 7), tg.einsum("ij,jk->ik", x, x),
      tg.roll(tg.flip(x, [1]), 1, 0), tg.diagonal(x, { offset: 1 }), tg.repeatInterleave(x, [1, 0, 2], 0),
    ];
  };
  const x = r([3, 3]);
  const eager = f(x);
  const compiled = tg.jit(f)(x) as tg.Tensor[];
  eager.forEach((e, k) => {
    assert.equal(compiled[k].dtype, e.dtype);
    assert.deepEqual(arr(compiled[k]), arr(e), `output ${k}`);
  });
});

test("topk: k larger than the axis, or not an integer, is an ArgumentError naming op, axis and shape", () => {
  const x = tg.zeros([2, 3]);
  throwsTyped(() => tg.topk(x, 4), "ArgumentError", /^topk:/, /k = 4/, /size 3/, /\[2,3\]/);
  throwsTyped(() => tg.topk(x, 1.5, 0), "ArgumentError", /^topk:/);
  throwsTyped(() => tg.topk(x, 1, 2), "ArgumentError", /^topk: axis 2 is out of range/);
  throwsTyped(() => tg.sort(tg.tensor([true, false])), "DTypeError", /^sort:/, /bool/);
});

test("topk: ties go to the earlier position (PyTorch leaves their order open); gradients follow the indices", () => {
  const x = f64([1, 2, 2, 2, 0]);
  const [v, i] = tg.topk(x, 2);
  assert.deepEqual(arr(v), [2, 2]);
  assert.deepEqual(arr(i), [1, 2]);
  assert.deepEqual(arr(tg.grad((z: tg.Tensor) => tg.topk(z, 2)[0].mul(f64([10, 1])).sum())(x)), [0, 10, 1, 0, 0]);
  // a stable sort keeps ties in input order both ways
  assert.deepEqual(arr(tg.argsort(x, -1, { descending: true })), [1, 2, 3, 0, 4]);
});

test("einsum: contractions run as one batched matmul, never a broadcast product", () => {
  const ops = (spec: string, ...shapes: number[][]) => {
    const names = shapes.map((_, i) => `x${i}`);
    const inputs = Object.fromEntries(shapes.map((s, i) => [names[i], tg.ones(s, "float64")]));
    const g = tg.trace((d: Record<string, tg.Tensor>) => tg.einsum(spec, ...names.map((n) => d[n])), inputs);
    return g.nodes.flatMap((n) => ("op" in n && n.op ? [n.op as string] : []));
  };
  for (const [spec, shapes] of [
    ["bij,bjk->bik", [[2, 3, 4], [2, 4, 5]]],
    ["bhqd,bhkd->bhqk", [[2, 2, 3, 4], [2, 2, 5, 4]]],
    ["ij,jk->ik", [[3, 4], [4, 2]]],
    ["i,i->", [[5], [5]]],
  ] as const) {
    const used = ops(spec, ...(shapes as unknown as number[][]));
    assert.equal(used.filter((o) => o === "matmul").length, 1, `${spec}: ${used.join(", ")}`);
    assert.ok(!used.includes("mul") && !used.includes("sum"), `${spec}: ${used.join(", ")}`);
  }
  assert.deepEqual(ops("ij,jk,kl->il", [2, 3], [3, 4], [4, 2]).filter((o) => o === "matmul").length, 2);
});

test("einsum: bad specs are typed errors naming einsum, the spec and the shapes", () => {
  const a = tg.zeros([2, 3]);
  throwsTyped(() => tg.einsum("ijk,jk->ik", a, tg.zeros([3, 4])), "ShapeError", /^einsum:/, /"ijk"/, /\[2,3\]/, /rank 2/);
  throwsTyped(() => tg.einsum("ij,jk->ik", a), "ArgumentError", /^einsum:/, /2 operands/, /1 was given/);
  throwsTyped(() => tg.einsum("ij,jk->ik", a, tg.zeros([4, 5])), "ShapeError", /^einsum:/, /subscript j/, /size 3/, /4/);
  throwsTyped(() => tg.einsum("ij->iz", a), "ArgumentError", /^einsum:/, /z does not appear/);
  throwsTyped(() => tg.einsum("i1->i", tg.zeros([2])), "ArgumentError", /^einsum:/, /invalid subscript/);
  throwsTyped(() => tg.einsum("ij,jk", a, tg.zeros([3, 2], "float64")), "DTypeError", /^einsum:/, /float32/, /float64/);
});

test("index dtype errors: float or bool indices are DTypeErrors naming the op", () => {
  const x = tg.zeros([3, 4]);
  throwsTyped(() => tg.scatter(x, 1, tg.zeros([3, 1]), tg.ones([3, 1])), "DTypeError", /^scatter: index must be int32, got float32\[3,1\]/);
  throwsTyped(() => x.index([tg.tensor([0.5])]), "DTypeError", /^index: index 0 must be an int32 tensor, got float32\[1\]/);
  throwsTyped(() => x.index([tg.tensor([true, false, true])]), "DTypeError", /maskedSelect/);
  throwsTyped(() => x.index([0.5]), "ArgumentError", /^index:/);
  throwsTyped(() => x.index([null, null, null]), "ArgumentError", /^index: 3 indices for a tensor of rank 2/);
  throwsTyped(() => tg.scatter(x, 1, I([[0]]), tg.ones([1, 1], "float64")), "DTypeError", /^scatter: src is float64/);
});

test("mask errors: a mask that does not broadcast to x, or is not bool, names op, shapes and dtypes", () => {
  const x = tg.zeros([2, 3]);
  throwsTyped(() => tg.maskedFill(x, tg.ones([2], "bool"), 0), "ShapeError", /^maskedFill: mask \[2\] does not broadcast to input \[2,3\]/);
  // broadcasting the mask must not grow x (PyTorch refuses too)
  throwsTyped(() => tg.maskedFill(tg.zeros([3]), tg.ones([2, 3], "bool"), 0), "ShapeError", /^maskedFill:/, /\[2,3\]/);
  throwsTyped(() => tg.maskedFill(x, tg.ones([2, 3]), 0), "DTypeError", /^maskedFill: mask must be a bool tensor, got float32\[2,3\]/);
  throwsTyped(() => tg.maskedFill(x, tg.ones([3], "bool"), tg.ones([2])), "ShapeError", /^maskedFill: value must be a number or a 0-d tensor/);
  throwsTyped(() => tg.maskedSelect(x, tg.ones([4], "bool")), "ShapeError", /maskedSelect/);
});

test("maskedSelect and nonzero are eager only: inside tg.jit they raise a TraceError saying why", () => {
  const sel = tg.jit((x: tg.Tensor) => tg.maskedSelect(x, x.gt(0)));
  throwsTyped(() => sel(tg.ones([3])), "TraceError", /^maskedSelect/, /shape depends on the values/, /being traced/);
  const nz = tg.jit((x: tg.Tensor) => tg.nonzero(x));
  throwsTyped(() => nz(tg.ones([3])), "TraceError", /^nonzero/, /being traced/);
  // eager, the gradient of maskedSelect flows back to the selected entries
  const g = tg.grad((z: tg.Tensor) => tg.maskedSelect(z, tg.tensor([true, false, true])).mul(f64([2, 3])).sum())(f64([1, 1, 1]));
  assert.deepEqual(arr(g), [2, 0, 3]);
});

test("index: out-of-range indices raise an ArgumentError at the next read, naming index", () => {
  const x = tg.arange(12).reshape([3, 4]);
  throwsTyped(() => x.index([I([0, 3])]).data(), "ArgumentError", /index/);
  throwsTyped(() => x.index([I([0]), I([-5])]).data(), "ArgumentError", /index/);
  throwsTyped(() => tg.scatter(x, 1, I([[4]]), I([[1]])).data(), "ArgumentError", /^scatter: index 4 is out of range for size 4/);
  // numbers alone are basic indices; negative ones count from the end
  assert.deepEqual(x.index([-1]).toArray(), [8, 9, 10, 11]);
  assert.deepEqual(x.index([null, I([[0, -1]])]).shape, [3, 1, 2]);
});

test("scatter: repeated indices keep the last write in row-major order; only surviving writes get a gradient", () => {
  const x = f64([[0, 0, 0]]);
  const idx = I([[1, 1, 0]]);
  const src = f64([[5, 6, 7]]);
  assert.deepEqual(tg.scatter(x, 1, idx, src).toArray(), [[7, 6, 0]]);
  // negative indices count from the end (torch.scatter refuses them)
  assert.deepEqual(tg.scatter(x, 1, I([[-1]]), f64([[4]])).toArray(), [[0, 0, 4]]);
  // src's gradient is ḡ read at its target where its write survived (PyTorch credits every
  // duplicate, which disagrees with its forward map); x's is zero where written
  const [gx, gs] = tg.grad((a: tg.Tensor, s: tg.Tensor) => tg.scatter(a, 1, idx, s).mul(f64([[1, 2, 3]])).sum(), { argnums: [0, 1] })(x, src);
  assert.deepEqual(arr(gx), [0, 0, 3]);
  assert.deepEqual(arr(gs), [0, 2, 1]);
});

test("multinomial: seeded draws repeat; frequencies follow the unnormalised weights", () => {
  const w = tg.tensor([1, 0, 3, 6], { dtype: "float64" });
  const a = tg.multinomial(w, 5, { replacement: true, generator: tg.random.generator(3) });
  const b = tg.multinomial(w, 5, { replacement: true, generator: tg.random.generator(3) });
  assert.equal(a.dtype, "int32");
  assert.deepEqual(arr(a), arr(b));
  const n = 20000;
  const draws = arr(tg.multinomial(w, n, { replacement: true, generator: tg.random.generator(4) }));
  const counts = [0, 0, 0, 0];
  for (const d of draws) counts[d]++;
  assert.equal(counts[1], 0, "a zero weight is never drawn");
  // binomial standard deviation ≤ √(n/4) ≈ 71 counts; allow 5σ
  [0.1, 0, 0.3, 0.6].forEach((p, i) => assert.ok(Math.abs(counts[i] - p * n) < 355, `category ${i}: ${counts[i]} of ${n}`));
});

test("multinomial without replacement: distinct categories per row, 2-D rows independent", () => {
  const probs = tg.tensor([[0.2, 0.3, 0.5, 0], [1, 1, 1, 1]]);
  const out = tg.multinomial(probs, 3, { generator: tg.random.generator(5) });
  assert.deepEqual(out.shape, [2, 3]);
  const rows = out.toArray() as number[][];
  assert.deepEqual([...rows[0]].sort(), [0, 1, 2], "the zero-weight category is left out");
  assert.equal(new Set(rows[1]).size, 3);
  // as PyTorch: with the positive weights used up, the zero-weight categories come last
  for (let seed = 0; seed < 5; seed++) {
    const d = arr(tg.multinomial(tg.tensor([1, 0, 1, 0]), 4, { generator: tg.random.generator(seed) }));
    assert.deepEqual([...d.slice(0, 2)].sort(), [0, 2]);
    assert.deepEqual([...d.slice(2)].sort(), [1, 3]);
  }
  // the first draw without replacement follows the weights: category 2 (weight 0.5) about half the time
  let twos = 0;
  const g = tg.random.generator(6);
  for (let t = 0; t < 2000; t++) if (tg.multinomial(tg.tensor([0.2, 0.3, 0.5]), 2, { generator: g }).data()[0] === 2) twos++;
  assert.ok(Math.abs(twos - 1000) < 120, `${twos}`);
});

test("multinomial: bad weights and counts are ArgumentErrors; inside tg.jit it raises as random ops do", () => {
  const g = tg.random.generator(0);
  throwsTyped(() => tg.multinomial(tg.tensor([0.5, -0.1]), 1, { generator: g }), "ArgumentError", /^multinomial:/, /-0.1/, /non-negative/);
  throwsTyped(() => tg.multinomial(tg.tensor([0.5, NaN]), 1, { generator: g }), "ArgumentError", /^multinomial:/, /NaN/);
  throwsTyped(() => tg.multinomial(tg.tensor([[1, 1], [0, 0]]), 1, { generator: g }), "ArgumentError", /^multinomial: probs row 1 sums to 0/);
  throwsTyped(() => tg.multinomial(tg.tensor([1, 1]), 3, { generator: g }), "ArgumentError", /cannot draw 3 samples without replacement from 2/);
  throwsTyped(() => tg.multinomial(tg.ones([2, 2, 2]), 1, { generator: g }), "ArgumentError", /1-D or 2-D/);
  throwsTyped(() => tg.multinomial(tg.tensor([1, 2], { dtype: "int32" }), 1, { generator: g }), "DTypeError", /^multinomial:/, /int32/);
  const sample = tg.jit((p: tg.Tensor) => tg.multinomial(p, 1));
  throwsTyped(() => sample(tg.tensor([1, 1])), "TraceError", /random draw/, /being traced/);
});

test("scan edge cases: cumsum and cumprod of int32 stay int32 and wrap; bool counts as int32", () => {
  assert.deepEqual(tg.cumsum(I([2147483647, 1]), 0).toArray(), [2147483647, -2147483648]);
  assert.equal(tg.cumsum(tg.tensor([true, true, false]), 0).dtype, "int32");
  assert.deepEqual(tg.cumsum(tg.tensor([true, true, false]), 0).toArray(), [1, 2, 2]);
  throwsTyped(() => tg.logcumsumexp(I([1, 2]), 0), "DTypeError", /^logcumsumexp:/, /int32/);
  throwsTyped(() => tg.cumsum(tg.zeros([2]), 1), "ArgumentError", /^cumsum: axis 1 is out of range/);
  throwsTyped(() => tg.cumsum(tg.scalar(1), 1), "ArgumentError", /^cumsum: axis 1 is out of range for a 0-d tensor/);
});

test("cumprod's gradient is exact at zeros, forward and reverse, to second order", () => {
  const x = f64([2, 0, 3, 0.5]);
  const f = (z: tg.Tensor) => tg.cumprod(z, 0);
  const report = tg.gradcheck(f, [x]);
  assert.equal(report.passed, true, JSON.stringify(report));
  const second = tg.gradcheck((z: tg.Tensor) => tg.grad((y: tg.Tensor) => f(y).sin().sum())(z), [x]);
  assert.equal(second.passed, true, JSON.stringify(second));
});

test("shape operations: argument errors name the op", () => {
  throwsTyped(() => tg.tril(tg.zeros([3])), "ShapeError", /^tril: expected a tensor of rank ≥ 2, got shape \[3\]/);
  throwsTyped(() => tg.diag(tg.zeros([2, 2, 2])), "ShapeError", /^diag:/);
  throwsTyped(() => tg.diagonal(tg.zeros([2, 2]), { axis1: 1, axis2: -1 }), "ArgumentError", /^diagonal: axis1 and axis2 must differ/);
  throwsTyped(() => tg.repeat(tg.zeros([2, 2]), [2]), "ArgumentError", /^repeat:/, /rank 2/);
  throwsTyped(() => tg.repeatInterleave(tg.zeros([3]), [1, 2]), "ShapeError", /^repeatInterleave: 2 repeat counts for axis 0 of size 3/);
  throwsTyped(() => tg.roll(tg.zeros([3]), [1, 2], [0]), "ArgumentError", /^roll:/);
  throwsTyped(() => tg.meshgrid([tg.zeros([2, 2])]), "ShapeError", /^meshgrid:/);
  throwsTyped(() => tg.chunk(tg.zeros([3]), 0), "ArgumentError", /^chunk:/);
  // repeat counts may come as an int32 tensor (read eagerly)
  assert.deepEqual(tg.repeatInterleave(tg.tensor([1, 2]), I([2, 1])).toArray(), [1, 1, 2]);
});

test("median and quantile: NaN rows as PyTorch (NaN, the first NaN's index); quantile range checked", () => {
  const [v, i] = tg.median(f64([[3, NaN, 1, NaN], [4, 1, 2, 3]]), 1);
  assert.ok(Number.isNaN(arr(v)[0]));
  assert.deepEqual(arr(i), [1, 2]);
  assert.ok(Number.isNaN(tg.quantile(f64([1, NaN, 3]), 0.5).item()));
  throwsTyped(() => tg.quantile(f64([1, 2]), 1.5), "ArgumentError", /^quantile: q must lie in \[0, 1\]/);
  throwsTyped(() => tg.quantile(I([1, 2]), 0.5), "DTypeError", /^quantile:/);
});

test("sorting and topk agree with a plain stable sort on rows full of ties, ±inf and NaN", () => {
  const g = tg.random.generator(21);
  const pool = [0, -0, 1, 1, 2, -1, Infinity, -Infinity, NaN, 0.5];
  for (const n of [1, 5, 40, 200]) {
    const rows = 3;
    const data = Array.from({ length: rows * n }, () => pool[g.integer(0, pool.length)]);
    const x = tg.tensor(data, { dtype: "float64", shape: [rows, n] });
    for (const descending of [false, true]) {
      const got = arr(tg.argsort(x, -1, { descending }));
      for (let r0 = 0; r0 < rows; r0++) {
        const row = data.slice(r0 * n, (r0 + 1) * n);
        // NaN above everything; equal values (−0 = 0, NaN = NaN) keep input order
        const key = (v: number) => (Number.isNaN(v) ? Infinity : v);
        const rank = (a: number, b: number) => {
          const na = Number.isNaN(row[a]), nb = Number.isNaN(row[b]);
          if (na || nb) return na === nb ? 0 : na ? 1 : -1;
          return key(row[a]) - key(row[b]) || 0;
        };
        const expected = [...row.keys()].sort((a, b) => (descending ? rank(b, a) : rank(a, b)) || a - b);
        assert.deepEqual(got.slice(r0 * n, (r0 + 1) * n), expected, `n=${n} descending=${descending} row ${r0}: ${row.join(",")}`);
        for (const k of [1, Math.min(3, n), n]) {
          const [, ti] = tg.topk(x, k, -1, { largest: descending });
          assert.deepEqual(arr(ti).slice(r0 * k, (r0 + 1) * k), expected.slice(0, k), `topk k=${k} n=${n} largest=${descending}`);
        }
      }
    }
  }
});

test("cumprod along a long axis: the O(n) rules agree with PyTorch's formula at zeros and scale to long rows", () => {
  const n = 300;
  const data = Array.from({ length: n }, (_, i) => (i === 40 || i === 200 ? 0 : 1 + ((i * 37) % 11) / 100));
  const x = tg.tensor(data, { dtype: "float64" });
  const g = arr(tg.grad((z: tg.Tensor) => tg.cumprod(z, 0).sum())(x));
  // x̄ₖ = Σⱼ≥ₖ Πᵢ≤ⱼ,ᵢ≠ₖ xᵢ, summed directly
  const expected = data.map((_, k) => {
    let total = 0;
    let p = 1;
    for (let j = 0; j < n; j++) {
      if (j !== k) p *= data[j];
      if (j >= k) total += p;
    }
    return total;
  });
  g.forEach((v, k) => assert.ok(Math.abs(v - expected[k]) <= 1e-9 * (1 + Math.abs(expected[k])), `x̄[${k}] ${v} vs ${expected[k]}`));
  // a long batch stays O(n) in memory: 64 rows of 4096
  const big = tg.ones([64, 4096], "float64");
  assert.equal(tg.grad((z: tg.Tensor) => tg.cumprod(z, 1).sum())(big).shape[1], 4096);
});
