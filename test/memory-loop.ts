// Runs a long loop of small operations (forward, backward, update) and prints the memory in use
// after step 1,000 and at the end, both measured right after a full garbage collection.
// Usage: node --expose-gc --import tsx test/memory-loop.ts [steps]

import * as tg from "../src/index.js";

const steps = Number(process.argv[2] ?? 100_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("memory-loop: run with --expose-gc");

function measure(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
}

let w = tg.randn([4, 3], { generator: tg.random.generator(0) }).requiresGrad();
const x = tg.randn([8, 4], { generator: tg.random.generator(1) });
let after1k = 0;
for (let i = 1; i <= steps; i++) {
  const loss = tg.matmul(x, w).tanh().square().mean();
  loss.backward();
  w = tg.noGrad(() => w.sub(w.grad!.mul(0.01))).requiresGrad();
  if (i === 1000) after1k = measure();
}
const end = measure();
console.log(JSON.stringify({ steps, after1k, end, ratio: end / after1k }));
