// Trains the quadrant MLP (2 → 16 → 4, batch 64, SGD) for many steps and prints memory after
// step 1,000 and at the end: the JS heap plus array buffers (measured right after a full
// garbage collection) and the resident set size of the process.
// Usage: node --expose-gc --max-semi-space-size=1 --import tsx test/memory-loop.ts [steps] [compiled]
// (TRACE_RSS=1 also prints the resident set every 10,000 steps.)

import * as tg from "../src/index.js";

const steps = Number(process.argv[2] ?? 100_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("memory-loop: run with --expose-gc");

function measure(): { heap: number; rss: number } {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.external + m.arrayBuffers, rss: m.rss };
}

const gen = tg.random.generator(0);
const x = tg.randn([1024, 2], { generator: gen });
const labels = tg.tensor(Int32Array.from(x.toArray() as number[][], ([a, b]) => (a >= 0 ? (b >= 0 ? 0 : 3) : b >= 0 ? 1 : 2)), { dtype: "int32" });
const model = new tg.nn.MLP([2, 16, 4], { generator: tg.random.generator(1) });
const opt = new tg.optim.SGD(model.parameters(), { lr: 0.1 });
let after1k = { heap: 0, rss: 0 };
let loss = 0;
const t0 = performance.now();
// `compiled` runs the same step through tg.compile (one plan, reused for every call)
const compiled = process.argv[3] === "compiled";
const trainStep = (xb: tg.Tensor, yb: tg.Tensor) => {
  const l = tg.nn.functional.crossEntropy(model.forward(xb), yb);
  opt.zeroGrad();
  l.backward();
  opt.step();
  return l;
};
const step = compiled ? tg.compile(trainStep) : trainStep;
for (let i = 1; i <= steps; i++) {
  const start = (i * 64) % 1024;
  const xb = x.slice([start, start + 64]);
  const yb = labels.slice([start, start + 64]);
  const l = step(xb, yb);
  if (i === 1000) after1k = measure();
  if (process.env.TRACE_RSS && i % 10000 === 0) console.error(i, Math.round(process.memoryUsage().rss / 1e6), "MB rss");
  if (i === steps) loss = l.item();
}
const seconds = (performance.now() - t0) / 1000;
const end = measure();
console.log(
  JSON.stringify({
    steps,
    compiled,
    backend: tg.backendInfo().name,
    stepsPerSecond: Math.round(steps / seconds),
    finalLoss: loss,
    after1k,
    end,
    heapRatio: end.heap / after1k.heap,
    rssRatio: end.rss / after1k.rss,
  }),
);
