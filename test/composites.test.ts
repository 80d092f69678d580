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
];

for (const [name, f, x] of composites) {
  test(`composite ${name}: gradcheck in float64`, () => {
    const report = tg.gradcheck(f, [x]);
    assert.equal(report.passed, true, JSON.stringify(report));
  });
}

const smooth = ["square", "reciprocal", "gelu", "gelu tanh", "silu", "softplus", "mean", "var", "std", "logsumexp", "softmax", "logSoftmax"];
for (const [name, f, x] of composites.filter(([n]) => smooth.includes(n))) {
  test(`composite ${name}: second derivatives (gradcheck of the gradient)`, () => {
    const g = (z: tg.Tensor) => tg.grad((y: tg.Tensor) => f(y).sin().sum())(z);
    const report = tg.gradcheck(g, [x]);
    assert.equal(report.passed, true, JSON.stringify(report));
  });
}
