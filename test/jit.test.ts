// Compiled functions: tg.jit (pure, JAX style) and tg.compile (PyTorch-style training steps)
// against the same code run eagerly, on every backend.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../src/index.js";
import { scheduleStats } from "../src/backend/schedule.js";
import { onBackend } from "./backend-helpers.js";

const { cpu, wasm } = tg.availableBackends();
const backends = wasm ? [cpu, wasm] : [cpu];


const same = (a: tg.Tensor, b: tg.Tensor, what: string) => assert.deepEqual(Array.from(a.data()), Array.from(b.data()), what);

// A 2 → 16 → 4 classifier; the loss as a pure function of its parameters.
const lossOf = (W1: tg.Tensor, b1: tg.Tensor, W2: tg.Tensor, b2: tg.Tensor, x: tg.Tensor, y: tg.Tensor) =>
  tg.nn.functional.crossEntropy(x.matmul(W1).add(b1).relu().matmul(W2).add(b2), y);

const sgdStep = (lr: number) => {
  const vg = tg.valueAndGrad(lossOf, { argnums: [0, 1, 2, 3] });
  return (W1: tg.Tensor, b1: tg.Tensor, W2: tg.Tensor, b2: tg.Tensor, x: tg.Tensor, y: tg.Tensor) => {
    const [loss, g] = vg(W1, b1, W2, b2, x, y);
    return { loss, params: [W1.sub(g[0].mul(lr)), b1.sub(g[1].mul(lr)), W2.sub(g[2].mul(lr)), b2.sub(g[3].mul(lr))] };
  };
};

function problem(dtype: "float32" | "float64" = "float32") {
  const gen = tg.random.generator(0);
  const params = [tg.randn([2, 16], { generator: gen, dtype }).mul(0.5), tg.zeros([16], { dtype }), tg.randn([16, 4], { generator: gen, dtype }).mul(0.5), tg.zeros([4], { dtype })];
  const x = tg.randn([64, 2], { generator: gen, dtype });
  const y = tg.randint(0, 4, [64], { generator: gen });
  return { params, x, y };
}

for (const be of backends) {
  test(`jit on ${be.name}: a training step equals the eager step bit for bit, traced once`, () => {
    onBackend(be, () => {
      const { params, x, y } = problem();
      const eager = sgdStep(0.1);
      const step = tg.jit(sgdStep(0.1), { donate: [0, 1, 2, 3] });
      let pe = params.map((p) => p.add(0));
      let pc = params.map((p) => p.add(0));
      for (let i = 0; i < 6; i++) {
        const re = eager(pe[0], pe[1], pe[2], pe[3], x, y);
        const rc = step(pc[0], pc[1], pc[2], pc[3], x, y);
        same(re.loss, rc.loss, `loss at step ${i}`);
        pe = re.params;
        pc = rc.params;
      }
      pe.forEach((p, i) => same(p, pc[i], `parameter ${i}`));
      assert.equal(step.traceCount, 1);
      // no fusion across an order of operations that reassociates float32: results are identical
      assert.ok(step.residentElements > 0, "intermediates are planned");
    });
  });
}

test("jit: a new shape, dtype or plain argument retraces; the same ones reuse the plan", () => {
  const f = tg.jit((x: tg.Tensor, k: number) => x.mul(k).exp().sum());
  assert.equal(f(tg.ones([3]), 2).item(), tg.ones([3]).mul(2).exp().sum().item());
  f(tg.ones([3]).mul(2), 2);
  assert.equal(f.traceCount, 1);
  f(tg.ones([4]), 2);
  f(tg.ones([3], { dtype: "float64" }), 2);
  f(tg.ones([3]), 3);
  assert.equal(f.traceCount, 4);
  const before = scheduleStats.compiled;
  f(tg.ones([3]), 3);
  assert.equal(scheduleStats.compiled, before, "a cached signature compiles nothing");
});

test("jit: the memory plan reuses buffers by liveness", () => {
  const f = tg.jit((x: tg.Tensor) => {
    let h = x;
    for (let i = 0; i < 6; i++) h = h.matmul(x).tanh();
    return h.sum();
  });
  const x = tg.randn([32, 32], { generator: tg.random.generator(1) }).mul(0.1);
  const eager = (() => {
    let h = x;
    for (let i = 0; i < 6; i++) h = h.matmul(x).tanh();
    return h.sum();
  })();
  same(f(x), eager, "value");
  // six 32×32 products, each needed only by the next: two buffers take turns
  assert.ok(f.residentElements <= 3 * 32 * 32, `resident ${f.residentElements}`);
});

