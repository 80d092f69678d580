// nn: modules, parameter discovery and state dicts, layers, initializers. Expected values are
// computed here independently (plain loops over JS numbers, hand-derived formulas, finite
// differences through tg.gradcheck), never read back from the code under test.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../src/index.js";
import { nn, Tensor } from "../src/index.js";

const F64 = { dtype: "float64" } as const;
const gen = (seed: number) => tg.random.generator(seed);

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12, what = "value"): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++)
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

/** Row-major [r, c] matrix product of plain arrays. */
function matmulJs(a: ArrayLike<number>, b: ArrayLike<number>, n: number, k: number, m: number): number[] {
  const out = new Array<number>(n * m).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) for (let p = 0; p < k; p++) out[i * m + j] += a[i * k + p] * b[p * m + j];
  return out;
}

function transposeJs(a: ArrayLike<number>, r: number, c: number): number[] {
  const out = new Array<number>(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a[i * c + j];
  return out;
}

function stdOf(d: ArrayLike<number>): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i];
  const mean = s / d.length;
  let v = 0;
  for (let i = 0; i < d.length; i++) v += (d[i] - mean) ** 2;
  return { mean, std: Math.sqrt(v / d.length) };
}

test("Linear forward is X·Wᵀ + b", () => {
  const lin = new nn.Linear(3, 2, { dtype: "float64", generator: gen(1) });
  const X = tg.randn([4, 3], { dtype: "float64", generator: gen(2) });
  const x = X.data();
  const w = lin.weight.data();
  const b = lin.bias!.data();
  const expected: number[] = [];
  for (let i = 0; i < 4; i++)
    for (let o = 0; o < 2; o++) {
      let s = b[o];
      for (let j = 0; j < 3; j++) s += x[i * 3 + j] * w[o * 3 + j];
      expected.push(s);
    }
  const y = lin.call(X);
  assert.deepEqual(y.shape, [4, 2]);
  assertClose(y.data(), expected);
  assert.deepEqual(lin.weight.shape, [2, 3]);
  assert.deepEqual(lin.bias!.shape, [2]);
  // a batch of sequences [2, 4, 3] maps over the last axis
  const y3 = lin.call(X.reshape([2, 2, 3]));
  assert.deepEqual(y3.shape, [2, 2, 2]);
  assertClose(y3.data(), expected);
});

test("Linear backward: ∇X = ∇Y·W, ∇W = ∇Yᵀ·X, ∇b = 1ᵀ·∇Y", () => {
  const [B, I, O] = [5, 3, 4];
  const lin = new nn.Linear(I, O, { dtype: "float64", generator: gen(3) });
  const X = tg.randn([B, I], { dtype: "float64", generator: gen(4) }).setRequiresGrad();
  const G = tg.randn([B, O], { dtype: "float64", generator: gen(5) });
  lin.call(X).backward(G);
  const g = G.data();
  const w = lin.weight.data();
  const x = X.data();
  assertClose(X.grad!.data(), matmulJs(g, w, B, O, I), 1e-12, "∇X");
  assertClose(lin.weight.grad!.data(), matmulJs(transposeJs(g, B, O), x, O, B, I), 1e-12, "∇W");
  const gb = new Array<number>(O).fill(0);
  for (let i = 0; i < B; i++) for (let o = 0; o < O; o++) gb[o] += g[i * O + o];
  assertClose(lin.bias!.grad!.data(), gb, 1e-12, "∇b");
});

test("the scalar tanh neuron: L = ½(tanh(wx + b) − y)² = 0.32, ∂L/∂w = −1.6, ∂L/∂b = −0.8", () => {
  const neuron = new nn.Linear(1, 1, { dtype: "float64" });
  neuron.loadStateDict({ weight: tg.tensor([[-0.5]], F64), bias: tg.tensor([1.0], F64) });
  const a = neuron.call(tg.tensor([[2.0]], F64)).tanh();
  const L = nn.functional.mseLoss(a, tg.tensor([[0.8]], F64)).mul(0.5);
  // z = −0.5·2 + 1 = 0, a = tanh 0 = 0, L = ½·0.64; ∂L/∂a = a − y = −0.8, ∂a/∂z = 1 − a² = 1
  assert.ok(Math.abs(L.item() - 0.32) < 1e-15);
  L.backward();
  assert.ok(Math.abs(neuron.weight.grad!.item() - -1.6) < 1e-15);
  assert.ok(Math.abs(neuron.bias!.grad!.item() - -0.8) < 1e-15);
});

