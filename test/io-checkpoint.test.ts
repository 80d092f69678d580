// Checkpoints: a module's state dict (and an optimizer's state) through a safetensors file.
// Strict key and shape checks, failed loads that change nothing, and training that resumes from
// a checkpoint bit for bit as if it had never stopped.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import * as tg from "../src/index.js";
import { ArgumentError, DataFormatError, ShapeError } from "../src/index.js";

const { io, nn, optim } = tg;
type Module = tg.nn.Module;
type AnyOptimizer = tg.optim.Optimizer<tg.optim.BaseHyper, tg.optim.ParamState>;

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "tg-ckpt-"));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mlp = (seed: number, sizes = [3, 8, 2]) => new nn.MLP(sizes, { generator: tg.random.generator(seed) });
const snapshot = (m: Module) => Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, Array.from(t.data())]));

class WithBuffer extends nn.Module {
  lin = new nn.Linear(2, 2, { generator: tg.random.generator(5) });
  declare running: tg.Tensor;
  constructor() {
    super();
    this.registerBuffer("running", tg.tensor([0.5, -0.5]));
  }
  forward(x: tg.Tensor): tg.Tensor {
    return this.lin.call(x).add(this.running);
  }
}

/** The plain values a compiled step guards on: hyperparameters, step counts, which state entries are tensors. */
function guards(o: { guardValues(out: unknown[]): void }): unknown[] {
  const out: unknown[] = [];
  o.guardValues(out);
  return out;
}

test("saveModule / loadModule: the state dict by PyTorch-style dotted names, buffers included", () => {
  withDir((dir) => {
    const path = join(dir, "m.safetensors");
    const a = mlp(1);
    io.saveModule(a, path, { metadata: { epoch: "7" } });
    // an ordinary safetensors state dict
    const plain = io.load(path);
    assert.deepEqual(Object.keys(plain.tensors).sort(), ["layers.0.bias", "layers.0.weight", "layers.1.bias", "layers.1.weight"]);
    assert.deepEqual(plain.metadata, { epoch: "7" });
    const b = mlp(2);
    assert.notDeepEqual(snapshot(b), snapshot(a));
    const params = b.parameters();
    const r = io.loadModule(b, path);
    assert.deepEqual(r, { metadata: { epoch: "7" }, missingKeys: [], unexpectedKeys: [] });
    assert.deepEqual(snapshot(b), snapshot(a));
    assert.ok(b.parameters().every((p, i) => p === params[i]), "parameters keep their identity");
    const x = tg.randn([4, 3]);
    assert.deepEqual(b.call(x).data(), a.call(x).data());

    const m = new WithBuffer();
    io.saveModule(m, path);
    const m2 = new WithBuffer();
    m2.running = tg.zeros([2]);
    io.loadModule(m2, path);
    assert.deepEqual(Array.from(m2.running.data()), [0.5, -0.5]);
    assert.deepEqual(readdirSync(dir), ["m.safetensors"]);
  });
});