test("jit: results are fresh tensors; arrays and objects of results keep their structure", () => {
  const f = tg.jit((a: tg.Tensor, b: tg.Tensor) => ({ sum: a.add(b), both: [a.mul(b), b] }));
  const a = tg.tensor([1, 2]);
  const b = tg.tensor([3, 4]);
  const r1 = f(a, b);
  const r2 = f(b, a);
  assert.deepEqual(r1.sum.toArray(), [4, 6]);
  assert.deepEqual(r1.both[0].toArray(), [3, 8]);
  assert.deepEqual(r1.both[1].toArray(), [3, 4]);
  assert.deepEqual(r2.both[1].toArray(), [1, 2], "a result that is an input is that input");
  assert.deepEqual(r1.sum.toArray(), [4, 6], "a later call does not touch earlier results");
});

test("jit: donated inputs may hold the results and cannot be read afterwards", () => {
  const f = tg.jit((p: tg.Tensor, g: tg.Tensor) => p.sub(g.mul(0.5)), { donate: [0] });
  const p = tg.tensor([1, 2, 3]);
  const q = f(p, tg.tensor([2, 2, 2]));
  assert.deepEqual(q.toArray(), [0, 1, 2]);
  assert.throws(() => p.data(), /donated to a compiled call/);
  assert.throws(() => tg.jit((x: tg.Tensor) => x.add(1), { donate: [3] })(tg.ones([1])), /donate index 3 is out of range/);
  // a kernel that also reads the donated input out of order does not write into it
  const flipped = tg.jit((x: tg.Tensor) => x.add(x.slice([null, null, -1]).mul(10)), { donate: [0] });
  assert.deepEqual(flipped(tg.tensor([1, 2, 3])).toArray(), [31, 22, 13]);
});

test("jit: data-dependent control flow and side effects are explained errors", () => {
  const branchy = tg.jit(function branchy(x: tg.Tensor) {
    return x.sum().item() > 0 ? x : x.neg();
  });
  assert.throws(() => branchy(tg.ones([2])), (e: Error) => e.name === "TraceError" && /item: jit\(branchy\) is being traced/.test(e.message) && /Data-dependent control flow/.test(e.message));
  const w = tg.ones([2]).setRequiresGrad();
  const sideEffect = tg.jit((x: tg.Tensor) => {
    x.mul(w).sum().backward();
    return x;
  });
  assert.throws(() => sideEffect(tg.ones([2])), /backward: jit\(fn\) is a pure compiled function \(tg\.jit\).*use tg\.compile/);
  assert.equal(w.grad, null, "a refused trace leaves gradients alone");
  const f = tg.jit((x: tg.Tensor) => x.add(1));
  f.close();
  assert.throws(() => f(tg.ones([1])), /called after close\(\)/);
  assert.throws(() => tg.jit(() => 3 as unknown as tg.Tensor)(), /must return tensors/);
});

test("jit under a transformation differentiates the function itself", () => {
  const f = tg.jit((x: tg.Tensor) => x.mul(x).sum());
  const g = tg.grad((x: tg.Tensor) => f(x))(tg.tensor([1, 2, 3]));
  assert.deepEqual(g.toArray(), [2, 4, 6]);
  assert.equal(f.traceCount, 0);
});

function pytorchStep(opt: "sgd" | "momentum" | "adam" | "adamw", lrSchedule = false) {
  const model = new tg.nn.MLP([2, 16, 4], { generator: tg.random.generator(7) });
  const o =
    opt === "adam"
      ? new tg.optim.Adam(model.parameters(), { lr: 0.01 })
      : opt === "adamw"
        ? new tg.optim.AdamW(model.parameters(), { lr: 0.01, weightDecay: 0.1 })
        : new tg.optim.SGD(model.parameters(), { lr: 0.1, momentum: opt === "momentum" ? 0.9 : 0 });
  const sched = lrSchedule
    ? new tg.optim.LRScheduler(o, opt === "adamw" ? tg.optim.cosineAnnealingLR({ lr: 0.01, tMax: 8, etaMin: 1e-4 }) : tg.optim.stepLR({ lr: 0.1, stepSize: 3, gamma: 0.5 }))
    : null;
  const fn = (x: tg.Tensor, y: tg.Tensor) => {
    o.zeroGrad();
    const loss = tg.nn.functional.crossEntropy(model.forward(x), y);
    loss.backward();
    o.step();
    return loss;
  };
  return { model, fn, sched };
}

