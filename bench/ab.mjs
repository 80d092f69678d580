// Two builds of tensorgrad in one process, timed in alternating blocks: a before/after check of a
// change on a machine whose speed drifts from minute to minute (separate runs of `npm run bench`
// can differ by 2× here; blocks a few milliseconds apart see the same machine).
//
//   git worktree add /tmp/base <commit> && (cd /tmp/base && npm ci && npx tsc -p tsconfig.build.json)
//   npx tsc -p tsconfig.build.json
//   node bench/ab.mjs /tmp/base/dist dist [quadrant|mlp784] [eager|compile|jit|add] [threads] [mode of B]
//   node bench/ab.mjs /tmp/base/dist dist conv [forward|backward] [threads]
//
// With a mode for B, B runs that mode instead (`node bench/ab.mjs dist dist mlp784 compile 2 jit`
// compares two ways of writing one step on one build; mode `gemms` is the step's five GEMMs alone
// on the library's kernels, the bench's GEMM bound, so `… mlp784 eager 2 gemms` gives a step's
// share of its bound in one process). Workload `conv` is the bench's conv2d ([32, 16, 28, 28] with
// 32 3×3 filters, padding 1), eager: its forward pass, or forward and backward.
//
// The two copies share one V8 heap and JIT, so absolute times are not those of `npm run bench`;
// the ratio is what this reports.

import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [dirA, dirB, workload = "quadrant", mode = workload === "conv" ? "forward" : "eager", threadArg = "1", modeB = mode] = process.argv.slice(2);
if (!dirA || !dirB) {
  console.error("usage: node bench/ab.mjs <dist A> <dist B> [quadrant|mlp784|conv] [eager|compile|jit|add|gemms; conv: forward|backward] [threads] [mode of B]");
  process.exit(2);
}
const load = (dir) => import(pathToFileURL(resolve(dir, "index.js")).href);
const libs = { A: await load(dirA), B: await load(dirB) };

