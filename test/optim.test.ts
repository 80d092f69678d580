import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import * as tg from "../src/index.js";
import { optim, type Tensor } from "../src/index.js";

// ---- PyTorch reference (test/reference/make-optim-reference.py, float64) ----

interface Run {
  problem: "quadratic" | "leastSquares";
  optimizer: "SGD" | "Adam" | "AdamW" | "RMSprop" | "Adagrad";
  opts: Record<string, unknown>;
  groups?: Record<string, number>[];
  trajectory: number[][][];
}
interface Reference {
  steps: number;
  problems: { quadratic: { start: number[] }; leastSquares: { x: number[][]; y: number[][]; w0: number[][]; b0: number[] } };
  runs: Run[];
  schedules: { name: string; opts: Record<string, unknown>; lrs: number[] }[];
  clip: { grads: [number[][], number[]]; cases: { normType: number | "Infinity"; maxNorm: number; totalNorm: number; clipped: number[][] }[] };
}
const ref = JSON.parse(readFileSync(new URL("./reference/optim-reference.json", import.meta.url), "utf8")) as Reference;

const f64 = (x: number | number[] | number[][]) => tg.tensor(x, { dtype: "float64" });

function makeProblem(problem: Run["problem"]): { params: Tensor[]; loss: (...ps: Tensor[]) => Tensor } {
  if (problem === "quadratic") {
    // f(x, y) = x² + 10y²
    const w = tg.tensor([1, 10], { dtype: "float64" });
    return { params: [f64(ref.problems.quadratic.start)], loss: (xy) => xy.square().mul(w).sum() };
  }
  const p = ref.problems.leastSquares;
  const x = f64(p.x);
  const y = f64(p.y);
  return { params: [f64(p.w0), f64(p.b0)], loss: (w, b) => x.matmul(w.T).add(b).sub(y).square().mean() };
}

type AnyOptimizer = { step(): void; zeroGrad(): void };
function makeOptimizer(name: Run["optimizer"], params: Tensor[], opts: Record<string, unknown>, groups?: Record<string, number>[]): AnyOptimizer {
  const input = groups ? groups.map((g, i) => ({ params: [params[i]], ...g })) : params;
  // the reference options are already in tensorgrad's names
  const o = opts as never;
  const i = input as never;
  switch (name) {
    case "SGD": return new optim.SGD(i, o);
    case "Adam": return new optim.Adam(i, o);
    case "AdamW": return new optim.AdamW(i, o);
    case "RMSprop": return new optim.RMSprop(i, o);
    case "Adagrad": return new optim.Adagrad(i, o);
  }
}

function rule(name: Run["optimizer"]) {
  return { SGD: optim.sgd, Adam: optim.adam, AdamW: optim.adamw, RMSprop: optim.rmsprop, Adagrad: optim.adagrad }[name] as unknown as optim.OptimizerRule<
    optim.BaseHyper,
    optim.ParamState
  >;
}