for (const opt of ["sgd", "momentum", "adam", "adamw"] as const)
  test(`compile: a PyTorch-style step with ${opt} updates parameters, state and gradients exactly as the eager step`, () => {
    const { x, y } = problem();
    const e = pytorchStep(opt, opt === "sgd" || opt === "adamw");
    const c = pytorchStep(opt, opt === "sgd" || opt === "adamw");
    const step = tg.compile(c.fn);
    for (let i = 0; i < 8; i++) {
      same(e.fn(x, y), step(x, y), `loss at step ${i}`);
      e.sched?.step();
      c.sched?.step();
    }
    const pe = e.model.parameters();
    c.model.parameters().forEach((p, i) => {
      same(p, pe[i], `parameter ${i}`);
      same(p.grad!, pe[i].grad!, `gradient ${i}`);
    });
    // the learning rate is read as a tensor on each call, so a schedule (SGD's step decay,
    // AdamW's cosine) needs no new trace; momentum traces again once its buffer exists; Adam's
    // step count is a tensor
    assert.equal(step.traceCount, { sgd: 1, momentum: 2, adam: 1, adamw: 1 }[opt]);
  });

test("compile: gradient accumulation over micro-batches (backward only, cleared and stepped outside) equals eager, with one trace per state", () => {
  for (const be of backends)
    onBackend(be, () => {
      const make = () => {
        const model = new tg.nn.MLP([2, 16, 4], { generator: tg.random.generator(7) });
        const opt = new tg.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
        const micro = (x: tg.Tensor, y: tg.Tensor) => {
          const loss = tg.nn.functional.crossEntropy(model.forward(x), y);
          loss.backward();
          return loss;
        };
        return { model, opt, micro };
      };
      const e = make();
      const c = make();
      const micro = tg.compile(c.micro);
      const batches = [0, 1, 2].map((k) => {
        const gen = tg.random.generator(10 + k);
        return [tg.randn([16, 2], { generator: gen }), tg.randint(0, 4, [16], { generator: gen })];
      });
      for (let cycle = 0; cycle < 3; cycle++) {
        // the first micro-batch finds no gradient, the others add to it
        for (const [xb, yb] of batches) same(e.micro(xb, yb), micro(xb, yb), `${be.name}: loss in cycle ${cycle}`);
        for (const m of [e, c]) {
          m.opt.step();
          m.opt.zeroGrad();
        }
      }
      const pe = e.model.parameters();
      c.model.parameters().forEach((p, i) => same(p, pe[i], `${be.name}: parameter ${i}`));
      assert.equal(micro.traceCount, 2, `${be.name}: one trace without a gradient, one adding to it`);
    });
});

test("compile: gradients clipped inside the step (by norm, by value) are the ones stored in .grad, as eagerly", () => {
  for (const clip of ["norm", "value"] as const) {
    const make = () => {
      const model = new tg.nn.MLP([2, 16, 4], { generator: tg.random.generator(7) });
      const opt = new tg.optim.SGD(model.parameters(), { lr: 0.1 });
      const fn = (x: tg.Tensor, y: tg.Tensor) => {
        opt.zeroGrad();
        const loss = tg.nn.functional.crossEntropy(model.forward(x), y);
        loss.backward();
        if (clip === "norm") tg.optim.clipGradNorm(model.parameters(), 0.05);
        else tg.optim.clipGradValue(model.parameters(), 0.01);
        opt.step();
        return loss;
      };
      return { model, fn };
    };
    const e = make();
    const c = make();
    const step = tg.compile(c.fn);
    const { x, y } = problem();
    for (let i = 0; i < 3; i++) same(e.fn(x, y), step(x, y), `clip by ${clip}: loss at step ${i}`);
    const pe = e.model.parameters();
    c.model.parameters().forEach((p, i) => {
      same(p, pe[i], `clip by ${clip}: parameter ${i}`);
      same(p.grad!, pe[i].grad!, `clip by ${clip}: gradient ${i}`);
    });
  }
});

