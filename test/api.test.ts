// The API's conventions: PyTorch's argument order for indexing, `.T`/`.mT`, `requiresGrad` as
// a boolean property with a setter method, `expand` with −1, one name for `var`.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../src/index.js";

const idx = (v: number[] | number[][]) => tg.tensor(v, { dtype: "int32" });

test(".T reverses all axes and .mT swaps the last two, as in NumPy and PyTorch", () => {
  const x = tg.arange(0, 24).reshape([2, 3, 4]);
  assert.deepEqual(x.T.shape, [4, 3, 2]);
  assert.deepEqual(x.T.toArray(), tg.permute(x, [2, 1, 0]).toArray());
  assert.deepEqual(x.mT.shape, [2, 4, 3]);
  assert.deepEqual(x.mT.toArray(), tg.transpose(x, -2, -1).toArray());
  assert.deepEqual(tg.tensor([1, 2, 3]).T.toArray(), [1, 2, 3]);
  assert.equal(tg.scalar(5).T.item(), 5);
});

test("requiresGrad is a boolean property; setRequiresGrad marks a leaf and chains", () => {
  const w = tg.randn([2]);
  assert.equal(w.requiresGrad, false);
  assert.equal(w.setRequiresGrad(), w);
  assert.equal(w.requiresGrad, true);
  const y = w.mul(2);
  assert.equal(y.requiresGrad, true);
  assert.throws(() => y.setRequiresGrad(false), /setRequiresGrad\(false\): this tensor is the result of a computation/);
  w.requiresGrad = false;
  assert.equal(w.requiresGrad, false);
  w.requiresGrad = true;
  w.sum().backward();
  assert.deepEqual(w.grad!.toArray(), [1, 1]);
  assert.throws(() => ((w as unknown as { requiresGrad: unknown }).requiresGrad = "yes"), /requiresGrad: expected a boolean/);
  assert.throws(() => tg.tensor([1], { dtype: "int32" }).setRequiresGrad(), tg.DTypeError);
});

test("indexing functions take (x, axis, index[, src]) in PyTorch's order", () => {
  const x = tg.tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(tg.gather(x, 1, idx([[2, 0], [1, 1]])).toArray(), [[3, 1], [5, 5]]);
  assert.deepEqual(x.gather(1, idx([[2], [0]])).toArray(), [[3], [4]]);
  assert.deepEqual(tg.indexSelect(x, 1, [2, 0]).toArray(), [[3, 1], [6, 4]]);
  // scatter_add / index_add are out of place and add into x, as torch's do
  assert.deepEqual(tg.scatterAdd(tg.ones([1, 3]), 1, idx([[0, 2, 2]]), tg.tensor([[1, 2, 3]])).toArray(), [[2, 1, 6]]);
  assert.deepEqual(tg.indexAdd(tg.ones([3]), 0, [2, 2], tg.tensor([1, 2])).toArray(), [1, 1, 4]);
  assert.deepEqual(x.indexAdd(0, [1], tg.tensor([[10, 10, 10]])).toArray(), [[1, 2, 3], [14, 15, 16]]);
  // the old order is refused with a message naming the new one
  assert.throws(() => (tg.gather as unknown as (...a: unknown[]) => unknown)(x, idx([[0]]), 1), /gather: expected \(x: Tensor, axis: number, index: Tensor\)/);
  assert.throws(() => tg.scatterAdd(tg.zeros([2, 3]), 1, idx([[0]]), tg.ones([2, 2])), /scatterAdd: index \[1,1\] does not match src \[2,2\]/);
  assert.throws(() => tg.indexAdd(tg.zeros([2, 3]), 0, [0], tg.ones([1, 2])), /indexAdd: src \[1,2\] and x \[2,3\] differ along axis 1/);
  // gradients flow to x and src
  const [gx, gs] = tg.grad((a: tg.Tensor, s: tg.Tensor) => tg.scatterAdd(a, 0, idx([1, 1]), s).mul(tg.tensor([1, 2, 3])).sum(), { argnums: [0, 1] })(tg.zeros([3]), tg.ones([2]));
  assert.deepEqual(gx.toArray(), [1, 2, 3]);
  assert.deepEqual(gs.toArray(), [2, 2]);
});