function assertClose(actual: ArrayLike<number>, expected: readonly number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    assert.ok(err <= tol * Math.max(1, Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]} (error ${err})`);
  }
}

const label = (r: Run) => `${r.optimizer} ${JSON.stringify(r.opts)}${r.groups ? ` groups ${JSON.stringify(r.groups)}` : ""} on ${r.problem}`;

test("optimizer classes follow PyTorch's float64 trajectories to 1e-12", () => {
  assert.ok(ref.runs.length >= 27);
  for (const r of ref.runs) {
    const { params, loss } = makeProblem(r.problem);
    params.forEach((p) => p.setRequiresGrad());
    const opt = makeOptimizer(r.optimizer, params, r.opts, r.groups);
    r.trajectory.forEach((expected, t) => {
      opt.zeroGrad();
      loss(...params).backward();
      opt.step();
      params.forEach((p, k) => assertClose(p.data(), expected[k], 1e-12, `${label(r)} step ${t + 1} param ${k}`));
    });
  }
});

test("pure rules with tg.grad follow the same trajectories", () => {
  for (const r of ref.runs) {
    if (r.groups) continue;
    const { params: p0, loss } = makeProblem(r.problem);
    const R = rule(r.optimizer);
    const hp = r.opts as Partial<optim.BaseHyper>;
    let params = p0;
    let state = R.init(params, hp);
    const g = tg.grad(loss, { argnums: params.map((_, i) => i) });
    r.trajectory.forEach((expected, t) => {
      ({ params, state } = R.update(g(...params), state, params, hp));
      params.forEach((p, k) => assertClose(p.data(), expected[k], 1e-12, `${label(r)} step ${t + 1} param ${k}`));
    });
  }
});

// ---- first steps by hand ----

test("Adam's first step moves every coordinate by lr·sign(g), up to eps", () => {
  // m₁ = (1−β₁)g, v₁ = (1−β₂)g², bias-corrected: m̂ = g, √v̂ = |g|, so Δ = −lr·g/(|g| + ε)
  const p = tg.tensor([1, -2, 3, 0.5], { dtype: "float64" });
  const g = tg.tensor([0.003, -40, 7, -1e-3], { dtype: "float64" });
  const { params } = optim.adam.update([g], optim.adam.init([p]), [p], { lr: 0.01 });
  const expected = [1 - 0.01 * (0.003 / (0.003 + 1e-8)), -2 + 0.01 * (40 / (40 + 1e-8)), 3 - 0.01 * (7 / (7 + 1e-8)), 0.5 + 0.01 * (1e-3 / (1e-3 + 1e-8))];
  assertClose(params[0].data(), expected, 1e-14, "adam step 1");
  assertClose(params[0].data(), [0.99, -1.99, 2.99, 0.51], 1e-7, "adam step 1 ≈ lr·sign(g)");
});

test("SGD with momentum: two steps by hand", () => {
  // b₁ = g₁ (no dampening on the first step), p₁ = p₀ − lr·b₁; b₂ = μb₁ + (1−τ)g₂, p₂ = p₁ − lr·b₂
  const p = tg.tensor([1], { dtype: "float64" }).setRequiresGrad();
  const opt = new optim.SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.5 });
  p.grad = tg.tensor([2], { dtype: "float64" });
  opt.step();
  assert.equal(p.item(), 1 - 0.1 * 2); // 0.8
  p.grad = tg.tensor([4], { dtype: "float64" });
  opt.step();
  assert.ok(Math.abs(p.item() - (0.8 - 0.1 * (0.9 * 2 + 0.5 * 4))) < 1e-15); // 0.8 − 0.38 = 0.42
});

test("AdamW decays the weights before the Adam step; a zero gradient leaves only the decay", () => {
  // g = 0 ⇒ m = v = 0 ⇒ the Adam part is 0/(0 + ε) = 0: p ← p·(1 − lr·λ)
  const p = tg.tensor([2, -4], { dtype: "float64" });
  const { params } = optim.adamw.update([tg.zerosLike(p)], optim.adamw.init([p]), [p], { lr: 0.1, weightDecay: 0.5 });
  assert.deepEqual(Array.from(params[0].data()), [2 * 0.95, -4 * 0.95]);
  assert.equal(optim.adamw.defaults.weightDecay, 0.01);
  assert.equal(optim.adam.defaults.weightDecay, 0);
});

test("Adagrad and RMSprop first steps by hand", () => {
  const p = tg.tensor([1], { dtype: "float64" });
  const g = tg.tensor([2], { dtype: "float64" });
  // Adagrad: s = 0.5 + 4, p − lr·g/(√s + ε)
  const a = optim.adagrad.update([g], optim.adagrad.init([p], { initialAccumulatorValue: 0.5 }), [p], { lr: 0.1, initialAccumulatorValue: 0.5 });
  assert.ok(Math.abs(a.params[0].item() - (1 - (0.1 * 2) / (Math.sqrt(4.5) + 1e-10))) < 1e-15);
  // RMSprop: v = (1 − 0.99)·4 = 0.04, p − lr·g/(√v + ε) = 1 − 0.01·2/(0.2 + 1e-8) ≈ 0.9
  const r = optim.rmsprop.update([g], optim.rmsprop.init([p]), [p]);
  assert.ok(Math.abs(r.params[0].item() - (1 - (0.01 * 2) / (Math.sqrt((1 - 0.99) * 4) + 1e-8))) < 1e-15);
  assert.ok(Math.abs(r.params[0].item() - 0.9) < 1e-8);
});

// ---- the race on f(x, y) = x² + 10y² ----

test("optimizer race: SGD, momentum, Adam and AdamW all decrease f(x, y) = x² + 10y² from (−3, 2)", () => {
  const f = (xy: Tensor) => xy.square().mul(tg.tensor([1, 10])).sum();
  const f0 = f(tg.tensor([-3, 2])).item(); // 9 + 40 = 49
  assert.equal(f0, 49);
  const makers: [string, (p: Tensor[]) => AnyOptimizer][] = [
    ["SGD", (p) => new optim.SGD(p, { lr: 0.04 })],
    ["SGD momentum 0.9", (p) => new optim.SGD(p, { lr: 0.01, momentum: 0.9 })],
    ["Adam", (p) => new optim.Adam(p, { lr: 0.1 })],
    ["AdamW", (p) => new optim.AdamW(p, { lr: 0.1 })],
  ];
  for (const [name, make] of makers) {
    const xy = tg.tensor([-3, 2]).setRequiresGrad();
    const opt = make([xy]);
    const values: number[] = [];
    for (let t = 0; t < 100; t++) {
      opt.zeroGrad();
      const loss = f(xy);
      values.push(loss.item());
      loss.backward();
      opt.step();
    }
    const final = f(xy).item();
    assert.ok(final < f0 / 100, `${name}: f went from ${f0} to ${final}`);
    assert.ok(values[10] < f0, `${name}: f after 10 steps ${values[10]}`);
  }
});

// ---- the stateful wrapper ----

test("zeroGrad clears gradients; parameters without a gradient are skipped, state included", () => {
  const a = tg.tensor([1, 2]).setRequiresGrad();
  const b = tg.tensor([3]).setRequiresGrad();
  const opt = new optim.Adam([a, b], { lr: 0.1 });
  a.mul(a).sum().backward();
  assert.ok(a.grad !== null && b.grad === null);
  opt.step();
  assert.equal(opt.stateOf(a)!.step.item(), 1);
  assert.equal(opt.stateOf(b)!.step.item(), 0);
  assert.deepEqual(Array.from(b.data()), [3]);
  opt.zeroGrad();
  assert.equal(a.grad, null);
});

test("step keeps parameter identity and records no graph", () => {
  const w = tg.tensor([1, 2]).setRequiresGrad();
  const opt = new optim.SGD([w], { lr: 0.5 });
  w.square().sum().backward();
  opt.step();
  assert.deepEqual(Array.from(w.data()), [0, 0]); // w − 0.5·2w
  assert.ok(w.requiresGrad);
  // pure updates are not differentiable results
  const p = tg.tensor([1, 2]).setRequiresGrad();
  const r = optim.sgd.update([tg.tensor([1, 1])], optim.sgd.init([p]), [p], { lr: 0.1 });
  assert.equal(r.params[0].requiresGrad, false);
  assert.deepEqual(Array.from(r.params[0].data()), [Math.fround(0.9), Math.fround(1.9)]);
  // nothing is mutated: the inputs keep their values, the old state its step count
  const s0 = optim.adam.init([p]);
  const r2 = optim.adam.update([tg.tensor([1, 1])], s0, [p], { lr: 0.1 });
  assert.deepEqual(Array.from(p.data()), [1, 2]);
  assert.equal(s0[0].step.item(), 0);
  assert.deepEqual(Array.from(s0[0].expAvg.data()), [0, 0]);
  assert.equal(r2.state[0].step.item(), 1);
});

test("lr getter and setter, parameter groups with their own hyperparameters", () => {
  const a = tg.tensor([1]).setRequiresGrad();
  const b = tg.tensor([1]).setRequiresGrad();
  const opt = new optim.SGD([{ params: [a] }, { params: [b], lr: 0.5, momentum: 0.9 }], { lr: 0.1 });
  assert.equal(opt.lr, 0.1);
  assert.equal(opt.paramGroups[1].lr, 0.5);
  assert.equal(opt.paramGroups[1].momentum, 0.9);
  assert.equal(opt.paramGroups[0].momentum, 0);
  a.grad = tg.tensor([1]);
  b.grad = tg.tensor([1]);
  opt.step();
  assert.equal(a.item(), Math.fround(0.9));
  assert.equal(b.item(), 0.5);
  opt.lr = 0.25;
  assert.deepEqual(opt.paramGroups.map((g) => g.lr), [0.25, 0.25]);
  // every group sets its own lr, so SGD's required lr may come from the groups alone
  const c = new optim.SGD([{ params: [tg.tensor([1]).setRequiresGrad()], lr: 0.3 }]);
  assert.equal(c.lr, 0.3);
});

function bits(t: Tensor): number[] {
  return Array.from(new Uint32Array(new Float32Array(t.data()).buffer));
}

test("stateDict/loadStateDict: 10 steps equal 5 steps + save/load into a fresh optimizer + 5 steps, bit for bit", () => {
  const x = tg.randn([16, 3], { generator: tg.random.generator(1) });
  const y = tg.randn([16, 2], { generator: tg.random.generator(2) });
  const init = () => [tg.randn([2, 3], { generator: tg.random.generator(3) }).setRequiresGrad(), tg.zeros([2]).setRequiresGrad()];
  const lossOf = (w: Tensor, b: Tensor) => x.matmul(w.T).add(b).sub(y).square().mean();
  const makers: [string, (p: Tensor[]) => optim.Optimizer<optim.BaseHyper, optim.ParamState>][] = [
    ["SGD", (p) => new optim.SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true }) as never],
    ["Adam", (p) => new optim.Adam(p, { lr: 0.05, amsgrad: true }) as never],
    ["AdamW", (p) => new optim.AdamW(p, { lr: 0.05 }) as never],
    ["RMSprop", (p) => new optim.RMSprop(p, { centered: true, momentum: 0.5 }) as never],
    ["Adagrad", (p) => new optim.Adagrad(p, { lr: 0.1, lrDecay: 0.1 }) as never],
  ];
  const train = (opt: AnyOptimizer, ps: Tensor[], n: number) => {
    for (let t = 0; t < n; t++) {
      opt.zeroGrad();
      lossOf(ps[0], ps[1]).backward();
      opt.step();
    }
  };
  for (const [name, make] of makers) {
    const straight = init();
    train(make(straight), straight, 10);

    const first = init();
    const opt1 = make(first);
    train(opt1, first, 5);
    const saved = opt1.stateDict();
    const copy = () => first.map((q) => tg.tensor(q.data(), { shape: q.shape }).setRequiresGrad());
    const resumed = copy();
    const fresh = copy();
    const key = Object.keys(saved.state[0]).find((k) => saved.state[0][k] instanceof tg.Tensor)!;
    const savedBits = bits(saved.state[0][key] as Tensor);
    train(opt1, first, 3); // later steps must not change the snapshot
    assert.deepEqual(bits(saved.state[0][key] as Tensor), savedBits, `${name}: snapshot changed by later steps`);

    const opt3 = make(resumed);
    opt3.loadStateDict(saved);
    train(opt3, resumed, 5);
    assert.deepEqual(bits(resumed[0]), bits(straight[0]), `${name}: weights`);
    assert.deepEqual(bits(resumed[1]), bits(straight[1]), `${name}: bias`);
    // and the state matters: a fresh optimizer from the same point ends elsewhere
    train(make(fresh), fresh, 5);
    assert.notDeepEqual(bits(fresh[0]), bits(straight[0]), `${name}: state made no difference`);
  }
});

test("loadStateDict restores hyperparameters and rejects a mismatched dict", () => {
  const a = tg.zeros([2, 3]).setRequiresGrad();
  const opt = new optim.Adam([a], { lr: 0.01 });
  const sd = opt.stateDict();
  sd.paramGroups[0].lr = 0.123;
  const b = tg.zeros([2, 3]).setRequiresGrad();
  const opt2 = new optim.Adam([b]);
  opt2.loadStateDict(sd);
  assert.equal(opt2.lr, 0.123);
  const c = new optim.Adam([tg.zeros([3, 2]).setRequiresGrad()]);
  assert.throws(() => c.loadStateDict(sd), (e: Error) => e instanceof tg.ShapeError && /^Adam\.loadStateDict: .*float32\[2,3\].*float32\[3,2\]/.test(e.message));
  const d = new optim.Adam([tg.zeros([2, 3]).setRequiresGrad(), tg.zeros([1]).setRequiresGrad()]);
  assert.throws(() => d.loadStateDict(sd), (e: Error) => e instanceof tg.ArgumentError && /2 parameters/.test(e.message));
  assert.equal(c.lr, 1e-3); // nothing applied after a failed load
});

test("constructor and update errors name the optimizer, shapes and dtypes", () => {
  const p = tg.zeros([2]).setRequiresGrad();
  assert.throws(() => new optim.SGD([p]), (e: Error) => e instanceof tg.ArgumentError && /^SGD: the learning rate lr is required/.test(e.message));
  assert.throws(() => new optim.SGD([p], { lr: 0.1, nesterov: true }), (e: Error) => e instanceof tg.ArgumentError && /^SGD: Nesterov/.test(e.message));
  assert.throws(() => new optim.Adam([p], { lr: -1 }), (e: Error) => e instanceof tg.ArgumentError && /^Adam: invalid lr=-1/.test(e.message));
  assert.throws(() => new optim.Adam([p], { betas: [0.9, 1] }), (e: Error) => e instanceof tg.ArgumentError && /^Adam: invalid betas\[1\]=1/.test(e.message));
  assert.throws(() => new optim.Adam([p], { weight_decay: 0.1 } as never), (e: Error) => e instanceof tg.ArgumentError && /unknown option 'weight_decay'/.test(e.message));
  assert.throws(() => new optim.Adam([]), tg.ArgumentError);
  assert.throws(() => new optim.Adam([p, p]), (e: Error) => e instanceof tg.ArgumentError && /more than once/.test(e.message));
  assert.throws(() => new optim.Adam([tg.zeros([2], "int32")]), (e: Error) => e instanceof tg.DTypeError && /^Adam: parameter 0 has dtype int32\[2\]/.test(e.message));
  const s = optim.adam.init([p]);
  assert.throws(() => optim.adam.update([tg.zeros([3])], s, [p]), (e: Error) => e instanceof tg.ShapeError && /^Adam: gradient 0 has shape \[3\] but its parameter has shape \[2\]/.test(e.message));
  assert.throws(() => optim.adam.update([tg.zeros([2], "float64")], s, [p]), (e: Error) => e instanceof tg.DTypeError && /float64.*float32\[2\]/.test(e.message));
  assert.throws(() => optim.adam.update([], s, [p]), (e: Error) => e instanceof tg.ArgumentError && /^Adam\.update: 1 parameters, 0 gradients/.test(e.message));
});

// ---- schedules ----

test("schedules match PyTorch's schedulers", () => {
  for (const s of ref.schedules) {
    const o = s.opts as never;
    const f =
      s.name === "stepLR" ? optim.stepLR(o) : s.name === "exponentialLR" ? optim.exponentialLR(o) : s.name === "cosineAnnealingLR" ? optim.cosineAnnealingLR(o) : optim.oneCycleLR(o);
    assertClose(s.lrs.map((_, t) => f(t)), s.lrs, 1e-12, `${s.name} ${JSON.stringify(s.opts)}`);
  }
});

test("schedules at a few steps against their formulas", () => {
  // lr·γ^⌊t/s⌋
  assert.equal(optim.stepLR({ lr: 0.1, stepSize: 10, gamma: 0.5 })(25), 0.1 * 0.25);
  // lr·γᵗ
  assert.equal(optim.exponentialLR({ lr: 2, gamma: 0.5 })(3), 0.25);
  // cosine: lr at 0, the midpoint at T/2, η_min at T
  const cos = optim.cosineAnnealingLR({ lr: 1, tMax: 10, etaMin: 0.2 });
  assert.equal(cos(0), 1);
  assert.ok(Math.abs(cos(5) - 0.6) < 1e-15);
  assert.ok(Math.abs(cos(10) - 0.2) < 1e-15);
  // warm-up lr·t/w, then minLr + (lr − minLr)(1 + cos(π·progress))/2, then flat
  const wc = optim.linearWarmupCosine({ lr: 1, warmupSteps: 10, totalSteps: 110, minLr: 0.1 });
  assert.equal(wc(0), 0);
  assert.equal(wc(5), 0.5);
  assert.equal(wc(10), 1);
  assert.ok(Math.abs(wc(35) - (0.1 + 0.9 * (1 + Math.SQRT1_2) / 2)) < 1e-15); // progress ¼: cos(π/4) = √½
  assert.ok(Math.abs(wc(60) - 0.55) < 1e-15);
  assert.ok(Math.abs(wc(110) - 0.1) < 1e-15);
  assert.ok(Math.abs(wc(500) - 0.1) < 1e-15);
  // one cycle: maxLr/25 at 0, maxLr at the end of the rise, maxLr/25/1e4 at the end
  const oc = optim.oneCycleLR({ maxLr: 1, totalSteps: 101, pctStart: 0.1 });
  assert.ok(Math.abs(oc(0) - 0.04) < 1e-15);
  // the rise ends at the fractional step 0.1·101 − 1 = 9.1: cos anneal at pct = 9/9.1
  assert.ok(Math.abs(oc(9) - (1 + ((0.04 - 1) / 2) * (1 + Math.cos((Math.PI * 9) / 9.1)))) < 1e-15);
  assert.ok(Math.abs(oc(100) - 0.04 / 1e4) < 1e-18);
  assert.throws(() => oc(102), (e: Error) => e instanceof tg.ArgumentError && /^oneCycleLR: step 102/.test(e.message));
  assert.throws(() => optim.linearWarmupCosine({ lr: 1, warmupSteps: 10, totalSteps: 5 }), tg.ArgumentError);
});

test("LRScheduler sets the optimizer's lr at construction and on every step", () => {
  const a = tg.tensor([1]).setRequiresGrad();
  const b = tg.tensor([1]).setRequiresGrad();
  const opt = new optim.SGD([{ params: [a] }, { params: [b] }], { lr: 1 });
  const sched = new optim.LRScheduler(opt, [optim.stepLR({ lr: 0.4, stepSize: 2, gamma: 0.5 }), optim.exponentialLR({ lr: 1, gamma: 0.5 })]);
  assert.deepEqual(sched.lastLr, [0.4, 1]);
  const seen: number[][] = [];
  for (let t = 0; t < 4; t++) {
    sched.step();
    seen.push(sched.lastLr);
  }
  assert.deepEqual(seen, [[0.4, 0.5], [0.2, 0.25], [0.2, 0.125], [0.1, 0.0625]]);
  const again = new optim.LRScheduler(opt, optim.exponentialLR({ lr: 1, gamma: 0.5 }));
  again.loadStateDict(sched.stateDict());
  assert.equal(opt.lr, 0.0625);
  assert.throws(() => new optim.LRScheduler(opt, [optim.exponentialLR({ lr: 1, gamma: 0.5 })]), tg.ArgumentError);
});

// ---- clipping ----

test("clipGradNorm matches PyTorch's clip_grad_norm_", () => {
  for (const c of ref.clip.cases) {
    const ps = [tg.zeros([2, 3], "float64").setRequiresGrad(), tg.zeros([2], "float64").setRequiresGrad()];
    ps[0].grad = f64(ref.clip.grads[0]);
    ps[1].grad = f64(ref.clip.grads[1]);
    const normType = c.normType === "Infinity" ? Infinity : c.normType;
    const total = optim.clipGradNorm(ps, c.maxNorm, { normType }).item();
    assertClose([total], [c.totalNorm], 1e-14, `total ${c.normType}-norm`);
    ps.forEach((p, k) => assertClose(p.grad!.data(), c.clipped[k], 1e-14, `clipped ${c.normType} grad ${k}`));
  }
});

test("clipGradNorm by hand, clipGradValue, clipGradsByNorm", () => {
  // ‖(3, 4, 12)‖ = 13; scale = 6.5/(13 + 1e-6)
  const a = tg.zeros([2], "float64").setRequiresGrad();
  const b = tg.zeros([1], "float64").setRequiresGrad();
  const c = tg.zeros([1], "float64").setRequiresGrad(); // no gradient: ignored
  a.grad = f64([3, 4]);
  b.grad = f64([12]);
  assert.equal(optim.clipGradNorm([a, b, c], 6.5).item(), 13);
  const s = 6.5 / (13 + 1e-6);
  assertClose(a.grad.data(), [3 * s, 4 * s], 1e-15, "a");
  assertClose(b.grad.data(), [12 * s], 1e-15, "b");
  assert.equal(c.grad, null);
  // under the limit: untouched
  a.grad = f64([3, 4]);
  assert.equal(optim.clipGradNorm(a, 10).item(), 5);
  assert.deepEqual(Array.from(a.grad.data()), [3, 4]);
  // max-norm and 1-norm
  a.grad = f64([3, -4]);
  assert.equal(optim.clipGradNorm(a, 100, { normType: Infinity }).item(), 4);
  assert.equal(optim.clipGradNorm(a, 100, { normType: 1 }).item(), 7);
  a.grad = f64([0.5, -3]);
  optim.clipGradValue([a, c], 1);
  assert.deepEqual(Array.from(a.grad.data()), [0.5, -1]);
  const [clipped, norm] = optim.clipGradsByNorm([f64([3, 4])], 1);
  assert.equal(norm.item(), 5);
  assertClose(clipped[0].data(), [3 / (5 + 1e-6), 4 / (5 + 1e-6)], 1e-15, "functional");
  assert.throws(() => optim.clipGradNorm([a], -1), (e: Error) => e instanceof tg.ArgumentError && /^clipGradNorm: maxNorm/.test(e.message));
  a.grad = f64([NaN, 1]);
  assert.throws(() => optim.clipGradNorm([a], 1, { errorIfNonfinite: true }), /^TensorGradError|clipGradsByNorm: the total 2-norm/);
  // without the check a NaN norm scales by NaN, as in PyTorch; no gradients give a norm of 0
  assert.ok(Number.isNaN(optim.clipGradNorm([a], 1).item()) && Number.isNaN(a.grad.data()[1]));
  assert.equal(optim.clipGradNorm([c], 1).item(), 0);
  // float32 gradients keep their dtype, and the norm is float32 too
  const h = tg.zeros([3]).setRequiresGrad();
  h.grad = tg.tensor([0, 3, 4]);
  const n32 = optim.clipGradNorm(h, 1);
  assert.equal(n32.dtype, "float32");
  assert.equal(h.grad.dtype, "float32");
  assertClose(h.grad.data(), [0, 0.6, 0.8], 1e-6, "float32 clip");
});

test("clipGradNorm inside tg.compile gives what the eager step gives, bit for bit", () => {
  const make = () => {
    const m = new tg.nn.Linear(4, 3, { generator: tg.random.generator(5) });
    return { m, opt: new optim.AdamW(m.parameters(), { lr: 0.1 }) };
  };
  const e = make();
  const k = make();
  const body = (s: ReturnType<typeof make>) => (x: tg.Tensor) => {
    s.opt.zeroGrad();
    const loss = s.m.forward(x).square().sum().mul(50);
    loss.backward();
    const norm = optim.clipGradNorm(s.m.parameters(), 0.5);
    s.opt.step();
    return [loss, norm];
  };
  const eager = body(e);
  const step = tg.compile(body(k));
  for (let i = 0; i < 4; i++) {
    const x = tg.randn([6, 4], { generator: tg.random.generator(i) });
    const [le, ne] = eager(x) as tg.Tensor[];
    const [lc, nc] = step(x) as tg.Tensor[];
    assert.equal(lc.item(), le.item());
    assert.equal(nc.item(), ne.item());
    assert.ok(ne.item() > 0.5, "the norm is above the limit, so clipping acts");
  }
  assert.deepEqual(Array.from(k.m.weight.data()), Array.from(e.m.weight.data()));
  assert.equal(step.traceCount, 1);
});