test("compile: reading the loss inside the step is an explained error", () => {
  const { fn } = pytorchStep("sgd");
  const step = tg.compile((x: tg.Tensor, y: tg.Tensor) => {
    const loss = fn(x, y);
    console.log(loss.item());
    return loss;
  });
  const { x, y } = problem();
  assert.throws(() => step(x, y), /item: compile\(fn\) is being traced/);
});

/** A PyTorch-style Adam step on one weight `w`, with its loss `lossOf(x, w)`. */
function adamStep(w: tg.Tensor, lr: number, lossOf: (x: tg.Tensor, w: tg.Tensor) => tg.Tensor) {
  const opt = new tg.optim.Adam([w], { lr });
  const fn = (x: tg.Tensor) => {
    opt.zeroGrad();
    const loss = lossOf(x, w);
    loss.backward();
    opt.step();
    return loss;
  };
  return { w, opt, fn };
}

test("compile: a parameter that is a view, and state replaced between calls, are read as they are now", () => {
  // a transposed view as a leaf
  const make = () => adamStep(tg.tensor([[1, 2, 3], [4, 5, 6]]).T.setRequiresGrad(), 0.05, (x, w) => x.matmul(w).square().mean());
  const e = make();
  const c = make();
  const step = tg.compile(c.fn);
  const x = tg.tensor([[1, 0, -1], [0.5, 2, 1]]);
  for (let i = 0; i < 4; i++) same(e.fn(x), step(x), `loss at step ${i}`);
  same(c.w, e.w, "parameter");
  assert.equal(step.traceCount, 2, "the first step makes the parameter contiguous: traced once more");
  // replacing the optimizer state from outside (loadStateDict) is seen by the next call
  c.opt.loadStateDict(e.opt.stateDict());
  same(e.fn(x), step(x), "after loadStateDict");
});

test("jit: results kept in the plan's memory stay readable when the caller keeps them instead of handing them back", () => {
  for (const be of backends)
    onBackend(be, () => {
      const f = tg.jit((p: tg.Tensor, g: tg.Tensor) => p.sub(g.mul(0.5)), { donate: [0] });
      const g = tg.ones([300]);
      const r1 = f(tg.full([300], 4), g); // 3.5
      const r2 = f(r1, g); // handed back: 3, written where r1 was
      const r3 = f(tg.full([300], 10), g); // another input: r2 keeps its values
      assert.throws(() => r1.data(), /donated/);
      assert.deepEqual([r2.data()[0], r2.data()[299]], [3, 3], `${be.name}: a kept result`);
      assert.deepEqual([r3.data()[0], r3.data()[299]], [9.5, 9.5]);
      const r4 = f(r3, g);
      f.close(); // the result living in the plan's memory moves out first
      assert.deepEqual([r4.data()[0], r4.add(1).data()[299]], [9, 10], `${be.name}: after close()`);
    });
});

test("compile: parameters and moments updated in place keep their old values for snapshots, views and state dicts", () => {
  for (const be of backends)
    onBackend(be, () => {
      const make = () => adamStep(tg.randn([64, 32], { generator: tg.random.generator(3) }).setRequiresGrad(), 0.1, (x, w) => x.matmul(w).tanh().sum());
      const e = make();
      const c = make();
      const step = tg.compile(c.fn);
      const x = tg.randn([8, 64], { generator: tg.random.generator(4) });
      for (let i = 0; i < 3; i++) same(e.fn(x), step(x), `${be.name}: loss at step ${i}`);
      const snapshot = c.w.detach();
      const row = c.w.slice([0, 1]);
      const saved = c.opt.stateDict();
      const before = Array.from(snapshot.data());
      const moment = Array.from((saved.state[0].expAvg as tg.Tensor).data());
      for (let i = 0; i < 3; i++) same(e.fn(x), step(x), `${be.name}: loss at step ${3 + i}`);
      same(c.w, e.w, `${be.name}: parameter`);
      assert.deepEqual(Array.from(snapshot.data()), before, `${be.name}: a detached snapshot keeps its values`);
      assert.deepEqual(Array.from(row.data()), before.slice(0, 32), `${be.name}: a view keeps its values`);
      assert.deepEqual(Array.from((saved.state[0].expAvg as tg.Tensor).data()), moment, `${be.name}: a state dict keeps its values`);
    });
});

