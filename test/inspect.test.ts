// What console.log shows for a tensor (Node's util.inspect): values, shape, dtype and gradient
// bookkeeping like PyTorch's repr, never the backend's internals; placeholders, not errors, for
// values that cannot be read (traced, donated).

import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import * as tg from "../src/index.js";

test("inspect prints values, shape and dtype, not the backend", () => {
  const t = tg.tensor([[1, 2], [3, 4]]);
  assert.equal(inspect(t), "tensor([[1., 2.],\n        [3., 4.]], shape=[2,2], dtype=float32)");
  assert.equal(inspect(tg.tensor([1, 2], { dtype: "int32" })), "tensor([1, 2], shape=[2], dtype=int32)");
  assert.equal(inspect(tg.tensor(2.5, { dtype: "float64" })), "tensor(2.5, shape=[], dtype=float64)");
  assert.equal(inspect(tg.tensor([true, false])), "tensor([true, false], shape=[2], dtype=bool)");
  assert.equal(inspect({ x: tg.arange(2) }), "{ x: tensor([0, 1], shape=[2], dtype=int32) }");
  assert.doesNotMatch(inspect(t), /_backend|Backend|Memory/);
  // a strided view prints its own elements
  assert.equal(inspect(tg.tensor([[1, 2, 3], [4, 5, 6]]).T), "tensor([[1., 4.],\n        [2., 5.],\n        [3., 6.]], shape=[3,2], dtype=float32)");
});

test("inspect shows requiresGrad on leaves and the primitive that made a result", () => {
  const w = tg.tensor([1, 2]).setRequiresGrad();
  assert.equal(inspect(w), "tensor([1., 2.], shape=[2], dtype=float32, requiresGrad=true)");
  assert.equal(inspect(w.mul(w).sum()), "tensor(5., shape=[], dtype=float32, gradFn=<sum>)");
  assert.equal(inspect(w.mul(2)), "tensor([2., 4.], shape=[2], dtype=float32, gradFn=<mul>)");
  assert.equal(inspect(w.detach()), "tensor([1., 2.], shape=[2], dtype=float32)");
});

test("inspect summarises large tensors like NumPy and runs what is pending", () => {
  const big = tg.ones([2000]).mul(3);
  assert.equal(inspect(big), "tensor([3., 3., 3., ..., 3., 3., 3.], shape=[2000], dtype=float32)");
  const rows = inspect(tg.zeros([50, 50])).split("\n");
  assert.equal(rows.length, 7, "three rows, an ellipsis, three rows");
  assert.equal(rows[3], "        ...,");
  assert.match(rows[6], /, shape=\[50,50\], dtype=float32\)$/);
});

test("inside a traced function inspect prints a placeholder for traced values instead of throwing", () => {
  const seen: string[] = [];
  const outside = tg.tensor([[1, 2], [3, 4]]);
  const f = tg.jit((x: tg.Tensor) => {
    const y = x.mul(2);
    seen.push(inspect(x), inspect(y), inspect(outside), inspect(outside.T));
    assert.throws(() => y.data(), /being traced/, "reading stays an error");
    return y;
  });
  assert.deepEqual(f(tg.tensor([1, 2, 3])).toArray(), [2, 4, 6]);
  assert.deepEqual(seen, [
    "tensor(<traced>, shape=[3], dtype=float32)",
    "tensor(<traced>, shape=[3], dtype=float32)",
    // values that do not depend on the inputs exist and print as usual
    "tensor([[1., 2.],\n        [3., 4.]], shape=[2,2], dtype=float32)",
    "tensor([[1., 3.],\n        [2., 4.]], shape=[2,2], dtype=float32)",
  ]);
  // the trace was not disturbed by the printing: later calls give the same results
  assert.deepEqual(f(tg.tensor([5, 6, 7])).toArray(), [10, 12, 14]);
});

test("a donated tensor inspects as <donated>; reading it still throws", () => {
  const f = tg.jit((p: tg.Tensor) => p.add(1), { donate: [0] });
  const p = tg.tensor([1, 2]);
  assert.deepEqual(f(p).toArray(), [2, 3]);
  assert.throws(() => p.data(), /donated to a compiled call/);
  assert.equal(inspect(p), "tensor(<donated>, shape=[2], dtype=float32)");
});
