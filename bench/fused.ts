/**
 * Fused float32 kernels: the JavaScript rendering (cpu/codegen.ts) against the Wasm SIMD
 * rendering (wasm/fused-gen.ts), on 200k-element arrays.
 *
 *   node --import tsx bench/fused.ts [--n 200000] [--seconds 0.4]
 *
 * Per kernel: ns per element of the JS rendering, of the Wasm backend's dispatch (copy in, run,
 * copy out: what the backend does today) and of the Wasm kernel alone on operands already in
 * linear memory; the first Wasm call (V8 runs a fresh module in its baseline tier, Liftoff, until
 * the optimised code is ready); and compile time, the median over fresh descriptions (the size is
 * varied so that no engine cache sees the same bytes twice): generating the module bytes, and
 * generation + compilation + instantiation, against `new Function` for the JS rendering.
 */
import type { Kernel } from '../src/backend/kernel.js';
import { compileHost, type HostProgram } from '../src/backend/cpu/index.js';
import { WasmBackend } from '../src/backend/wasm-backend.js';
import { createWasmKernels } from '../src/backend/wasm/index.js';
import { buildElementwise, buildReduce, instantiateFused, planElementwise, type FusedRun } from '../src/backend/wasm/fused-gen.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const N = Number(arg('n', '200000'));
const SECONDS = Number(arg('seconds', '0.4'));
const F = 'float32' as const;
const input = (index: number) => ({ op: 'input', index, dtype: F }) as const;

/** The kernels measured, as functions of the element count n (n divisible by 200). */
const CASES: { name: string; make: (n: number) => Kernel }[] = [
  {
    name: 'p - lr*g (SGD)',
    make: (n) => ({
      kind: 'elementwise', dtype: F, shape: [n], consts: [0.01],
      inputs: [{ dtype: F, strides: [1], offset: 0 }, { dtype: F, strides: [1], offset: 0 }],
      expr: { op: 'binary', fn: 'sub', dtype: F, a: input(0), b: { op: 'binary', fn: 'mul', dtype: F, a: { op: 'const', index: 0, dtype: F }, b: input(1) } },
    }),
  },
  {
    name: 'relu(x + b), b a [200] row',
    make: (n) => ({
      kind: 'elementwise', dtype: F, shape: [n / 200, 200], consts: [],
      inputs: [{ dtype: F, strides: [200, 1], offset: 0 }, { dtype: F, strides: [0, 1], offset: 0 }],
      expr: { op: 'unary', fn: 'relu', dtype: F, x: { op: 'binary', fn: 'add', dtype: F, a: input(0), b: input(1) } },
    }),
  },
  {
    name: 'sigmoid(x) * y',
    make: (n) => ({
      kind: 'elementwise', dtype: F, shape: [n], consts: [],
      inputs: [{ dtype: F, strides: [1], offset: 0 }, { dtype: F, strides: [1], offset: 0 }],
      expr: { op: 'binary', fn: 'mul', dtype: F, a: { op: 'unary', fn: 'sigmoid', dtype: F, x: input(0) }, b: input(1) },
    }),
  },
  {
    name: 'sum(x * y)',
    make: (n) => ({
      kind: 'reduce', op: 'sum', dtype: F, outer: 1, len: n, inner: 1, consts: [],
      inputs: [{ dtype: F, strides: [1], offset: 0 }, { dtype: F, strides: [1], offset: 0 }],
      expr: { op: 'binary', fn: 'mul', dtype: F, a: input(0), b: input(1) },
    }),
  },
];

/** Median seconds per call of `fn`, over samples of enough calls to last ≈ 10 ms each. */
function timePerCall(fn: () => void): number {
  for (let i = 0; i < 20; i++) fn();
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    if (performance.now() - t0 > 10) break;
    reps *= 2;
  }
  const samples: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  while (samples.length < 5 || performance.now() < end) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    samples.push((performance.now() - t0) / reps / 1000);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Median ms of `fn(i)` over fresh i. */