test("jit: a donated input written over in place is not handed to a second result", () => {
  // p − g is written over p (its last reader, element for element); p + 1 must not reuse p's memory too
  const f = tg.jit((p: tg.Tensor, g: tg.Tensor) => [p.sub(g), p.sub(g).mul(2).add(1)], { donate: [0] });
  const [a, b] = f(tg.tensor([5, 6, 7]), tg.tensor([1, 1, 1]));
  assert.deepEqual(a.toArray(), [4, 5, 6]);
  assert.deepEqual(b.toArray(), [9, 11, 13]);
});

test("tg.jit refuses random draws, which would repeat on every call", () => {
  const gen = tg.random.generator(0);
  const noisy = tg.jit((x: tg.Tensor) => x.add(tg.randn(x.shape, { generator: gen })));
  assert.throws(() => noisy(tg.zeros([3])), (e: Error) => e.name === "TraceError" && /random draw: jit\(fn\) is being traced/.test(e.message));
});

test("tg.compile draws afresh on every call, the numbers the eager step draws (dropout, noise)", () => {
  const make = () => {
    const gen = tg.random.generator(7);
    const lin = new tg.nn.Linear(6, 5, { generator: tg.random.generator(1) });
    return { gen, lin, drop: new tg.nn.Dropout(0.5, { generator: gen }), opt: new tg.optim.SGD(lin.parameters(), { lr: 0.1 }) };
  };
  const body = (m: ReturnType<typeof make>) => (x: tg.Tensor) => {
    m.opt.zeroGrad();
    const noise = tg.randn([4, 5], { generator: m.gen }).mul(0.01);
    const loss = m.drop.forward(m.lin.forward(x)).add(noise).square().sum();
    loss.backward();
    m.opt.step();
    return loss;
  };
  const e = make();
  const c = make();
  const eager = body(e);
  const step = tg.compile(body(c));
  const seen = new Set<number>();
  onBackend(tg.cpuBackend, () => {
    for (let i = 0; i < 4; i++) {
      const x = tg.randn([4, 6], { generator: tg.random.generator(100 + i) });
      const le = eager(x).item();
      assert.equal(step(x).item(), le, `call ${i}`);
      seen.add(le);
    }
    assert.deepEqual(c.lin.weight.toArray(), e.lin.weight.toArray());
    assert.deepEqual(c.gen.getState(), e.gen.getState(), "the generators advanced alike");
  });
  assert.equal(seen.size, 4, "each call drew new masks");
  assert.equal(step.traceCount, 1);
  e.drop.eval();
  c.drop.eval();
  const plain = tg.compile((x: tg.Tensor) => c.drop.forward(x).sum());
  assert.equal(plain(tg.ones([4])).item(), 4, "in eval mode dropout draws nothing");
});

test("compile: a deep chain ending in a view-shaped result (attention, then LayerNorm) equals the eager step", () => {
  const make = () => {
    const g = tg.random.generator(3);
    return { w3: tg.randn([24, 8], { generator: g }).setRequiresGrad(), w2: tg.randn([8, 8], { generator: g }).setRequiresGrad(), ln: new tg.nn.LayerNorm(8) };
  };
  const body = (m: ReturnType<typeof make>) => (x: tg.Tensor) => {
    const q = x.matmul(m.w3.mT).slice(null, null, [0, 8]).reshape([2, 8, 2, 4]).permute([0, 2, 1, 3]);
    const l = m.ln.forward(tg.softmax(q.matmul(q.mT), -1).matmul(q).permute([0, 2, 1, 3]).reshape([2, 8, 8]).matmul(m.w2)).square().sum();
    l.backward();
    return l;
  };
  const x = tg.randn([2, 8, 8], { generator: tg.random.generator(4) });
  const e = make();
  const c = make();
  const eager = body(e)(x).item();
  const compiled = tg.compile(body(c))(x).item();
  assert.equal(compiled, eager);
  assert.deepEqual(c.w3.grad!.toArray(), e.w3.grad!.toArray());
});