class Block extends nn.Module {
  fc: nn.Linear;
  norm: nn.LayerNorm;
  constructor(d: number) {
    super();
    this.fc = new nn.Linear(d, d, { generator: gen(6) });
    this.norm = new nn.LayerNorm(d);
  }
  forward(x: Tensor): Tensor {
    return this.norm.call(this.fc.call(x).relu());
  }
}

class Net extends nn.Module {
  fc1 = new nn.Linear(2, 16, { generator: gen(7) });
  blocks = [new Block(16), new Block(16)];
  head = new nn.Sequential(new nn.Linear(16, 8, { generator: gen(8) }), new nn.ReLU(), new nn.Linear(8, 1, { generator: gen(9) }));
  scale = tg.ones([1]).setRequiresGrad();
  /** not a parameter: no requiresGrad */
  constantTable = tg.ones([3]);
  /** not a parameter: computed, not a leaf */
  lastOutput: Tensor | null = null;
  declare counter: Tensor;
  constructor() {
    super();
    this.registerBuffer("counter", tg.zeros([1]));
  }
  forward(x: Tensor): Tensor {
    let h = this.fc1.call(x);
    for (const b of this.blocks) h = b.call(h);
    const y = this.head.call(h).mul(this.scale);
    this.lastOutput = y;
    return y;
  }
}

test("namedParameters walks fields, arrays and Sequential with dotted names", () => {
  const net = new Net();
  net.call(tg.randn([3, 2], { generator: gen(10) }));
  assert.ok(net.lastOutput!.requiresGrad); // a computed tensor on a field is not a parameter
  const names = net.namedParameters().map(([n]) => n);
  assert.deepEqual(names, [
    "fc1.weight", "fc1.bias",
    "blocks.0.fc.weight", "blocks.0.fc.bias", "blocks.0.norm.weight", "blocks.0.norm.bias",
    "blocks.1.fc.weight", "blocks.1.fc.bias", "blocks.1.norm.weight", "blocks.1.norm.bias",
    "head.0.weight", "head.0.bias", "head.2.weight", "head.2.bias",
    "scale",
  ]);
  assert.equal(net.parameters()[0], net.fc1.weight); // the tensors themselves
  assert.deepEqual(net.namedBuffers().map(([n]) => n), ["counter"]);
  assert.deepEqual(Object.keys(net.stateDict()), [...names.slice(0, 14), "scale", "counter"]);
  // 2·16+16 + 2·(16·16+16+16+16) + 16·8+8 + 8·1+1 + 1
  assert.equal(net.numParameters(), 48 + 2 * 304 + 136 + 9 + 1);
  assert.deepEqual(net.namedChildren().map(([n]) => n), ["fc1", "blocks.0", "blocks.1", "head"]);
  // buffers load in place too, and are not trained
  const counter = net.counter;
  net.loadStateDict({ ...net.stateDict(), counter: tg.tensor([5]) });
  assert.equal(net.counter, counter);
  assert.equal(counter.item(), 5);
  assert.ok(!net.parameters().includes(counter));
  assert.deepEqual(
    net.namedModules().map(([n]) => n),
    ["", "fc1", "blocks.0", "blocks.0.fc", "blocks.0.norm", "blocks.1", "blocks.1.fc", "blocks.1.norm", "head", "head.0", "head.1", "head.2"],
  );
});

test("shared parameters are listed once; back-references to a parent are not followed", () => {
  class Tied extends nn.Module {
    enc = new nn.Linear(3, 3, { generator: gen(11) });
    dec = new nn.Linear(3, 3, { generator: gen(12) });
    parent: nn.Module | null = null;
    constructor() {
      super();
      this.dec.weight = this.enc.weight;
    }
    forward(x: Tensor): Tensor {
      return this.dec.call(this.enc.call(x));
    }
  }
  class Outer extends nn.Module {
    inner = new Tied();
    constructor() {
      super();
      this.inner.parent = this;
    }
    forward(x: Tensor): Tensor {
      return this.inner.call(x);
    }
  }
  const m = new Outer();
  assert.deepEqual(m.namedParameters().map(([n]) => n), ["inner.enc.weight", "inner.enc.bias", "inner.dec.bias"]);
  assert.equal(m.numParameters(), 9 + 3 + 3);
  // the state dict lists a tied tensor under both names, as PyTorch does
  assert.deepEqual(Object.keys(m.stateDict()), ["inner.enc.weight", "inner.enc.bias", "inner.dec.weight", "inner.dec.bias"]);
  assert.match(String(m), /Total parameters: 15/);
});

