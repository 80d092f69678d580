/**
 * Steps per second of a compiled SGD step: the MLP 784→256→10, batch 128, loss
 * −mean(Σ onehot·logSoftmax), written with `tg.jit` and donated parameters.
 *
 *   node --import tsx bench/jit-step.ts [--threads 1,2] [--seconds 3]
 *
 * Also prints the GEMM bound: the time of the step's five products (two forward, three
 * backward) run back to back on the bare kernels, as steps/s.
 */
import * as tg from "../src/index.js";
import { createWasmKernels } from "../src/backend/wasm/index.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const threadCounts = arg("threads", "1,2").split(",").map(Number);
const seconds = Number(arg("seconds", "3"));
const [B, I, H, O] = [128, 784, 256, 10];
const lr = 0.01;

function lossFn(W1: tg.Tensor, b1: tg.Tensor, W2: tg.Tensor, b2: tg.Tensor, x: tg.Tensor, y: tg.Tensor): tg.Tensor {
  const logits = x.matmul(W1).add(b1).relu().matmul(W2).add(b2);
  return logits.logSoftmax(-1).mul(y).sum().neg().div(B);
}

const step = tg.jit(
  (W1: tg.Tensor, b1: tg.Tensor, W2: tg.Tensor, b2: tg.Tensor, x: tg.Tensor, y: tg.Tensor) => {
    const [loss, g] = tg.valueAndGrad(lossFn, { argnums: [0, 1, 2, 3] })(W1, b1, W2, b2, x, y);
    return [loss, W1.sub(g[0].mul(lr)), b1.sub(g[1].mul(lr)), W2.sub(g[2].mul(lr)), b2.sub(g[3].mul(lr))];
  },
  { donate: [0, 1, 2, 3] },
);

/** Steps/s of the compiled step over about `seconds`, after a warm-up. */
function measure(): { stepsPerSec: number; loss: number } {
  const gen = tg.random.generator(0);
  let p = [tg.randn([I, H], { generator: gen }).mul(0.05), tg.zeros([H]), tg.randn([H, O], { generator: gen }).mul(0.05), tg.zeros([O])];
  const x = tg.randn([B, I], { generator: gen });
  const labels = tg.randint(0, O, [B], { generator: gen });
  const y = tg.oneHot(labels, O, { dtype: "float32" });
  tg.realize(...p, x, y);
  let loss = 0;
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      const [l, ...next] = step(p[0], p[1], p[2], p[3], x, y);
      p = next;
      if (i === n - 1) loss = l.item();
    }
  };
  run(20);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    run(10);
    n += 10;
  }
  return { stepsPerSec: (n * 1000) / (performance.now() - t0), loss };
}

/** Steps/s if the step were its five GEMMs alone, on the bare kernels. */
async function gemmBound(threads: number): Promise<number> {
  const k = await createWasmKernels({ threads });
  const buf = (n: number) => k.allocF32(n);
  const [x, w1, h, w2, o, gh, gw1, gw2] = [B * I, I * H, B * H, H * O, B * O, B * H, I * H, H * O].map(buf);
  const products = () => {
    k.sgemm({ m: B, n: H, k: I, a: x, b: w1, c: h }); // h = x·W1
    k.sgemm({ m: B, n: O, k: H, a: h, b: w2, c: o }); // o = h·W2
    k.sgemm({ m: H, n: O, k: B, a: h, transA: true, b: o, c: gw2 }); // gW2 = hᵀ·go
    k.sgemm({ m: B, n: H, k: O, a: o, b: w2, transB: true, c: gh }); // gh = go·W2ᵀ
    k.sgemm({ m: I, n: H, k: B, a: x, transA: true, b: gh, c: gw1 }); // gW1 = xᵀ·gh
  };
  for (let i = 0; i < 50; i++) products();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    for (let i = 0; i < 10; i++) products();
    n += 10;
  }
  const rate = (n * 1000) / (performance.now() - t0);
  await k.dispose();
  return rate;
}

await tg.init({ backend: "wasm" });
const flops = 2 * (B * I * H + B * H * O) * 3;
for (const t of threadCounts) {
  await tg.setNumThreads(t);
  const r = measure();
  const bound = await gemmBound(t);
  console.log(
    `threads ${t}: jit step ${r.stepsPerSec.toFixed(1)} steps/s (${((r.stepsPerSec * flops) / 1e9).toFixed(2)} GFLOP/s of GEMM work, loss ${r.loss.toFixed(4)}); ` +
      `5 bare GEMMs ${bound.toFixed(1)} steps/s (${((bound * flops) / 1e9).toFixed(2)} GFLOP/s); step ÷ bound ${(r.stepsPerSec / bound).toFixed(2)}`,
  );
}
process.exit(0);
