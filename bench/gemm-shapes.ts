/**
 * GEMM rate at the char-lm shapes, each with op(A)·op(B) stored plain, with B transposed
 * (x·Wᵀ, the forward of a linear layer) and with A transposed (Gᵀ·X, its weight gradient).
 *
 *   node --import tsx bench/gemm-shapes.ts [--threads 1,2] [--ms 300]
 *
 * Prints the GFLOP/s of the fastest call per shape, layout and thread count (the machine may be
 * shared, and load only ever slows a call down).
 */
import { createWasmKernels } from '../src/backend/wasm/index.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const threadCounts = arg('threads', '1,2').split(',').map(Number);
const budget = Number(arg('ms', '300'));

// [batch, m, n, k]: the linear layers' forward products (M = 768 tokens) and the weight-gradient ones.
const SHAPES: [number, number, number, number][] = [
  [1, 768, 384, 128], [1, 768, 128, 128], [1, 768, 512, 128], [1, 768, 128, 512], [1, 768, 65, 128],
  [1, 384, 128, 768], [1, 128, 128, 768], [1, 512, 128, 768], [1, 128, 512, 768], [1, 65, 128, 768],
  [48, 64, 64, 32], [48, 64, 32, 64], [48, 32, 64, 64],
];

const kernels = await createWasmKernels({ threads: Math.max(...threadCounts), relaxedSimd: true });
const rows: string[] = ['| batch×m×n×k | threads | A·B | A·Bᵀ | Aᵀ·B | Aᵀ·Bᵀ |', '|---|---:|---:|---:|---:|---:|'];
for (const t of threadCounts) {
  await kernels.setNumThreads(t);
  for (const [batch, m, n, k] of SHAPES) {
    const a = kernels.allocF32(batch * m * k);
    const b = kernels.allocF32(batch * k * n);
    const c = kernels.allocF32(batch * m * n);
    kernels.f32(a, batch * m * k).fill(0.5);
    kernels.f32(b, batch * k * n).fill(0.25);
    const cells: string[] = [];
    for (const [transA, transB] of [[false, false], [false, true], [true, false], [true, true]]) {
      const call = () => kernels.sgemm({ batch, m, n, k, a, b, c, transA, transB });
      for (let i = 0; i < 5; i++) call();
      const times: number[] = [];
      const end = performance.now() + budget;
      while (performance.now() < end || times.length < 10) {
        const t0 = performance.now();
        call();
        times.push(performance.now() - t0);
      }
      cells.push((2 * batch * m * n * k / Math.min(...times) / 1e6).toFixed(1));
    }
    rows.push(`| ${batch}×${m}×${n}×${k} | ${t} | ${cells.join(' | ')} |`);
    kernels.free(a);
    kernels.free(b);
    kernels.free(c);
  }
}
await kernels.dispose();
console.log(rows.join('\n'));