test("loadStateDict checks shapes, dtypes and keys, naming the offending key", () => {
  const mlp = new nn.MLP([2, 16, 1], { generator: gen(13) });
  const sd = mlp.stateDict();
  const before = mlp.layers[0].weight.data();
  assert.throws(
    () => mlp.loadStateDict({ ...sd, "layers.0.weight": tg.zeros([2, 16]) }),
    (e: unknown) => e instanceof tg.ShapeError && e.message === "loadStateDict: 'layers.0.weight' expects shape [16,2], got [2,16]",
  );
  assert.throws(
    () => mlp.loadStateDict({ ...sd, "layers.1.bias": tg.zeros([1], "float64") }),
    (e: unknown) => e instanceof tg.DTypeError && e.message === "loadStateDict: 'layers.1.bias' expects dtype float32, got float64",
  );
  const { ["layers.1.bias"]: _dropped, ...partial } = sd;
  assert.throws(
    () => mlp.loadStateDict({ ...partial, "layers.2.weight": tg.zeros([1]) }),
    (e: unknown) =>
      e instanceof tg.ArgumentError && e.message === "loadStateDict: missing keys 'layers.1.bias'; unexpected keys 'layers.2.weight'",
  );
  // nothing was changed by the failed loads
  assertClose(mlp.layers[0].weight.data(), before, 0);
  const r = mlp.loadStateDict({ ...partial, extra: tg.zeros([1]) }, { strict: false });
  assert.deepEqual(r, { missingKeys: ["layers.1.bias"], unexpectedKeys: ["extra"] });
});

test("loadStateDict updates parameters in place; stateDict tensors are snapshots", () => {
  const a = new nn.MLP([2, 3, 1], { generator: gen(14) });
  const b = new nn.MLP([2, 3, 1], { generator: gen(15) });
  const held = a.parameters(); // e.g. an optimizer's list
  const snapshot = a.stateDict();
  const aW = a.layers[0].weight.data();
  a.loadStateDict(b.stateDict());
  assert.equal(a.parameters()[0], held[0]);
  assertClose(held[0].data(), b.layers[0].weight.data(), 0);
  assertClose(snapshot["layers.0.weight"].data(), aW, 0); // taken before the load: unchanged
  assert.notDeepEqual([...aW], [...held[0].data()]);
  // the loaded model computes what b computes, and its parameters still collect gradients
  const x = tg.randn([4, 2], { generator: gen(16) });
  assertClose(a.call(x).data(), b.call(x).data(), 0);
  a.call(x).sum().backward();
  assert.ok(held.every((p) => p.grad !== null));
});

test("assignParameter keeps the tensor's identity, leaf node and gradient", () => {
  const w = tg.tensor([1, 2], F64).setRequiresGrad();
  w.mul(w).sum().backward(); // ∂/∂w Σw² = 2w
  assertClose(w.grad!.data(), [2, 4]);
  const grad = w.grad;
  tg.noGrad(() => nn.assignParameter(w, w.sub(w.grad!.mul(0.1))));
  assertClose(w.data(), [0.8, 1.6], 1e-15);
  assert.equal(w.grad, grad);
  assert.ok(nn.isParameter(w));
  w.grad = null;
  w.mul(w).sum().backward();
  assertClose(w.grad!.data(), [1.6, 3.2], 1e-15);
  // a non-contiguous value is copied into the right order
  const m = tg.zeros([2, 3], "float64").setRequiresGrad();
  nn.assignParameter(m, tg.tensor([[1, 2], [3, 4], [5, 6]], F64).T);
  assert.deepEqual(m.toArray(), [[1, 3, 5], [2, 4, 6]]);
  assert.throws(() => nn.assignParameter(w, tg.zeros([3], "float64")), /assignParameter: parameter of shape \[2\] cannot take a value of shape \[3\]/);
  assert.throws(() => nn.assignParameter(w, tg.zeros([2])), tg.DTypeError);
  assert.throws(() => nn.assignParameter(w.mul(2), tg.zeros([2], "float64")), /only leaf tensors/);
});