test("expand is PyTorch's (−1 keeps an axis); broadcastTo is NumPy's; var has one name", () => {
  assert.deepEqual(tg.zeros([3, 1]).expand([-1, 4]).shape, [3, 4]);
  assert.deepEqual(tg.expand(tg.zeros([3, 1]), [2, -1, 4]).shape, [2, 3, 4]);
  assert.throws(() => tg.expand(tg.zeros([3]), [-1, 3]), /expand: -1 is not allowed for the new leading axis 0/);
  assert.throws(() => tg.broadcastTo(tg.zeros([3, 1]), [-1, 4]));
  assert.equal("variance" in tg, false);
  assert.ok(Math.abs(tg.var(tg.tensor([1, 2, 3, 4])).item() - 5 / 3) < 1e-6);
  assert.ok(Math.abs(tg.tensor([1, 2, 3, 4]).var().item() - 5 / 3) < 1e-6);
});

test("softmax with no axis normalises the last axis (docs and code agree)", () => {
  const x = tg.tensor([[1, 2], [3, 5]]);
  assert.deepEqual(tg.softmax(x).toArray(), tg.softmax(x, 1).toArray());
});

test("tensor takes its dtype as a name or in options, like the other creation functions; anything else is refused", () => {
  assert.equal(tg.tensor([11], "int32").dtype, "int32");
  assert.deepEqual(tg.tensor([11], "int32").pow(7).toArray(), [19487171]);
  assert.equal(tg.tensor([1, 0], "bool").dtype, "bool");
  assert.equal(tg.tensor([1], { dtype: "float64" }).dtype, "float64");
  assert.throws(() => tg.tensor([1], "int64" as never), (e: Error) => e.name === "DTypeError" && /tensor: unknown dtype 'int64'/.test(e.message));
  assert.throws(() => tg.tensor([1], 3 as never), (e: Error) => e.name === "ArgumentError" && /tensor: the second argument/.test(e.message));
});

test("matmul of a batch by a matrix runs as one product over all rows, with the batched result and gradients", () => {
  const g = tg.random.generator(3);
  const x = tg.randn([3, 4, 5], { generator: g, dtype: "float64" });
  const w = tg.randn([5, 2], { generator: g, dtype: "float64" });
  // the traced graph holds one 2-D product, not a batch of three
  const graph = tg.trace((d: Record<string, tg.Tensor>) => tg.matmul(d.x, d.w), { x, w });
  const prods = graph.nodes.filter((n) => "op" in n && n.op === "matmul");
  assert.equal(prods.length, 1);
  assert.deepEqual((prods[0] as { shape: number[] }).shape, [12, 2], "one [12, 5] @ [5, 2] product");
  const y = tg.matmul(x, w);
  assert.deepEqual(y.shape, [3, 4, 2]);
  for (let b = 0; b < 3; b++) assert.deepEqual(y.index([b]).toArray(), tg.matmul(x.index([b]), w).toArray(), `batch ${b}`);
  // the weight's gradient is one product over the 12 rows: Σ_b x_bᵀ·1
  const gw = tg.grad((ww: tg.Tensor) => tg.matmul(x, ww).sum())(w);
  const want = [0, 1, 2].map((b) => tg.matmul(x.index([b]).mT, tg.ones([4, 2], "float64"))).reduce((a, c) => a.add(c));
  const d = gw.sub(want).abs().max().item();
  assert.ok(d < 1e-12, `weight gradient off by ${d}`);
  // a batch that is a transposed view cannot merge its rows without a copy: it stays batched, same values
  const xt = tg.randn([4, 3, 5], { generator: g, dtype: "float64" }).transpose(0, 1);
  const yt = tg.matmul(xt, w);
  for (let b = 0; b < 3; b++) assert.deepEqual(yt.index([b]).toArray(), tg.matmul(xt.index([b]), w).toArray(), `transposed batch ${b}`);
});
