// Replayed schedules: an eager loop's realization that matches a recorded one, node for node,
// dispatches the recorded kernels over the new buffers — with the bits of a realization
// scheduled afresh, the new graph's constants, and no tensor's memory kept by the record. And
// replayed backward passes: a `backward()` whose tape and forward graph match a recorded one
// runs its kernels without calling the rules, with the gradients of a pass run afresh.

import { test } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import * as tg from "../src/index.js";
import { clearReplays, replayStats } from "../src/backend/replay.js";
import { onBackend } from "./backend-helpers.js";

await tg.init();
const { cpu, wasm } = tg.availableBackends();
const backends = wasm ? [cpu, wasm] : [cpu];

const bits = (t: tg.Tensor) => Array.from(new Uint32Array(Float32Array.from(t.data() as Float32Array).buffer));

/** `steps` eager SGD steps of a 2→16→4 perceptron (lr from `lr(step)`); with `fresh`, no realization can replay one recorded before. */
function train(steps: number, fresh: boolean, lr: (step: number) => number = () => 0.05): { params: tg.Tensor[]; losses: number[]; replayed: number } {
  const gen = tg.random.generator(7);
  const x = tg.randn([64, 2], { generator: gen });
  const y = tg.oneHot(tg.randint(0, 4, [64], { generator: gen }), 4).cast("float32");
  let ps = [tg.randn([2, 16], { generator: gen }), tg.zeros([16]), tg.randn([16, 4], { generator: gen }), tg.zeros([4])].map((p) => p.setRequiresGrad());
  tg.realize(x, y, ...ps);
  const losses: number[] = [];
  const before = replayStats.replayed + replayStats.backwardReplayed;
  for (let s = 0; s < steps; s++) {
    if (fresh) clearReplays();
    const [w1, b1, w2, b2] = ps;
    const loss = tg.nn.functional.crossEntropy(tg.add(tg.matmul(tg.relu(tg.add(tg.matmul(x, w1), b1)), w2), b2), y);
    loss.backward();
    losses.push(loss.item());
    tg.noGrad(() => {
      ps = ps.map((p) => tg.sub(p, tg.mul(p.grad!, lr(s))).setRequiresGrad());
    });
  }
  tg.realize(...ps);
  return { params: ps, losses, replayed: replayStats.replayed + replayStats.backwardReplayed - before };
}