test("functionalCall runs a module with substituted parameters (for tg.grad)", () => {
  const lin = new nn.Linear(3, 2, { dtype: "float64", generator: gen(17) });
  const x = tg.randn([4, 3], { dtype: "float64", generator: gen(18) });
  const loss = (w: Tensor, b: Tensor) => nn.functionalCall(lin, { weight: w, bias: b }, x).square().sum();
  const [gW, gB] = tg.grad(loss, { argnums: [0, 1] })(lin.weight, lin.bias!);
  loss(lin.weight, lin.bias!).backward();
  assertClose(gW.data(), lin.weight.grad!.data(), 1e-12);
  assertClose(gB.data(), lin.bias!.grad!.data(), 1e-12);
  const w2 = tg.zeros([2, 3], "float64");
  assertClose(nn.functionalCall(lin, { weight: w2 }, x).data(), [...lin.bias!.data(), ...lin.bias!.data(), ...lin.bias!.data(), ...lin.bias!.data()]);
  assert.notEqual(lin.weight, w2); // restored
  assert.throws(() => nn.functionalCall(lin, { wieght: w2 }, x), /functionalCall: Linear has no parameter or buffer 'wieght'/);
});

test("MLP parameter counts, structure and toString", () => {
  const mlp = new nn.MLP([2, 16, 4]);
  assert.equal(mlp.numParameters(), 2 * 16 + 16 + 16 * 4 + 4);
  assert.equal(new nn.MLP([3, 5, 5, 1], { bias: false }).numParameters(), 15 + 25 + 5);
  assert.equal(new nn.MLP([784, 128, 10]).numParameters(), 784 * 128 + 128 + 128 * 10 + 10);
  const s = String(mlp);
  assert.match(s, /^MLP\(/);
  assert.match(s, /\(layers\.0\): Linear\(in=2, out=16, bias=true\) {2}\[48 params\]/);
  assert.match(s, /\(layers\.1\): Linear\(in=16, out=4, bias=true\) {2}\[68 params\]/);
  assert.match(s, /\(activation\): ReLU\(\)/);
  assert.match(s, /Total parameters: 116$/);
  assert.match(String(new nn.MLP([784, 128, 10])), /Total parameters: 101,770$/);
  // tanh between the layers, none after the last: compare with the layers applied by hand
  const t = new nn.MLP([2, 3, 2], { activation: "tanh", dtype: "float64", generator: gen(19) });
  const x = tg.randn([2, 2], { dtype: "float64", generator: gen(20) });
  const byHand = t.layers[1].call(t.layers[0].call(x).tanh());
  assertClose(t.call(x).data(), byHand.data(), 0);
  assert.throws(() => new nn.MLP([3]), tg.ArgumentError);
});

test("Sequential chains its layers; Residual adds its input", () => {
  const l1 = new nn.Linear(2, 3, { dtype: "float64", generator: gen(21) });
  const l2 = new nn.Linear(3, 2, { dtype: "float64", generator: gen(22) });
  const seq = new nn.Sequential(l1, new nn.Sigmoid(), l2);
  const x = tg.randn([4, 2], { dtype: "float64", generator: gen(23) });
  assertClose(seq.call(x).data(), l2.call(l1.call(x).sigmoid()).data(), 0);
  assert.equal(seq.length, 3);
  assert.equal(seq.at(-1), l2);
  const res = new nn.Residual(seq);
  assertClose(res.call(x).data(), tg.add(x, seq.call(x)).data(), 0);
  assert.throws(() => new nn.Residual(l1).call(x), /Residual: the body maps \[4,2\] to \[4,3\]/);
});

test("activation modules compute their functions", () => {
  const x = tg.tensor([-2, -0.5, 0.5, 2], F64);
  const v = [-2, -0.5, 0.5, 2];
  const sig = (t: number) => 1 / (1 + Math.exp(-t));
  assertClose(new nn.ReLU().call(x).data(), v.map((t) => Math.max(t, 0)));
  assertClose(new nn.LeakyReLU(0.1).call(x).data(), v.map((t) => (t > 0 ? t : 0.1 * t)));
  assertClose(new nn.Sigmoid().call(x).data(), v.map(sig));
  assertClose(new nn.Tanh().call(x).data(), v.map(Math.tanh));
  assertClose(new nn.SiLU().call(x).data(), v.map((t) => t * sig(t)));
  assertClose(new nn.Softplus().call(x).data(), v.map((t) => Math.log(1 + Math.exp(t))));
  const tanhGelu = (t: number) => 0.5 * t * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (t + 0.044715 * t ** 3)));
  assertClose(new nn.GELU({ approximate: "tanh" }).call(x).data(), v.map(tanhGelu));
  // exact GELU x·Φ(x) with Φ(2) = 0.9772498680518208, Φ(0.5) = 0.6914624612740131 (normal CDF tables)
  assertClose(new nn.GELU().call(x).data(), [-2 * (1 - 0.9772498680518208), -0.5 * (1 - 0.6914624612740131), 0.5 * 0.6914624612740131, 2 * 0.9772498680518208], 1e-9);
});