function timeFresh(fn: (i: number) => void, count = 15, from = 1): number {
  const ts: number[] = [];
  for (let i = from; i < from + count; i++) {
    const t0 = performance.now();
    fn(i);
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

function randomF32(len: number, seed: number): Float32Array {
  const a = new Float32Array(len);
  let s = seed;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1103515245) + 12345) | 0;
    a[i] = (s >>> 8) / 2 ** 23 - 1;
  }
  return a;
}

const kernels = await createWasmKernels({ threads: 1 });
const be = new WasmBackend(kernels, { minElements: 0, minGemmWork: 0 });
const flag = { error: null };
const bytesOf = (k: Kernel): Uint8Array<ArrayBuffer> => {
  if (k.kind === 'reduce') return buildReduce(k, kernels.threadsSupported);
  if (k.kind !== 'elementwise') throw new Error('not fused');
  return buildElementwise(planElementwise(k)!, k.expr, k.consts.length, kernels.threadsSupported);
};

const rows: string[][] = [];
let salt = 1;
for (const { name, make } of CASES) {
  const k = make(N);
  const outLen = k.kind === 'reduce' ? k.outer * k.inner : N;
  const ins = [randomF32(N, 1), randomF32(N, 2)];
  const outJs = new Float32Array(outLen);
  const outWasm = new Float32Array(outLen);

  // the Wasm kernel alone: operands copied into linear memory once
  const run: FusedRun = instantiateFused(bytesOf(k), kernels.memory).run;
  const ptrs = ins.map((a) => {
    const p = kernels.allocF32(a.length);
    kernels.f32(p, a.length).set(a);
    return p;
  });
  const po = kernels.allocF32(outLen);
  const consts = k.kind === 'elementwise' || k.kind === 'reduce' ? k.consts : [];
  const t0 = performance.now();
  run(...ptrs, po, ...consts);
  const firstMs = performance.now() - t0;
  const bare = timePerCall(() => run(...ptrs, po, ...consts));

  const js: HostProgram = compileHost(k, flag);
  const jsTime = timePerCall(() => js(ins, outJs, k));
  const exe = be.compile(k);
  const wasmTime = timePerCall(() => be.dispatch(exe, k, ins, outWasm));
  let maxDiff = 0;
  for (let i = 0; i < outLen; i++) maxDiff = Math.max(maxDiff, Math.abs(outJs[i] - outWasm[i]));

  // compile times over fresh descriptions (n varied by multiples of 200)
  const fresh = (i: number) => make(N + 200 * (salt + i));
  const jsCompile = timeFresh((i) => compileHost(fresh(i), flag));
  const genMs = timeFresh((i) => bytesOf(fresh(i)), 15, 100);
  const wasmCompile = timeFresh((i) => be.compile(fresh(i)), 15, 200);
  salt += 1000;
  const bytes = bytesOf(k).length;

  const ns = (s: number) => ((s / N) * 1e9).toFixed(3);
  rows.push([
    name, ns(jsTime), ns(wasmTime), ns(bare), (jsTime / wasmTime).toFixed(1) + '×',
    firstMs.toFixed(2), jsCompile.toFixed(3), genMs.toFixed(3), wasmCompile.toFixed(3), String(bytes), maxDiff.toExponential(1),
  ]);
  ptrs.forEach((p) => kernels.free(p));
  kernels.free(po);
}

const head = ['kernel', 'JS ns/el', 'Wasm dispatch ns/el', 'Wasm kernel ns/el', 'JS ÷ Wasm', 'first Wasm call ms',
  'JS compile ms', 'Wasm gen ms', 'Wasm gen+compile+inst ms', 'module bytes', 'max |JS − Wasm|'];
console.log(`n = ${N}, Node ${process.version}\n`);
console.log(`| ${head.join(' | ')} |`);
console.log(`| ${head.map((_, i) => (i ? '---:' : '---')).join(' | ')} |`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
