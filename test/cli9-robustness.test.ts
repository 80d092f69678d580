// Hostile calls to the library: every error is typed (a TensorGradError subclass) and names the
// operation, tensors too large for any buffer are refused at the call with a MemoryError before
// anything is allocated (and everything afterwards still works), and concurrent init() /
// initWasm() / setNumThreads() calls run one after another.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../src/index.js";
import { MAX_ELEMENTS } from "../src/tensor/creation.js";

const x = tg.ones([2, 3]);
const anyArg = (v: unknown) => v as never;

// [the op name the message must start with, the call]
const HOSTILE: Array<[string, () => unknown]> = [
  ["zeros", () => tg.zeros(anyArg("3"))], ["zeros", () => tg.zeros(anyArg(null))], ["zeros", () => tg.zeros([2, NaN])],
  ["zeros", () => tg.zeros([2.5])], ["ones", () => tg.ones([-2])], ["ones", () => tg.ones([2], anyArg("float8"))],
  ["full", () => tg.full([2], anyArg(undefined))], ["full", () => tg.full(anyArg(3), 1)], ["full", () => tg.full([2], anyArg("a"))],
  ["zerosLike", () => tg.zerosLike(anyArg([1, 2]))], ["onesLike", () => tg.onesLike(anyArg(null))], ["fullLike", () => tg.fullLike(x, anyArg("x"))],
  ["arange", () => tg.arange(0, Infinity)], ["arange", () => tg.arange(anyArg("a"))], ["arange", () => tg.arange(0, 5, 0)], ["arange", () => tg.arange(0, 3, 1, { dtype: anyArg("x") })],
  ["linspace", () => tg.linspace(0, 1, 2.5)], ["linspace", () => tg.linspace(0, 1, -1)], ["linspace", () => tg.linspace(anyArg("a"), 1, 3)],
  ["eye", () => tg.eye(2.5)], ["eye", () => tg.eye(-1)], ["eye", () => tg.eye(NaN)],
  ["rand", () => tg.rand([2.5])], ["rand", () => tg.rand(anyArg("x"))], ["randn", () => tg.randn([2], { dtype: "int32" })], ["randn", () => tg.randn([-1])],
  ["randint", () => tg.randint(0, 10, [1.5])], ["randint", () => tg.randint(0.5, 10, [2])],
  ["tensor", () => tg.tensor([[1, 2], [3]])], ["tensor", () => tg.tensor(anyArg(["a"]))], ["tensor", () => tg.tensor([1, 2], { shape: [3] })],
  ["tensor", () => tg.tensor([1, 2], { dtype: anyArg("x") })], ["tensor", () => tg.tensor(new Float32Array(4), { shape: [2, 2.5] })],
  ["scalar", () => tg.scalar(anyArg("a"))], ["scalar", () => tg.scalar(1, anyArg("x"))],
  ["Linear", () => new tg.nn.Linear(1.5, 2)], ["Linear", () => new tg.nn.Linear(2, -1)], ["Linear", () => new tg.nn.Linear(anyArg("a"), 2)], ["Linear", () => new tg.nn.Linear(NaN, 2)],
  ["Embedding", () => new tg.nn.Embedding(-1, 3)], ["Embedding", () => new tg.nn.Embedding(3, 1.5)],
  ["LayerNorm", () => new tg.nn.LayerNorm(-2)], ["LayerNorm", () => new tg.nn.LayerNorm(NaN)],
  ["Dropout", () => new tg.nn.Dropout(1.5)], ["Dropout", () => new tg.nn.Dropout(NaN)],
  ["MLP", () => new tg.nn.MLP([2, -1, 3])], ["MLP", () => new tg.nn.MLP([2.5, 3])], ["LeakyReLU", () => new tg.nn.LeakyReLU(anyArg("a"))],
  ["reshape", () => x.reshape([NaN, 2])], ["reshape", () => x.reshape([2.5, 2])], ["reshape", () => x.reshape(anyArg("6"))],
  ["sum", () => x.sum(1.5)], ["sum", () => x.sum(7)], ["transpose", () => x.transpose(anyArg([0, 0]))],
  ["broadcastTo", () => x.expand([2, -5])], ["matmul", () => tg.matmul(x, x)],
];

test("hostile calls: every error is a TensorGradError whose message starts with the operation", () => {
  const problems: string[] = [];
  for (const [op, call] of HOSTILE) {
    try {
      call();
      problems.push(`${op}: no error`);
    } catch (e) {
      const err = e as Error;
      if (!(err instanceof tg.TensorGradError)) problems.push(`${op}: untyped ${err.name}: ${err.message}`);
      else if (!err.message.startsWith(`${op}:`)) problems.push(`${op}: message does not name it: ${err.message}`);
    }
  }
  assert.deepEqual(problems, []);
});

test("a tensor larger than any buffer is a MemoryError at the call; nothing is allocated and later work is right", () => {
  const before = tg.arange(6).reshape([2, 3]).sum().item();
  const huge: Array<[string, () => unknown]> = [
    ["zeros", () => tg.zeros([1e5, 1e5])], ["ones", () => tg.ones([2 ** 33])], ["full", () => tg.full([2 ** 20, 2 ** 13], 1, "float64")],
    ["rand", () => tg.rand([1e10])], ["randn", () => tg.randn([1e6, 1e6])], ["randint", () => tg.randint(0, 9, [1e10])],
    ["arange", () => tg.arange(0, 1e12)], ["linspace", () => tg.linspace(0, 1, 1e12)], ["eye", () => tg.eye(1e6)],
    ["zerosLike", () => tg.zerosLike(tg.zeros([1e5, 1e5]))],
  ];
  for (const [op, call] of huge) {
    const t0 = performance.now();
    assert.throws(call, (e: Error) => e instanceof tg.MemoryError && e.message.startsWith(`${op === "zerosLike" ? "zeros" : op}:`) && /nothing was allocated/.test(e.message), op);
    // refused before any allocation or fill: no time spent on the elements
    assert.ok(performance.now() - t0 < 5000, op);
  }
  assert.ok(MAX_ELEMENTS >= 2 ** 31);
  assert.equal(tg.arange(6).reshape([2, 3]).sum().item(), before);
  assert.deepEqual(Array.from(tg.ones([3]).add(1).data()), [2, 2, 2]);
});

test("concurrent init / initWasm / setNumThreads calls run one after another; the last one wins", async () => {
  const calls = [tg.init({ threads: 2 }), tg.initWasm({ threads: 1 }), tg.setNumThreads(3), tg.init({ threads: 1 }), tg.initWasm({ threads: 2 })];
  const results = await Promise.all(calls);
  const wasm = tg.availableBackends().wasm;
  if (wasm) {
    // one backend: both initWasm calls returned it
    assert.equal(results[1], wasm);
    assert.equal(results[4], wasm);
    assert.equal(tg.getNumThreads(), 2);
  }
  // a failed call in the queue does not block the next
  await assert.rejects(tg.init({ threads: -1 }), tg.ArgumentError);
  await tg.setNumThreads(1);
  assert.equal(tg.getNumThreads(), 1);
  assert.deepEqual(Array.from(tg.arange(4).mul(2).data()), [0, 2, 4, 6]);
});