test("Dropout: seeded reproducibility, inverted scaling, identity in eval mode", () => {
  const x = tg.randn([2000], { dtype: "float64", generator: gen(24) });
  const p = 0.3;
  const y1 = new nn.Dropout(p, { generator: gen(25) }).call(x).data();
  const y2 = new nn.Dropout(p, { generator: gen(25) }).call(x).data();
  const y3 = new nn.Dropout(p, { generator: gen(26) }).call(x).data();
  assert.deepEqual(y1, y2);
  assert.notDeepEqual(y1, y3);
  const xs = x.data();
  let dropped = 0;
  for (let i = 0; i < xs.length; i++) {
    if (y1[i] === 0) dropped++;
    else assert.ok(Math.abs(y1[i] - xs[i] / (1 - p)) < 1e-12);
  }
  // the dropped count is Binomial(2000, 0.3): mean 600, sd ≈ 20.5; allow 4 sd
  assert.ok(Math.abs(dropped - 600) < 82, `dropped ${dropped}`);
  const drop = new nn.Dropout(p, { generator: gen(27) });
  drop.eval();
  assert.equal(drop.training, false);
  assert.deepEqual(drop.call(x).data(), xs);
  // the gradient is the mask scaled by 1/(1 − p)
  const xg = tg.randn([50], { dtype: "float64", generator: gen(28) }).setRequiresGrad();
  const y = new nn.Dropout(0.5, { generator: gen(29) }).call(xg);
  y.sum().backward();
  const yd = y.data();
  const gd = xg.grad!.data();
  for (let i = 0; i < 50; i++) assert.equal(gd[i], yd[i] === 0 ? 0 : 2);
  assert.throws(() => new nn.Dropout(1.5), /Dropout: probability must be in \[0, 1\], got 1.5/);
});

test("train() and eval() reach every submodule; zeroGrad clears gradients", () => {
  const net = new Net();
  net.eval();
  assert.ok(net.namedModules().every(([, m]) => !m.training));
  net.train();
  assert.ok(net.namedModules().every(([, m]) => m.training));
  net.call(tg.randn([2, 2], { generator: gen(30) })).sum().backward();
  assert.ok(net.parameters().every((p) => p.grad !== null));
  net.zeroGrad();
  assert.ok(net.parameters().every((p) => p.grad === null));
});

test("LayerNorm matches the formula computed by hand, and passes gradcheck", () => {
  const [R, D] = [3, 5];
  const ln = new nn.LayerNorm(D, { dtype: "float64" });
  const w = tg.randn([D], { dtype: "float64", generator: gen(31) });
  const b = tg.randn([D], { dtype: "float64", generator: gen(32) });
  ln.loadStateDict({ weight: w, bias: b });
  const x = tg.randn([R, D], { dtype: "float64", generator: gen(33) }).mul(3).add(1);
  const xs = x.data();
  const ws = w.data();
  const bs = b.data();
  const expected: number[] = [];
  for (let r = 0; r < R; r++) {
    const row = Array.from(xs.slice(r * D, (r + 1) * D));
    const mu = row.reduce((s, v) => s + v, 0) / D;
    const v = row.reduce((s, t) => s + (t - mu) ** 2, 0) / D;
    row.forEach((t, i) => expected.push(((t - mu) / Math.sqrt(v + 1e-5)) * ws[i] + bs[i]));
  }
  assertClose(ln.call(x).data(), expected, 1e-12);
  // two trailing axes
  const ln2 = new nn.LayerNorm([2, 3], { elementwiseAffine: false, dtype: "float64" });
  assert.equal(ln2.numParameters(), 0);
  const z = ln2.call(tg.arange(12, undefined, 1, F64).reshape([2, 2, 3])).data();
  // each block is 0…5 shifted: mean 2.5, variance 35/12
  const blk = [0, 1, 2, 3, 4, 5].map((t) => (t - 2.5) / Math.sqrt(35 / 12 + 1e-5));
  assertClose(z, [...blk, ...blk], 1e-12);
  const r = tg.gradcheck(
    (xx, ww, bb) => nn.functional.layerNorm(xx, 4, { weight: ww, bias: bb }).mul(tg.arange(1, 5, 1, F64)).sum(1),
    [tg.randn([2, 4], { dtype: "float64", generator: gen(34) }), tg.randn([4], { dtype: "float64", generator: gen(35) }), tg.randn([4], { dtype: "float64", generator: gen(36) })],
  );
  assert.ok(r.passed, JSON.stringify(r.inputs));
  assert.throws(() => ln.call(tg.zeros([3, 4], "float64")), /layerNorm: input \[3,4\] does not end with the normalized shape \[5\]/);
});