for (const be of backends) {
  test(`${be!.name}: a replayed eager training loop gives the bits of one scheduled afresh`, () => {
    onBackend(be!, () => {
      const fresh = train(8, true);
      const replayed = train(8, false);
      assert.equal(fresh.replayed, 0);
      // the first realization of the loop's graph is seen, the second recorded, the rest replayed
      assert.ok(replayed.replayed >= 6, `replayed ${replayed.replayed} realizations`);
      assert.deepEqual(replayed.losses, fresh.losses);
      for (let i = 0; i < 4; i++) assert.deepEqual(bits(replayed.params[i]), bits(fresh.params[i]), `parameter ${i}`);
    });
  });

  test(`${be!.name}: a replay reads the new graph's constants (a learning rate that changes every step)`, () => {
    onBackend(be!, () => {
      const lr = (s: number) => 0.2 / (s + 1);
      const fresh = train(8, true, lr);
      const replayed = train(8, false, lr);
      assert.ok(replayed.replayed >= 6);
      for (let i = 0; i < 4; i++) assert.deepEqual(bits(replayed.params[i]), bits(fresh.params[i]), `parameter ${i}`);
      // and the constants did matter: a fixed rate gives other parameters
      const fixed = train(8, false);
      assert.notDeepEqual(bits(fixed.params[0]), bits(replayed.params[0]));
    });
  });

  test(`${be!.name}: minibatches sliced from one tensor (a graph per offset) replay, with the bits of fresh schedules`, () => {
    onBackend(be!, () => {
      const run = (fresh: boolean) => {
        const gen = tg.random.generator(3);
        const x = tg.randn([256, 2], { generator: gen });
        const labels = tg.randint(0, 4, [256], { dtype: "int32", generator: gen });
        const model = new tg.nn.MLP([2, 8, 4], { generator: tg.random.generator(4) });
        const opt = new tg.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
        tg.realize(x, labels);
        const before = { replayed: replayStats.replayed + replayStats.backwardReplayed, recorded: replayStats.recorded };
        const losses: number[] = [];
        for (let i = 0; i < 40; i++) {
          if (fresh) clearReplays();
          const at = (i % 8) * 32;
          const loss = tg.nn.functional.crossEntropy(model.forward(x.slice([at, at + 32])), labels.slice([at, at + 32]));
          opt.zeroGrad();
          loss.backward();
          opt.step();
          losses.push(loss.item());
        }
        return { losses, params: model.parameters().map(bits), replayed: replayStats.replayed + replayStats.backwardReplayed - before.replayed, recorded: replayStats.recorded - before.recorded };
      };
      const fresh = run(true);
      const replayed = run(false);
      assert.equal(fresh.replayed, 0);
      assert.deepEqual(replayed.losses, fresh.losses);
      assert.deepEqual(replayed.params, fresh.params);
      // eight offsets, each graph recorded once and replayed from then on
      assert.ok(replayed.replayed >= 40, `replayed ${replayed.replayed} realizations`);
      assert.ok(replayed.recorded <= 8 * 3, `recorded ${replayed.recorded} realizations`);
    });
  });

  test(`${be!.name}: one buffer read twice and two buffers read once are different graphs`, () => {
    onBackend(be!, () => {
      const a = tg.tensor([1, 2, 3, 4]);
      const b = tg.tensor([10, 20, 30, 40]);
      tg.realize(a, b);
      const f = (p: tg.Tensor, q: tg.Tensor) => tg.add(tg.mul(tg.exp(p), q), p);
      const ref = (p: number[], q: number[]) => p.map((v, i) => Math.fround(Math.fround(Math.exp(v)) * q[i]) + v);
      for (let r = 0; r < 4; r++) assert.deepEqual(f(a, b).toArray(), ref([1, 2, 3, 4], [10, 20, 30, 40]).map(Math.fround));
      assert.deepEqual(f(a, a).toArray(), ref([1, 2, 3, 4], [1, 2, 3, 4]).map(Math.fround));
      for (let r = 0; r < 4; r++) assert.deepEqual(f(b, b).toArray(), ref([10, 20, 30, 40], [10, 20, 30, 40]).map(Math.fround));
      assert.deepEqual(f(b, a).toArray(), ref([10, 20, 30, 40], [1, 2, 3, 4]).map(Math.fround));
      // graphs of one outline, met in turn: each recorded, each replayed, none taken for another
      const c = tg.tensor([-1, 0.5, 2, -3]);
      tg.realize(c);
      const values = new Map<tg.Tensor, number[]>([[a, [1, 2, 3, 4]], [b, [10, 20, 30, 40]], [c, [-1, 0.5, 2, -3]]]);
      for (let r = 0; r < 5; r++)
        for (const [p, q] of [[a, b], [b, a], [a, a], [c, b], [b, b], [c, c], [a, c]] as const)
          assert.deepEqual(f(p, q).toArray(), ref(values.get(p)!, values.get(q)!).map(Math.fround), `round ${r}`);
    });
  });

  test(`${be!.name}: graphs of one outline but other shapes or views do not replay each other`, () => {
    onBackend(be!, () => {
      const m = tg.arange(6).reshape([2, 3]).cast("float32");
      const n = tg.arange(6).reshape([3, 2]).cast("float32");
      tg.realize(m, n);
      const f = (t: tg.Tensor) => tg.sum(tg.mul(tg.exp(tg.mul(t, 0.1)), 2), -1);
      for (let r = 0; r < 4; r++) {
        assert.deepEqual(f(m).shape, [2]);
        assert.deepEqual(f(n).shape, [3]);
        assert.deepEqual(f(m.transpose()).shape, [3]);
      }
      const want = (rows: number[][]) => rows.map((row) => row.reduce((s, v) => s + 2 * Math.exp(0.1 * v), 0));
      const close = (got: number[], exp: number[]) => got.forEach((v, i) => assert.ok(Math.abs(v - exp[i]) < 1e-4, `${v} vs ${exp[i]}`));
      close(f(m).toArray() as number[], want([[0, 1, 2], [3, 4, 5]]));
      close(f(n).toArray() as number[], want([[0, 1], [2, 3], [4, 5]]));
      close(f(m.transpose()).toArray() as number[], want([[0, 3], [1, 4], [2, 5]]));
    });
  });
}