/** One call of the workload on library `tg`: a training step (or 100 realized 4-element adds). */
function setup(tg, mode) {
  if (workload === "conv") {
    const gen = tg.random.generator(1);
    const x = tg.randn([32, 16, 28, 28], { generator: gen }).setRequiresGrad();
    const w = tg.randn([32, 16, 3, 3], { generator: gen }).setRequiresGrad();
    const b = tg.zeros([32]).setRequiresGrad();
    const conv = () => tg.nn.functional.conv2d(x, w, { bias: b, padding: 1 });
    if (mode === "forward") return () => tg.noGrad(() => tg.realize(conv()));
    return () => {
      tg.sum(conv()).backward();
      x.grad = w.grad = b.grad = null;
    };
  }
  const quad = workload === "quadrant";
  const [B, I, H, C] = quad ? [64, 2, 16, 4] : [128, 784, 256, 10];
  const values = (n, s) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.3 + s) * (quad ? 1 : 0.05));
  const f32 = { dtype: "float32" };
  const x = tg.tensor(values(B * I, 1), { ...f32, shape: [B, I] });
  const onehot = new Float32Array(B * C);
  for (let i = 0; i < B; i++) onehot[i * C + (i % C)] = 1;
  const y = tg.tensor(onehot, { ...f32, shape: [B, C] });
  let ps = [
    tg.tensor(values(I * H, 2), { ...f32, shape: [I, H] }),
    tg.tensor(values(H, 3), f32),
    tg.tensor(values(H * C, 4), { ...f32, shape: [H, C] }),
    tg.tensor(values(C, 5), f32),
  ];
  const lr = 0.01;
  const logits = (w1, b1, w2, b2, xb) => tg.add(tg.matmul(tg.relu(tg.add(tg.matmul(xb, w1), b1)), w2), b2);
  const lossOf = (w1, b1, w2, b2, xb, yb) => tg.neg(tg.mean(tg.sum(tg.mul(tg.logSoftmax(logits(w1, b1, w2, b2, xb), -1), yb), -1)));
  if (mode === "gemms") {
    // the step's five GEMMs alone on this library's Wasm kernels (the bench's GEMM bound):
    // `node bench/ab.mjs dist dist mlp784 eager 2 gemms` puts a step against its bound in one process
    const kernels = tg.getBackend().kernels;
    const gemms = [
      { m: B, n: H, k: I },
      { m: B, n: C, k: H },
      { m: B, n: H, k: C, transB: true },
      { m: H, n: C, k: B, transA: true },
      { m: I, n: H, k: B, transA: true },
    ].map((g) => {
      const [a, b, c] = [g.m * g.k, g.k * g.n, g.m * g.n].map((len) => kernels.allocF32(len));
      kernels.f32(a, g.m * g.k).set(values(g.m * g.k, 1));
      kernels.f32(b, g.k * g.n).set(values(g.k * g.n, 2));
      return { ...g, a, b, c };
    });
    return () => gemms.forEach((g) => kernels.sgemm(g));
  }
  if (mode === "add") {
    const a = tg.tensor(new Float32Array([1, 2, 3, 4]));
    const b = tg.tensor(new Float32Array([5, 6, 7, 8]));
    return () => {
      for (let i = 0; i < 100; i++) tg.realize(tg.add(a, b));
    };
  }
  if (mode === "jit") {
    const vg = tg.valueAndGrad(lossOf, { argnums: [0, 1, 2, 3] });
    const step = tg.jit(
      (w1, b1, w2, b2, xb, yb) => {
        const [l, g] = vg(w1, b1, w2, b2, xb, yb);
        return [l, tg.sub(w1, tg.mul(g[0], lr)), tg.sub(b1, tg.mul(g[1], lr)), tg.sub(w2, tg.mul(g[2], lr)), tg.sub(b2, tg.mul(g[3], lr))];
      },
      { donate: [0, 1, 2, 3] },
    );
    return () => {
      const [, ...next] = step(...ps, x, y);
      ps = next;
    };
  }
  ps = ps.map((p) => p.setRequiresGrad());
  if (mode === "compile") {
    const opt = new tg.optim.SGD(ps, { lr });
    const step = tg.compile((xb, yb) => {
      opt.zeroGrad();
      const l = lossOf(...ps, xb, yb);
      l.backward();
      opt.step();
      return l;
    });
    return () => step(x, y);
  }
  const sgd = (w) => tg.sub(w, tg.mul(w.grad, lr)).setRequiresGrad();
  return () => {
    tg.nn.functional.crossEntropy(logits(...ps, x), y).backward();
    tg.noGrad(() => {
      ps = ps.map(sgd);
    });
  };
}

const run = {};
for (const [name, tg] of Object.entries(libs)) {
  await tg.init({ relaxedSimd: true, recycle: true });
  await tg.setNumThreads(Number(threadArg));
  run[name] = setup(tg, name === "A" ? mode : modeB);
}
// warm both up for 4 s (V8 takes about a second of calls to settle an eager step), then 20 blocks each, in alternating order
const callsPerBlock = workload === "quadrant" ? 300 : workload === "conv" ? 10 : 20;
const warmUntil = Date.now() + 4000;
while (Date.now() < warmUntil) {
  run.A();
  run.B();
}
const total = { A: 0, B: 0 };
const blocks = 40;
// the ratio of each pair of neighbouring blocks: their median shrugs off the machine's slow spells
const ratios = [];
for (let r = 0; r < blocks; r++) {
  const t = {};
  for (const name of r % 2 ? ["A", "B"] : ["B", "A"]) {
    const t0 = performance.now();
    for (let i = 0; i < callsPerBlock; i++) run[name]();
    t[name] = performance.now() - t0;
    total[name] += t[name];
  }
  ratios.push(t.A / t.B);
}
ratios.sort((a, b) => a - b);
const median = (ratios[blocks / 2 - 1] + ratios[blocks / 2]) / 2;
const us = (name) => ((total[name] / (blocks * callsPerBlock)) * 1000).toFixed(1);
console.log(
  `${workload} ${mode === modeB ? mode : `${mode} (A) / ${modeB} (B)`}, ${threadArg} thread(s): A ${us("A")} µs/call, B ${us("B")} µs/call, ` +
    `B is ${(total.A / total.B).toFixed(3)}× as fast as A (median of ${blocks} block pairs ${median.toFixed(3)}×, middle half ${ratios[blocks / 4].toFixed(3)}–${ratios[(3 * blocks) / 4 - 1].toFixed(3)}×)`,
);
process.exit(0);