test("Embedding looks up rows; gradients reach the table", () => {
  const emb = new nn.Embedding(5, 3, { dtype: "float64", generator: gen(37) });
  const table = emb.weight.data();
  const idx = tg.tensor([[4, 0], [4, 2]], { dtype: "int32" });
  const out = emb.call(idx);
  assert.deepEqual(out.shape, [2, 2, 3]);
  const expected = [4, 0, 4, 2].flatMap((r) => Array.from(table.slice(r * 3, r * 3 + 3)));
  assertClose(out.data(), expected, 0);
  // ∂(Σ out)/∂table = how often each row was looked up
  out.sum().backward();
  const counts = [1, 0, 1, 0, 2];
  assertClose(emb.weight.grad!.data(), counts.flatMap((c) => [c, c, c]), 0);
  const r = tg.gradcheck((w) => nn.functionalCall(emb, { weight: w }, idx).square().sum(2), [tg.randn([5, 3], { dtype: "float64", generator: gen(38) })]);
  assert.ok(r.passed);
  // indices are checked on the device: the lookup succeeds, reading the result throws
  const bad = emb.call(tg.tensor([1, 5], { dtype: "int32" }));
  assert.throws(() => bad.data(), /embedding: index 5 at position 1 is out of range for axis 0 of size 5 \(weight \[5,3\], indices \[2\]\)$/);
  // as in PyTorch, negative indices are refused rather than counted from the end
  assert.throws(() => emb.call(tg.tensor([[0], [-1]], { dtype: "int32" })).data(), /embedding: index -1 at position 1 is out of range for axis 0 of size 5 \(weight \[5,3\], indices \[2,1\]\); embedding does not count negative indices from the end$/);
  assert.throws(() => emb.call(tg.tensor([1, 2])), tg.DTypeError);
});

test("Linear errors name the shapes", () => {
  const lin = new nn.Linear(3, 2);
  assert.throws(
    () => lin.call(tg.zeros([4, 5])),
    (e: unknown) => e instanceof tg.ShapeError && /linear: input \[4,5\] does not end with the weight's 3 input features \(weight \[2,3\]\)/.test(e.message),
  );
  assert.throws(() => new nn.Linear(-1, 2), tg.ArgumentError);
  assert.equal(new nn.Linear(3, 2, { bias: false }).bias, null);
  assert.deepEqual(new nn.Linear(3, 2, { bias: false }).namedParameters().map(([n]) => n), ["weight"]);
});