for (const be of backends) {
  test(`compile and jit on ${be.name}: tensors from the closure that are not computed yet keep their values`, () => {
    onBackend(be, () => {
      const make = () => {
        // pending when the step is first traced: a cast of an integer tensor, a product, a one-hot
        const scale = tg.tensor([[1, 2, 0], [0, 1, 2], [2, 2, 1], [0, 0, 1]], "int32").cast("float32").mul(0.5);
        const target = tg.oneHot(tg.tensor([2, 0, 1, 1], "int32"), 3).cast("float32");
        const w = tg.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6], [0.7, -0.8, 0.9], [-1.0, 1.1, 1.2]]).setRequiresGrad();
        return { scale, target, w, opt: new tg.optim.SGD([w], { lr: 0.1 }) };
      };
      const lossOf = (m: ReturnType<typeof make>) => tg.mul(m.w, m.scale).sub(m.target).square().mean();
      const eager = make();
      const compiled = make();
      const step = tg.compile(() => {
        compiled.opt.zeroGrad();
        const l = lossOf(compiled);
        l.backward();
        compiled.opt.step();
        return l;
      });
      for (let i = 0; i < 3; i++) {
        eager.opt.zeroGrad();
        const l = lossOf(eager);
        l.backward();
        eager.opt.step();
        same(step(), l, `loss of step ${i}`);
      }
      same(compiled.scale, eager.scale, "the closure's product after the calls");
      same(compiled.target, eager.target, "the closure's one-hot after the calls");
      same(lossOf(compiled), lossOf(eager), "the loss computed eagerly afterwards");
      const offset = tg.tensor([1, 2, 3]).mul(2);
      const f = tg.jit((x: tg.Tensor) => x.add(offset));
      same(f(tg.tensor([1, 1, 1])), tg.tensor([3, 5, 7]), "jit with a pending closure value");
      same(offset, tg.tensor([2, 4, 6]), "the closure value after the jit call");
    });
  });
}

test("compile: a step whose plan does not fit in Wasm memory runs eagerly, warns once, and leaks nothing", async () => {
  const { WasmBackend } = await import("../src/backend/wasm-backend.js");
  const { createWasmKernels } = await import("../src/backend/wasm/index.js");
  const kernels = await createWasmKernels({ threads: 1, maxMemory: 16 * 2 ** 20 });
  const small = new WasmBackend(kernels);
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...a: unknown[]) => void warnings.push(a.join(" "));
  try {
    onBackend(small, () => {
      // sixteen 1024×256 activations kept for the backward pass and their gradients: over 16 MiB
      // in a plan, while each eager kernel needs a few MiB
      const make = () => {
        const gen = tg.random.generator(5);
        const w = tg.randn([256, 256], { generator: gen }).mul(0.06).setRequiresGrad();
        const x = tg.randn([1024, 256], { generator: gen });
        return { w, x, opt: new tg.optim.SGD([w], { lr: 0.01 }) };
      };
      const body = (m: ReturnType<typeof make>) => {
        m.opt.zeroGrad();
        let h = m.x;
        for (let i = 0; i < 16; i++) h = h.matmul(m.w).tanh();
        const l = h.square().mean();
        l.backward();
        m.opt.step();
        return l;
      };
      const eager = make();
      const compiled = make();
      const step = tg.compile(() => body(compiled));
      for (let i = 0; i < 2; i++) same(step(), body(eager), `loss of call ${i}`);
      same(compiled.w, eager.w, "weights after two calls");
      assert.equal(step.traceCount, 0, "no plan was kept");
      assert.equal(warnings.length, 1, `one warning: ${warnings.join(" | ")}`);
      assert.match(warnings[0], /compile\(.*\): the plan's \d+ kernels need up to [\d.]+ MiB for intermediates, which could not be allocated.*run eagerly/);
      // a second compiled step fails the same way: the memory the first failed plan took was
      // given back (else its eager calls would find no room for their kernels' operands)
      const again = tg.compile(() => body(compiled));
      same(again(), body(eager), "loss of a second compiled step's call");
      assert.equal(warnings.length, 2);
    });
  } finally {
    console.warn = warn;
    await kernels.dispose();
  }
});