/**
 * Runs `steps` of `step` (which calls `backward()` once and returns values to compare) with
 * replays, and again with every template forgotten before each step; returns both runs' values
 * and how many backward passes the first replayed.
 */
function both<T>(setup: () => (s: number) => T, steps: number): { replayed: T[]; fresh: T[]; backwardReplays: number } {
  const run = (fresh: boolean) => {
    const step = setup();
    const out: T[] = [];
    const before = replayStats.backwardReplayed;
    for (let s = 0; s < steps; s++) {
      if (fresh) clearReplays();
      out.push(step(s));
    }
    return { out, replays: replayStats.backwardReplayed - before };
  };
  const f = run(true);
  const r = run(false);
  assert.equal(f.replays, 0);
  return { replayed: r.out, fresh: f.out, backwardReplays: r.replays };
}

for (const be of backends) {
  test(`${be!.name}: replayed backward passes accumulate into existing gradients as a fresh pass does`, () => {
    onBackend(be!, () => {
      const { replayed, fresh, backwardReplays } = both(() => {
        const gen = tg.random.generator(5);
        const x = tg.randn([16, 3], { generator: gen });
        const w = tg.randn([3, 5], { generator: gen }).setRequiresGrad();
        const b = tg.zeros([5]).setRequiresGrad();
        tg.realize(x, w, b);
        // no zeroGrad: from the second step on, each pass adds to the gradient it finds
        return () => {
          tg.mean(tg.tanh(tg.add(tg.matmul(x, w), b))).backward();
          return [bits(w.grad!), bits(b.grad!)];
        };
      }, 8);
      assert.ok(backwardReplays >= 4, `replayed ${backwardReplays} backward passes`);
      assert.deepEqual(replayed, fresh);
    });
  });

  test(`${be!.name}: a replayed backward pass reads the forward graph's new constants and values`, () => {
    onBackend(be!, () => {
      const { replayed, fresh, backwardReplays } = both(() => {
        const gen = tg.random.generator(6);
        const w = tg.randn([4, 4], { generator: gen }).setRequiresGrad();
        tg.realize(w);
        return (s) => {
          w.grad = null;
          // a scale that changes every step, and an input with new values each step
          const x = tg.mul(tg.arange(16).reshape([4, 4]).cast("float32"), 0.1 * (s + 1));
          tg.sum(tg.mul(tg.exp(tg.matmul(x, w)), 1 / (s + 2))).backward();
          return bits(w.grad!);
        };
      }, 8);
      assert.ok(backwardReplays >= 4, `replayed ${backwardReplays} backward passes`);
      assert.deepEqual(replayed, fresh);
      // and they did change: every step's gradient differs from the one before
      for (let s = 1; s < replayed.length; s++) assert.notDeepEqual(replayed[s], replayed[s - 1]);
    });
  });

  test(`${be!.name}: tapes that differ in a parameter, a shape or a layout are not replayed for one another`, () => {
    onBackend(be!, () => {
      const { replayed, fresh, backwardReplays } = both(() => {
        const gen = tg.random.generator(8);
        const a = tg.randn([3, 4], { generator: gen }).setRequiresGrad();
        const c = tg.randn([4, 3], { generator: gen }).setRequiresGrad();
        tg.realize(a, c);
        const variants = [
          () => tg.sum(tg.pow(a, 2)),
          () => tg.sum(tg.pow(a, 3)),
          () => tg.sum(tg.softmax(a, 0)),
          () => tg.sum(tg.softmax(a, 1)),
          () => tg.sum(tg.mul(a, tg.exp(c.transpose()))),
          () => tg.sum(tg.mul(a.transpose(), tg.exp(c))),
        ];
        return (s) => {
          a.grad = null;
          c.grad = null;
          variants[s % variants.length]().backward();
          return [a.grad ? bits(a.grad) : null, c.grad ? bits(c.grad) : null];
        };
      }, 30);
      // six tapes met in turn, five times each: each recorded once it has a replayed realization, then replayed
      assert.ok(backwardReplays >= 6, `replayed ${backwardReplays} backward passes`);
      assert.deepEqual(replayed, fresh);
    });
  });

  test(`${be!.name}: a replayed backward pass frees the graph as a fresh one does`, () => {
    onBackend(be!, () => {
      const w = tg.randn([4, 2]).setRequiresGrad();
      const x = tg.randn([3, 4]);
      tg.realize(w, x);
      const before = replayStats.backwardReplayed;
      for (let s = 0; s < 5; s++) {
        const loss = tg.sum(tg.sigmoid(tg.matmul(x, w)));
        loss.backward();
        assert.throws(() => loss.backward(), (e: unknown) => e instanceof tg.TensorGradError && /already freed/.test(e.message));
      }
      assert.ok(replayStats.backwardReplayed > before);
    });
  });
}