test("init: kaiming and xavier statistics match their formulas", () => {
  const [out, fanIn] = [400, 250];
  const kn = nn.init.kaimingNormal([out, fanIn], { generator: gen(40), dtype: "float64" }).data();
  const s = stdOf(kn);
  assert.ok(Math.abs(s.std / Math.sqrt(2 / fanIn) - 1) < 0.02, `kaimingNormal std ${s.std}`);
  assert.ok(Math.abs(s.mean) < 0.01);
  const knOut = stdOf(nn.init.kaimingNormal([out, fanIn], { generator: gen(41), mode: "fanOut", nonlinearity: "tanh" }).data());
  assert.ok(Math.abs(knOut.std / ((5 / 3) / Math.sqrt(out)) - 1) < 0.02);
  const ku = nn.init.kaimingUniform([out, fanIn], { generator: gen(42) }).data();
  const bound = Math.sqrt(2) * Math.sqrt(3 / fanIn);
  assert.ok(ku.every((v) => Math.abs(v) <= bound));
  assert.ok(Math.abs(stdOf(ku).std / (bound / Math.sqrt(3)) - 1) < 0.02);
  const xn = stdOf(nn.init.xavierNormal([out, fanIn], { generator: gen(43), gain: 2 }).data());
  assert.ok(Math.abs(xn.std / (2 * Math.sqrt(2 / (out + fanIn))) - 1) < 0.02);
  const xu = nn.init.xavierUniform([out, fanIn], { generator: gen(44) }).data();
  const xb = Math.sqrt(6 / (out + fanIn));
  assert.ok(xu.every((v) => Math.abs(v) <= xb));
  assert.ok(Math.abs(stdOf(xu).std / (xb / Math.sqrt(3)) - 1) < 0.02);
  // receptive field: a [8, 4, 3, 3] kernel has fanIn 36, fanOut 72
  assert.deepEqual(nn.init.computeFans([8, 4, 3, 3]), [36, 72]);
  assert.ok(Math.abs(nn.init.calculateGain("leakyRelu", Math.sqrt(5)) - Math.sqrt(1 / 3)) < 1e-15);
  assert.equal(nn.init.calculateGain("relu"), Math.SQRT2);
  assert.equal(nn.init.calculateGain("tanh"), 5 / 3);
  assert.throws(() => nn.init.kaimingNormal([5]), /init.kaimingNormal: fan in and fan out need a shape of at least 2 dimensions, got \[5\]/);
});

test("init: seeded draws, ranges and constants", () => {
  const a = nn.init.normal([100], 1, 0.5, { generator: gen(45) }).data();
  const b = nn.init.normal([100], 1, 0.5, { generator: gen(45) }).data();
  assert.deepEqual(a, b);
  const n = stdOf(nn.init.normal([20000], 3, 0.5, { generator: gen(46), dtype: "float64" }).data());
  assert.ok(Math.abs(n.mean - 3) < 0.02 && Math.abs(n.std - 0.5) < 0.01);
  const u = nn.init.uniform([20000], -2, 4, { generator: gen(47), dtype: "float64" }).data();
  assert.ok(u.every((v) => v >= -2 && v < 4));
  const us = stdOf(u);
  assert.ok(Math.abs(us.mean - 1) < 0.05 && Math.abs(us.std - 6 / Math.sqrt(12)) < 0.03);
  assert.deepEqual(nn.init.constant([2, 2], 0.5).toArray(), [[0.5, 0.5], [0.5, 0.5]]);
  assert.deepEqual(nn.init.zeros([3], { dtype: "float64" }).toArray(), [0, 0, 0]);
  assert.equal(nn.init.ones([3]).dtype, "float32");
  assert.ok(!nn.init.normal([2]).requiresGrad);
});

test("Linear init: PyTorch's default U(±1/√in), and the named schemes", () => {
  const fanIn = 64;
  const lin = new nn.Linear(fanIn, 300, { generator: gen(48), dtype: "float64" });
  const w = lin.weight.data();
  const bound = 1 / Math.sqrt(fanIn);
  assert.ok(w.every((v) => Math.abs(v) <= bound));
  assert.ok(lin.bias!.data().every((v) => Math.abs(v) <= bound));
  assert.ok(Math.abs(stdOf(w).std / (bound / Math.sqrt(3)) - 1) < 0.02);
  const he = new nn.Linear(fanIn, 300, { init: "he", generator: gen(49) });
  assert.ok(Math.abs(stdOf(he.weight.data()).std / Math.sqrt(2 / fanIn) - 1) < 0.03);
  assert.ok(he.bias!.data().every((v) => v === 0));
  const gl = new nn.Linear(fanIn, 300, { init: "glorot", generator: gen(50) });
  assert.ok(gl.weight.data().every((v) => Math.abs(v) <= Math.sqrt(6 / (fanIn + 300))));
  const same1 = new nn.MLP([3, 4, 2], { generator: gen(51) }).stateDict();
  const same2 = new nn.MLP([3, 4, 2], { generator: gen(51) }).stateDict();
  for (const k of Object.keys(same1)) assert.deepEqual(same1[k].data(), same2[k].data());
  const custom = new nn.Linear(2, 2, { init: (shape, o) => nn.init.constant(shape, 0.25, o) });
  assert.deepEqual(custom.weight.toArray(), [[0.25, 0.25], [0.25, 0.25]]);
});
