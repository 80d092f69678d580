// Composite operations have no rules of their own; their derivatives come from the primitives
// they are built from. Each is checked here with gradcheck (reverse and forward mode against
// central differences, float64), including second derivatives of the smooth ones.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../src/index.js";

const gen = tg.random.generator(11);
const r = (shape: number[], lo = -2, hi = 2) => tg.rand(shape, { generator: gen, dtype: "float64" }).mul(hi - lo).add(lo);

const composites: [string, (x: tg.Tensor) => tg.Tensor, tg.Tensor][] = [
  ["square", (x) => tg.square(x), r([3, 2])],
  ["reciprocal", (x) => tg.reciprocal(x), r([4], 0.5, 2)],
  ["gelu", (x) => tg.gelu(x), r([5])],
  ["gelu tanh", (x) => tg.gelu(x, { approximate: "tanh" }), r([5])],
  ["silu", (x) => tg.silu(x), r([5])],
  ["softplus", (x) => tg.softplus(x), r([5])],
  ["leakyRelu", (x) => tg.leakyRelu(x, 0.1), r([5])],
  ["clamp", (x) => tg.clamp(x, -0.5, 0.5), r([6])],
  ["mean", (x) => tg.mean(x, 1), r([3, 4])],
  ["var", (x) => tg.var(x, 0), r([4, 3])],
  ["std", (x) => tg.std(x, -1, { keepdims: true }), r([3, 4])],
  ["logsumexp", (x) => tg.logsumexp(x, 1), r([3, 4])],
  ["softmax", (x) => tg.softmax(x, 0), r([3, 4])],
  ["logSoftmax", (x) => tg.logSoftmax(x, -1), r([3, 4])],
  ["flatten/squeeze/unsqueeze", (x) => tg.unsqueeze(tg.squeeze(tg.flatten(x).reshape([1, 6])), 1).mul(x.sum()), r([2, 3])],
  ["transpose", (x) => tg.matmul(tg.transpose(x), x), r([3, 2])],
  ["slice with steps", (x) => tg.slice(x, [null, null, -2], [1, 3]).mul(2), r([5, 4])],
  ["split/stack", (x) => { const [a, b] = tg.split(x, [1, 2], 0); return tg.stack([a.squeeze(0), b.sum(0)], 1); }, r([3, 2])],
  ["concat/pad", (x) => tg.pad(tg.concat([x, x.square()], 1), [[1, 0], [0, 2]], 3), r([2, 2])],
  ["take", (x) => tg.take(x, [2, 0, 2, -1], 1), r([2, 4])],
  ["gather", (x) => tg.gather(x, 1, tg.tensor([[0, 0], [2, 1]], { dtype: "int32" })), r([2, 3])],
  ["matmul 1-D, dot, outer", (x) => tg.outer(x, tg.matmul(tg.ones([3, 3], "float64"), x)).add(tg.dot(x, x)), r([3])],
  ["where", (x) => tg.where(x.gt(0), x.square(), x.neg()), r([6])],
  // ---- operator coverage: elementwise, activations, norms, normalization, losses ----
  ["frac", (x) => tg.frac(x.mul(3)), r([5])],
  ["hypot", (x) => tg.hypot(x, tg.tensor([0.5, -1.5, 2, 0.25], { dtype: "float64" })), r([4])],
  ["lerp", (x) => tg.lerp(x, x.square(), tg.tensor([0.2, 0.7, -0.3, 1.4], { dtype: "float64" })).add(tg.lerp(1, 3, x)), r([4])],
  ["elu", (x) => tg.elu(x, 0.7), r([6])],
  ["celu", (x) => tg.celu(x, 2), r([6])],
  ["selu", (x) => tg.selu(x), r([6])],
  ["hardtanh", (x) => tg.hardtanh(x, -1, 1.5), r([6])],
  ["relu6", (x) => tg.relu6(x.mul(4)), r([6])],
  ["hardsigmoid", (x) => tg.hardsigmoid(x.mul(2)), r([6])],
  ["hardswish", (x) => tg.hardswish(x.mul(2)), r([6])],
  ["mish", (x) => tg.mish(x), r([6])],
  ["softsign", (x) => tg.softsign(x), r([6])],
  ["logsigmoid", (x) => tg.logsigmoid(x), r([6])],
  ["glu", (x) => tg.glu(x, 0), r([4, 3])],
  ["prelu", (x) => tg.prelu(x, tg.tensor([0.25, -0.5, 2], { dtype: "float64" })).add(tg.prelu(tg.tensor([[-1, 2, -3]], { dtype: "float64" }), x.sum(0).mul(0.1))), r([2, 3])],
  ["norm 2", (x) => tg.norm(x, 2, 1), r([3, 4])],
  ["norm 3", (x) => tg.norm(x, 3, -1, { keepdims: true }), r([3, 4])],
  ["norm 0.5", (x) => tg.norm(x, 0.5), r([5])],
  ["norm -1", (x) => tg.norm(x, -1, 0), r([3, 2])],
  ["norm inf", (x) => tg.norm(x, Infinity, 1), r([3, 4])],
  ["normalize", (x) => tg.nn.functional.normalize(x, { axis: -1 }), r([3, 4])],
  ["batchNorm", (x) => tg.nn.functional.batchNorm(x, null, null, { training: true, weight: x.sum([0, 2]), bias: tg.tensor([1, 2, 3], { dtype: "float64" }) }), r([4, 3, 2])],
  ["groupNorm", (x) => tg.nn.functional.groupNorm(x, 2), r([2, 4, 3])],
  ["instanceNorm", (x) => tg.nn.functional.instanceNorm(x), r([2, 3, 4])],
  ["rmsNorm", (x) => tg.nn.functional.rmsNorm(x, 4, { weight: tg.tensor([1, 2, 3, 4], { dtype: "float64" }) }), r([3, 4])],
  ["huberLoss", (x) => tg.nn.functional.huberLoss(x, tg.zerosLike(x), { delta: 0.8 }), r([6], -3, 3)],
  ["smoothL1Loss", (x) => tg.nn.functional.smoothL1Loss(x, x.square(), { beta: 0.5, reduction: "sum" }), r([6])],
  ["klDiv", (x) => tg.nn.functional.klDiv(x.logSoftmax(1), x.mul(2).softmax(1), { reduction: "batchmean" }), r([3, 4])],
  ["binaryCrossEntropy", (x) => tg.nn.functional.binaryCrossEntropy(x.sigmoid(), x.mul(0.5).add(0.5).clamp(0, 1)), r([6])],
  ["cosineSimilarity", (x) => tg.nn.functional.cosineSimilarity(x, x.square(), { axis: -1 }), r([3, 4])],
  ["crossEntropy weighted", (x) => tg.nn.functional.crossEntropy(x, tg.tensor([0, 2, 1], { dtype: "int32" }), { weight: tg.tensor([0.5, 2, 1], { dtype: "float64" }), labelSmoothing: 0.1 }), r([3, 3])],
  // ---- scans, sorting, more shape and indexing operations ----
  ["sort values", (x) => tg.sort(x, -1, { descending: true })[0].mul(tg.arange(1, 5, 1, { dtype: "float64" })), r([3, 4])],
  ["topk values", (x) => tg.topk(x, 2, 0)[0], r([4, 3])],
  ["cummax values", (x) => tg.cummax(x, 1)[0], r([2, 5])],
  ["median, quantile", (x) => tg.median(x, 1)[0].add(tg.quantile(x, [0.3, 0.8], 1).sum(0)), r([3, 5])],
  ["tril/triu", (x) => tg.tril(x, 1).add(tg.triu(x.square(), 1)), r([2, 3, 3])],
  ["diag/diagonal", (x) => tg.diag(tg.diagonal(x, { offset: 1 }), -1).sum(0).add(tg.diag(x.sum(1), 1).sum(1)), r([3, 4])],
  ["roll/flip", (x) => tg.roll(tg.flip(x, [0, 1]), [1, -1], [0, 1]).mul(x), r([3, 4])],
  ["tile/repeat/repeatInterleave", (x) => tg.tile(x, [2, 1]).add(tg.repeat(x, [1, 2, 1]).sum(0)).add(tg.repeatInterleave(x, 2, 0).reshape([2, 2, 2]).sum(1).repeat([2, 1])), r([2, 2])],
  ["chunk/unbind/movedim", (x) => tg.stack([...tg.chunk(x, 2, 1), ...tg.unbind(tg.movedim(x, 1, 0)).slice(0, 2).map((t) => t.reshape([2, 1]).expand([2, 2]))]), r([2, 4])],
  ["meshgrid", (x) => { const [a, b] = tg.meshgrid([x, x.square()], { indexing: "xy" }); return a.mul(b); }, r([3])],
  ["einsum", (x) => tg.einsum("bij,bjk->bik", x, x).add(tg.einsum("bii->bi", x).unsqueeze(-1)), r([2, 3, 3])],
  ["index", (x) => x.index([tg.tensor([[0, 2], [-1, 0]], { dtype: "int32" }), null, 1]).add(x.index([null, 1, tg.tensor([1, 0], { dtype: "int32" })]).sum()), r([3, 2, 2])],
  ["maskedFill/scatter", (x) => tg.scatter(tg.maskedFill(x, x.gt(0.5), 0.25), 1, tg.tensor([[1, 0], [0, 0]], { dtype: "int32" }), x.square()), r([2, 2])],
  ["cumsum/cumprod/logcumsumexp", (x) => tg.cumsum(x, 0).mul(tg.cumprod(x, 1)).add(tg.logcumsumexp(x, -1)), r([3, 3])],
];

for (const [name, f, x] of composites) {
  test(`composite ${name}: gradcheck in float64`, () => {
    const report = tg.gradcheck(f, [x]);
    assert.equal(report.passed, true, JSON.stringify(report));
  });
}

const smooth = ["square", "reciprocal", "gelu", "gelu tanh", "silu", "softplus", "mean", "var", "std", "logsumexp", "softmax", "logSoftmax", "tril/triu", "roll/flip", "einsum", "cumsum/cumprod/logcumsumexp"];
// ---- operator coverage ----
smooth.push("hypot", "lerp", "mish", "logsigmoid", "glu", "norm 2", "norm 3", "normalize", "batchNorm", "groupNorm", "instanceNorm", "rmsNorm", "klDiv", "binaryCrossEntropy", "cosineSimilarity", "crossEntropy weighted");
for (const [name, f, x] of composites.filter(([n]) => smooth.includes(n))) {
  test(`composite ${name}: second derivatives (gradcheck of the gradient)`, () => {
    const g = (z: tg.Tensor) => tg.grad((y: tg.Tensor) => f(y).sin().sum())(z);
    const report = tg.gradcheck(g, [x]);
    assert.equal(report.passed, true, JSON.stringify(report));
  });
}