for (const be of backends)
  test(`${be!.name}: an index error raised by a replayed kernel still names the operation`, () => {
    onBackend(be!, () => {
      const x = tg.arange(12).reshape([3, 4]).cast("float32");
      tg.realize(x);
      const f = (i: number[]) => tg.sum(tg.mul(tg.gather(x, 1, tg.tensor([i, i, i], { dtype: "int32" })), 2));
      const before = replayStats.replayed;
      for (let r = 0; r < 4; r++) assert.equal(f([0, 3]).item(), 2 * (0 + 3 + 4 + 7 + 8 + 11));
      assert.ok(replayStats.replayed > before);
      assert.throws(() => f([0, 4]).item(), (e: unknown) => e instanceof tg.ArgumentError && /^gather: index 4 at position 1 is out of range for axis 1 of size 4/.test(e.message));
      assert.equal(f([3, -1]).item(), 2 * (3 + 3 + 7 + 7 + 11 + 11));
    });
  });

for (const be of backends)
  test(`${be!.name}: an index error in a replayed backward pass names the operation, and the loop goes on`, () => {
    onBackend(be!, () => {
      const table = tg.randn([5, 3]).setRequiresGrad();
      tg.realize(table);
      const step = (ids: number[]) => {
        table.grad = null;
        tg.sum(tg.square(tg.indexSelect(table, 0, tg.tensor(ids, { dtype: "int32" })))).backward();
        return table.grad!.toArray() as number[][];
      };
      const before = replayStats.backwardReplayed;
      for (let r = 0; r < 5; r++) step([0, 2, 4]);
      assert.ok(replayStats.backwardReplayed > before);
      assert.throws(() => step([0, 7, 4]), (e: unknown) => e instanceof tg.ArgumentError && /^indexSelect: index 7 .*out of range/.test(e.message));
      // a valid step after it gets the gradient 2·table on the rows it selected
      const g = step([1, 3, 1]);
      const t = table.toArray() as number[][];
      for (let i = 0; i < 5; i++)
        for (let j = 0; j < 3; j++) assert.ok(Math.abs(g[i][j] - (i === 1 ? 4 : i === 3 ? 2 : 0) * t[i][j]) < 1e-5, `row ${i}`);
    });
  });

test("a recorded realization keeps none of the buffers it read or computed", async () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  clearReplays();
  const refs: WeakRef<object>[] = [];
  const step = () => {
    const a = tg.randn([32, 8]);
    const w = tg.randn([8, 4]).setRequiresGrad();
    tg.sum(tg.relu(tg.matmul(a, w))).backward();
    refs.push(new WeakRef(a._buf!), new WeakRef(w.grad!._buf!));
  };
  const backwards = replayStats.backwardReplayed;
  for (let i = 0; i < 5; i++) step();
  assert.ok(replayStats.recorded > 0);
  assert.ok(replayStats.backwardReplayed > backwards, "the backward passes replayed");
  // (a WeakRef holds its target until the job that made it ends)
  await new Promise((r) => setImmediate(r));
  gc();
  gc();
  assert.equal(refs.filter((r) => r.deref() !== undefined).length, 0);
});
