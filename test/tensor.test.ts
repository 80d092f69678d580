// Creating, reading and transforming tensors: NumPy's semantics, checked on small examples.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../src/index.js";

test("creation and reading", () => {
  const a = tg.tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(a.shape, [2, 3]);
  assert.equal(a.dtype, "float32");
  assert.equal(a.size, 6);
  assert.deepEqual(a.toArray(), [[1, 2, 3], [4, 5, 6]]);
  assert.ok(a.data() instanceof Float32Array);
  assert.equal(tg.tensor(1.5).ndim, 0);
  assert.equal(tg.tensor(1.5).item(), 1.5);
  assert.equal(tg.tensor([true, false]).dtype, "bool");
  assert.deepEqual(tg.tensor(new Int32Array([1, 2, 3, 4]), { shape: [2, 2] }).toArray(), [[1, 2], [3, 4]]);
  assert.deepEqual(tg.zeros([2], "float64").toArray(), [0, 0]);
  assert.deepEqual(tg.full([2], 7, "int32").toArray(), [7, 7]);
  assert.deepEqual(tg.arange(5).toArray(), [0, 1, 2, 3, 4]);
  assert.equal(tg.arange(5).dtype, "int32");
  assert.deepEqual(tg.arange(1, 2, 0.25).toArray(), [1, 1.25, 1.5, 1.75]);
  assert.deepEqual(tg.linspace(0, 1, 5, { dtype: "float64" }).toArray(), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(tg.eye(2, 3).toArray(), [[1, 0, 0], [0, 1, 0]]);
  assert.deepEqual(tg.onesLike(a).shape, [2, 3]);
  assert.equal(tg.zerosLike(tg.ones([1], "int32")).dtype, "int32");
});

test("toString prints like NumPy", () => {
  assert.equal(tg.tensor([[1, 2], [3, 4]]).toString(), "tensor([[1., 2.],\n        [3., 4.]], dtype=float32)");
  assert.equal(tg.tensor([0.5, 1.25], { dtype: "float64" }).toString(), "tensor([0.5, 1.25], dtype=float64)");
  assert.equal(tg.tensor([1, 2], { dtype: "int32" }).toString(), "tensor([1, 2], dtype=int32)");
  assert.match(tg.zeros([2000]).toString(), /^tensor\(\[0\., 0\., 0\., \.\.\., 0\., 0\., 0\.\], dtype=float32\)$/);
});

test("seeded random numbers are reproducible and well distributed", () => {
  const a = tg.randn([1000], { generator: tg.random.generator(42), dtype: "float64" }).data();
  const b = tg.randn([1000], { generator: tg.random.generator(42), dtype: "float64" }).data();
  const c = tg.randn([1000], { generator: tg.random.generator(43), dtype: "float64" }).data();
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  const big = tg.randn([20000], { generator: tg.random.generator(1), dtype: "float64" });
  assert.ok(Math.abs(big.mean().item()) < 0.03);
  assert.ok(Math.abs(big.std().item() - 1) < 0.03);
  const u = tg.rand([20000], { generator: tg.random.generator(2), dtype: "float64" });
  assert.ok(u.min().item() >= 0 && u.max().item() < 1 && Math.abs(u.mean().item() - 0.5) < 0.01);
  const r = tg.randint(3, 7, [5000], { generator: tg.random.generator(3) }).data();
  const counts = [0, 0, 0, 0];
  r.forEach((v) => counts[v - 3]++);
  assert.ok(counts.every((n) => n > 1100 && n < 1400), String(counts));
});

test("broadcasting, dtype promotion and scalars", () => {
  const a = tg.tensor([[1], [2]]);
  const b = tg.tensor([10, 20, 30]);
  assert.deepEqual(a.add(b).toArray(), [[11, 21, 31], [12, 22, 32]]);
  const i = tg.tensor([1, 2], { dtype: "int32" });
  assert.equal(i.add(1).dtype, "int32");
  assert.equal(i.mul(0.5).dtype, "float32");
  assert.equal(i.add(tg.tensor([1, 1], { dtype: "float64" })).dtype, "float64");
  assert.equal(i.div(2).dtype, "float32");
  assert.deepEqual(i.div(2).toArray(), [0.5, 1]);
  assert.equal(tg.tensor([1, 2], { dtype: "float64" }).add(1).dtype, "float64");
  assert.deepEqual(tg.tensor([1, 5]).gt(2).toArray(), [false, true]);
  assert.deepEqual(tg.where(tg.tensor([true, false]), 1, tg.tensor([7, 8])).toArray(), [1, 8]);
  assert.deepEqual(tg.tensor([-1.7, 2.9]).cast("int32").toArray(), [-1, 2]);
});

test("reductions with axes and keepdims", () => {
  const x = tg.tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(x.sum().toArray(), 21);
  assert.deepEqual(x.sum(0).toArray(), [5, 7, 9]);
  assert.deepEqual(x.sum(-1, { keepdims: true }).toArray(), [[6], [15]]);
  assert.deepEqual(x.amax(1).toArray(), [3, 6]);
  assert.deepEqual(x.amin(0).toArray(), [1, 2, 3]);
  assert.deepEqual(x.max(1)[0].toArray(), [3, 6]);
  assert.deepEqual(x.min(0)[1].toArray(), [0, 0, 0]);
  assert.deepEqual(x.prod(1).toArray(), [6, 120]);
  assert.deepEqual(x.mean(0).toArray(), [2.5, 3.5, 4.5]);
  assert.deepEqual(x.argmax(1).toArray(), [2, 2]);
  assert.deepEqual(x.argmin().toArray(), 0);
  assert.ok(Math.abs(x.var().item() - 3.5) < 1e-6);
  assert.ok(Math.abs(x.var(undefined, { correction: 0 }).item() - 17.5 / 6) < 1e-6);
  const lse = tg.logsumexp(tg.tensor([[1000, 1000], [-Infinity, -Infinity]], { dtype: "float64" }), 1).data();
  assert.ok(Math.abs(lse[0] - (1000 + Math.log(2))) < 1e-9);
  assert.equal(lse[1], -Infinity);
  const ls = tg.logSoftmax(tg.tensor([1000, 0], { dtype: "float64" })).data();
  assert.equal(ls[0], 0);
  assert.equal(ls[1], -1000);
  assert.deepEqual(tg.sum(tg.tensor([[1, 2], [3, 4]]), [0, 1]).toArray(), 10);
});

test("views: reshape, transpose, permute, slice with steps, expand", () => {
  const x = tg.arange(12).reshape([3, 4]);
  assert.deepEqual(x.T.toArray(), [[0, 4, 8], [1, 5, 9], [2, 6, 10], [3, 7, 11]]);
  assert.deepEqual(x.T.reshape([-1]).toArray(), [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]);
  assert.deepEqual(x.slice([1, 3], [null, null, 2]).toArray(), [[4, 6], [8, 10]]);
  assert.deepEqual(x.slice(-1).toArray(), [8, 9, 10, 11]);
  assert.deepEqual(x.slice(null, [null, null, -1]).slice(0).toArray(), [3, 2, 1, 0]);
  assert.deepEqual(tg.permute(tg.arange(6).reshape([1, 2, 3]), [2, 0, 1]).shape, [3, 1, 2]);
  assert.deepEqual(tg.tensor([1, 2]).expand([2, 2]).toArray(), [[1, 2], [1, 2]]);
  assert.deepEqual(x.flatten().shape, [12]);
  assert.deepEqual(tg.unsqueeze(x, 0).shape, [1, 3, 4]);
  assert.deepEqual(tg.squeeze(tg.ones([1, 3, 1])).shape, [3]);
  assert.deepEqual(tg.transpose(tg.ones([2, 3, 4]), 0, 2).shape, [4, 3, 2]);
});

test("joining, splitting, padding", () => {
  const a = tg.tensor([[1, 2]]);
  const b = tg.tensor([[3, 4]]);
  assert.deepEqual(tg.concat([a, b], 0).toArray(), [[1, 2], [3, 4]]);
  assert.deepEqual(tg.concat([a, b], -1).toArray(), [[1, 2, 3, 4]]);
  assert.deepEqual(tg.stack([a, b], 1).shape, [1, 2, 2]);
  const parts = tg.split(tg.arange(5), 2);
  assert.deepEqual(parts.map((p) => p.toArray()), [[0, 1], [2, 3], [4]]);
  assert.deepEqual(tg.pad(tg.tensor([[1]]), [[1, 0], [0, 2]], 9).toArray(), [[9, 9, 9], [1, 9, 9]]);
});

test("indexing: gather (torch), take (NumPy), indexSelect, oneHot", () => {
  const x = tg.tensor([[1, 2, 3], [4, 5, 6]]);
  const idx = tg.tensor([[2, 0], [1, 1]], { dtype: "int32" });
  assert.deepEqual(tg.gather(x, 1, idx).toArray(), [[3, 1], [5, 5]]);
  assert.deepEqual(tg.gather(x, 0, tg.tensor([[1, 0, 1]], { dtype: "int32" })).toArray(), [[4, 2, 6]]);
  assert.deepEqual(tg.take(x, [0, -1]).toArray(), [1, 6]);
  assert.deepEqual(tg.take(x, tg.tensor([[2], [0]], { dtype: "int32" }), 1).shape, [2, 2, 1]);
  assert.deepEqual(tg.indexSelect(x, 0, [1, 1, 0]).toArray(), [[4, 5, 6], [4, 5, 6], [1, 2, 3]]);
  assert.deepEqual(tg.oneHot(tg.tensor([2, 0], { dtype: "int32" }), 3).toArray(), [[0, 0, 1], [1, 0, 0]]);
});

test("matmul follows PyTorch for 1-D, 2-D and batched operands", () => {
  const A = tg.tensor([[1, 2], [3, 4]]);
  const v = tg.tensor([1, 1]);
  assert.deepEqual(tg.matmul(A, v).toArray(), [3, 7]);
  assert.deepEqual(tg.matmul(v, A).toArray(), [4, 6]);
  assert.equal(tg.matmul(v, v).item(), 2);
  assert.deepEqual(tg.matmul(tg.ones([5, 1, 2, 3]), tg.ones([4, 3, 2])).shape, [5, 4, 2, 2]);
  assert.deepEqual(tg.matmul(A.T, A).toArray(), [[10, 14], [14, 20]]);
});

test("activations", () => {
  const x = tg.tensor([-2, 0, 3], { dtype: "float64" });
  assert.deepEqual(x.relu().toArray(), [0, 0, 3]);
  assert.deepEqual(x.leakyRelu(0.1).toArray(), [-0.2, 0, 3]);
  const gelu = x.gelu().data();
  // GELU(3) = 3·½(1 + erf(3/√2)), erf(3/√2) = 0.9973002039367398
  assert.ok(Math.abs(gelu[2] - 3 * 0.5 * (1 + 0.9973002039367398)) < 1e-12);
  const tanhGelu = x.gelu({ approximate: "tanh" }).data();
  // ½x(1 + tanh(√(2/π)(x + 0.044715x³))) at x = −2
  const expectTanhGelu = 0.5 * -2 * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (-2 + 0.044715 * -8)));
  assert.ok(Math.abs(tanhGelu[0] - expectTanhGelu) < 1e-12);
  assert.ok(Math.abs(x.silu().data()[2] - 3 / (1 + Math.exp(-3))) < 1e-12);
  assert.ok(Math.abs(tg.softplus(tg.tensor([800], { dtype: "float64" })).item() - 800) < 1e-12);
  assert.deepEqual(x.clamp(-1, 1).toArray(), [-1, 0, 1]);
});