test("strict loading: missing and unexpected keys and shape mismatches are errors naming the keys, shapes and file, and change nothing", () => {
  withDir((dir) => {
    const path = join(dir, "m.safetensors");
    io.saveModule(mlp(1), path);
    const deeper = mlp(3, [3, 8, 2, 5]);
    const before = snapshot(deeper);
    assert.throws(
      () => io.loadModule(deeper, path),
      (e: unknown) =>
        e instanceof ArgumentError &&
        e.message.startsWith(`io.loadModule: '${path}' does not match MLP:`) &&
        e.message.includes("'layers.2.weight', 'layers.2.bias' are missing from the file"),
    );
    assert.deepEqual(snapshot(deeper), before);
    const narrower = mlp(4, [3, 8]);
    assert.throws(() => io.loadModule(narrower, path), /the file's 'layers\.1\.weight', 'layers\.1\.bias' are not in the module/);
    const wider = mlp(5, [3, 16, 2]);
    const wb = snapshot(wider);
    assert.throws(
      () => io.loadModule(wider, path),
      (e: unknown) => e instanceof ShapeError && e.message === `io.loadModule: 'layers.0.weight' in '${path}' has shape [8,3], the module's has [16,3]`,
    );
    assert.deepEqual(snapshot(wider), wb);
    // strict: false loads what matches and reports the rest
    const r = io.loadModule(deeper, path, { strict: false });
    assert.deepEqual(r.missingKeys, ["layers.2.weight", "layers.2.bias"]);
    assert.deepEqual(r.unexpectedKeys, []);
    assert.deepEqual(snapshot(deeper)["layers.0.weight"], snapshot(mlp(1))["layers.0.weight"]);
  });
});

test("weights saved as F16 or BF16 load into a float32 model (converted, as PyTorch copies across dtypes)", () => {
  const a = mlp(1);
  const bytes = io.encodeModule(a, { dtypes: () => "BF16" });
  const b = mlp(2);
  io.decodeModule(b, bytes);
  for (const [k, t] of Object.entries(b.stateDict())) {
    assert.equal(t.dtype, "float32");
    const want = a.stateDict()[k];
    const bf = io.decode(io.encode({ x: want }, { dtypes: { x: "BF16" } })).tensors.x;
    assert.deepEqual(t.data(), bf.data(), k);
  }
});

/** Trains `model` with `opt` on fixed data for `steps` steps. */
function train(model: Module, opt: AnyOptimizer, steps: number, from: number): void {
  for (let s = from; s < from + steps; s++) {
    const g = tg.random.generator(100 + s);
    const x = tg.randn([8, 3], { generator: g });
    const y = tg.randn([8, 2], { generator: g });
    opt.zeroGrad();
    model.call(x).sub(y).square().mean().backward();
    opt.step();
  }
}

const optimizers: [string, (ps: tg.Tensor[]) => AnyOptimizer][] = [
  ["Adam (amsgrad, weight decay)", (ps) => new optim.Adam(ps, { lr: 0.01, amsgrad: true, weightDecay: 0.01 })],
  ["AdamW", (ps) => new optim.AdamW(ps, { lr: 0.02 })],
  ["SGD with momentum", (ps) => new optim.SGD(ps, { lr: 0.05, momentum: 0.9, nesterov: true })],
  ["RMSprop", (ps) => new optim.RMSprop(ps, { lr: 0.01, momentum: 0.5, centered: true })],
  ["Adagrad", (ps) => new optim.Adagrad(ps, { lr: 0.1 })],
];

for (const [name, make] of optimizers) {
  test(`a checkpoint with ${name} state resumes training bit for bit`, () => {
    withDir((dir) => {
      const path = join(dir, "ckpt.safetensors");
      const a = mlp(1);
      const optA = make(a.parameters());
      train(a, optA, 3, 0);
      optA.lr = optA.lr * 0.5; // a changed hyperparameter must come back too
      io.saveModule(a, path, { optimizer: optA });
      train(a, optA, 4, 3);

      const b = mlp(9);
      const optB = make(b.parameters());
      io.loadModule(b, path, { optimizer: optB });
      assert.equal(optB.lr, optA.lr);
      train(b, optB, 4, 3);
      assert.deepEqual(snapshot(b), snapshot(a));
      assert.deepEqual(guards(optB), guards(optA), "hyperparameters and step counts agree");
    });
  });
}

test("a checkpoint taken before the first step (SGD's momentum buffers still null) resumes too", () => {
  const a = mlp(1);
  const optA = new optim.SGD(a.parameters(), { lr: 0.05, momentum: 0.9 });
  const bytes = io.encodeModule(a, { optimizer: optA });
  train(a, optA, 3, 0);
  const b = mlp(2);
  const optB = new optim.SGD(b.parameters(), { lr: 0.05, momentum: 0.9 });
  io.decodeModule(b, bytes, { optimizer: optB });
  train(b, optB, 3, 0);
  assert.deepEqual(snapshot(b), snapshot(a));
});

test("optimizer checkpoint errors: another optimizer, no optimizer state, other parameter shapes; nothing changes on failure", () => {
  const a = mlp(1);
  const adam = new optim.Adam(a.parameters(), { lr: 0.01 });
  train(a, adam, 1, 0);
  const withOpt = io.encodeModule(a, { optimizer: adam });
  const without = io.encodeModule(a);

  const b = mlp(2);
  assert.throws(() => io.decodeModule(b, withOpt, { optimizer: new optim.SGD(b.parameters(), { lr: 0.1 }) }), /io\.decodeModule: the checkpoint holds Adam state but the optimizer is SGD/);
  assert.throws(() => io.decodeModule(b, without, { optimizer: new optim.Adam(b.parameters(), { lr: 0.1 }) }), /io\.decodeModule: the checkpoint holds no optimizer state \(saved without \{ optimizer \}\)/);
  // loading only the module from a file with optimizer state is fine
  io.decodeModule(b, withOpt);
  assert.deepEqual(snapshot(b), snapshot(a));

  // a module that does not fit leaves the optimizer as it was, too
  const c = mlp(3, [3, 4, 2]);
  const optC = new optim.Adam(c.parameters(), { lr: 0.3 });
  const key = guards(optC);
  assert.throws(() => io.decodeModule(c, withOpt, { optimizer: optC }));
  assert.deepEqual(guards(optC), key);
  assert.equal(optC.lr, 0.3);
});

test("reserved names: tensorgrad.* metadata keys and __optimizer__.* module entries", () => {
  assert.throws(() => io.encodeModule(mlp(1), { metadata: { "tensorgrad.optimizer": "{}" } }), /metadata key 'tensorgrad\.optimizer' is reserved/);
  assert.throws(() => io.encodeModule({} as never), /io\.encodeModule: expected an nn\.Module/);
});

test("a corrupt optimizer record is a DataFormatError", () => {
  const a = mlp(1);
  const opt = new optim.Adam(a.parameters(), { lr: 0.01 });
  train(a, opt, 1, 0);
  const { tensors, metadata } = io.decode(io.encodeModule(a, { optimizer: opt }));
  const bad = (meta: string, ts = tensors) => io.encode(ts, { metadata: { "tensorgrad.optimizer": meta } });
  const b = mlp(2);
  const optB = new optim.Adam(b.parameters(), { lr: 0.01 });
  assert.throws(() => io.decodeModule(b, bad("{not json"), { optimizer: optB }), (e: unknown) => e instanceof DataFormatError && /tensorgrad\.optimizer: not valid JSON/.test(e.message));
  assert.throws(() => io.decodeModule(b, bad("[]"), { optimizer: optB }), DataFormatError);
  const dropped = { ...tensors };
  delete dropped["__optimizer__.state.0.expAvg"];
  assert.throws(() => io.decodeModule(b, bad(metadata["tensorgrad.optimizer"], dropped), { optimizer: optB }), /names tensor '__optimizer__\.state\.0\.expAvg', which is not in the file/);
  const extra = { ...tensors, "__optimizer__.state.99.x": tg.ones([1]) };
  assert.throws(() => io.decodeModule(b, bad(metadata["tensorgrad.optimizer"], extra), { optimizer: optB }), /optimizer tensors no parameter claims: '__optimizer__\.state\.99\.x'/);
});

test("a dtype function narrows the module's weights but leaves optimizer state exact", () => {
  const a = mlp(1);
  const opt = new optim.Adam(a.parameters(), { lr: 0.01 });
  train(a, opt, 2, 0);
  const bytes = io.encodeModule(a, { optimizer: opt, dtypes: () => "F16", metadata: { __proto__: "p" } as never });
  const kinds = Object.fromEntries(io.decodeSafetensorsHeader(bytes).entries.map((e) => [e.name, e.dtype]));
  assert.equal(kinds["layers.0.weight"], "F16");
  assert.equal(kinds["__optimizer__.state.0.expAvg"], "F32");
  assert.equal(kinds["__optimizer__.state.0.step"], "F64");
  const b = mlp(2);
  const optB = new optim.Adam(b.parameters(), { lr: 0.01 });
  io.decodeModule(b, bytes, { optimizer: optB });
  assert.deepEqual(guards(optB), guards(opt));
});