test("small backend buffers share slabs without overlapping; arrays handed out own their memory", async () => {
  const { allocBuffer, DTYPES } = await import("../src/core/dtype.js");
  for (const d of DTYPES) {
    const bytes = { float32: 4, float64: 8, int32: 4, bool: 1, uint8: 1, float16: 2, bfloat16: 2 }[d];
    for (const size of [1, 17, 100, 1000, 4096 / bytes, 4096 / bytes + 1, 50_000]) {
      const arrays = Array.from({ length: 40 }, () => allocBuffer(d, size));
      arrays.forEach((a, i) => {
        assert.equal(a.length, size, `${d}[${size}]`);
        assert.ok(a.every((v) => v === 0), `${d}[${size}] #${i} is zero-filled`);
        assert.equal(a.byteOffset % 8, 0, "aligned for any element type");
        a.fill(i + 1);
      });
      // no array was written by another's fill
      arrays.forEach((a, i) => assert.ok(a.every((v) => v === i + 1), `${d}[${size}] #${i}`));
      const slabbed = size * bytes > 64 && size * bytes <= 4096;
      assert.equal(arrays[0].buffer === arrays[1].buffer, slabbed, `${d}[${size}] slab-backed`);
      if (slabbed) assert.ok(arrays[0].buffer.byteLength <= 16 * 4096, "a slab holds at most 16 arrays of a class");
    }
  }
  // what users receive has a buffer of its own, whatever the size
  const t = tg.add(tg.ones([300]), 1);
  for (const a of [t.data(), await t.dataAsync()]) {
    assert.equal(a.byteOffset, 0);
    assert.equal(a.buffer.byteLength, 300 * 4);
    assert.ok(a.every((v) => v === 2));
  }
});
