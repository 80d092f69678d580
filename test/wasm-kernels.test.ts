import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  BINARY_OPS, UNARY_OPS, createWasmKernels, type BinaryOp, type SgemmParams, type WasmKernels,
} from '../src/backend/wasm/index.js';
import { sizeClass } from '../src/backend/wasm/allocator.js';

/** Deterministic pseudo-random floats in [-1, 1) (xorshift32). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 31 - 1;
  };
}

function fillRandom(K: WasmKernels, ptr: number, len: number, seed: number): Float32Array {
  const r = rng(seed);
  const v = K.f32(ptr, len);
  for (let i = 0; i < len; i++) v[i] = r();
  return v.slice();
}

interface Case {
  batch: number; m: number; n: number; k: number;
  transA: boolean; transB: boolean;
  bcastA?: boolean; bcastB?: boolean; accumulate?: boolean;
}

/**
 * Runs sgemm on random data and checks every element against a float64
 * triple loop with the forward error bound of sequential float32 summation:
 * |ĉ − c| ≤ (k + 2)·2⁻²⁴·Σ|a||b|.
 */
function checkGemm(K: WasmKernels, c: Case, seed: number): Float32Array {
  const { batch, m, n, k, transA, transB } = c;
  const aLen = (c.bcastA ? 1 : batch) * m * k;
  const bLen = (c.bcastB ? 1 : batch) * k * n;
  const cLen = batch * m * n;
  const pa = K.allocF32(aLen), pb = K.allocF32(bLen), pc = K.allocF32(cLen);
  try {
    const A = fillRandom(K, pa, aLen, seed);
    const B = fillRandom(K, pb, bLen, seed + 1);
    const C0 = fillRandom(K, pc, cLen, seed + 2);
    const p: SgemmParams = {
      batch, m, n, k, a: pa, b: pb, c: pc, transA, transB, accumulate: c.accumulate,
      aBatchStride: c.bcastA ? 0 : m * k, bBatchStride: c.bcastB ? 0 : k * n,
    };
    K.sgemm(p);
    const C = K.f32(pc, cLen).slice();
    const u = 2 ** -24;
    for (let bi = 0; bi < batch; bi++) {
      const ao = c.bcastA ? 0 : bi * m * k;
      const bo = c.bcastB ? 0 : bi * k * n;
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = c.accumulate ? C0[bi * m * n + i * n + j] : 0;
          let mag = Math.abs(s);
          for (let kk = 0; kk < k; kk++) {
            const x = A[ao + (transA ? kk * m + i : i * k + kk)];
            const y = B[bo + (transB ? j * k + kk : kk * n + j)];
            s += x * y;
            mag += Math.abs(x * y);
          }
          const got = C[bi * m * n + i * n + j];
          const tol = (k + 2) * u * mag + 1e-30;
          if (!(Math.abs(got - s) <= tol)) {
            assert.fail(`${JSON.stringify(c)} C[${bi},${i},${j}] = ${got}, expected ${s} ± ${tol}`);
          }
        }
      }
    }
    return C;
  } finally {
    K.free(pa);
    K.free(pb);
    K.free(pc);
  }
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 1, 7], [2, 3, 1], [3, 5, 2], [4, 8, 4], [5, 9, 3], [7, 13, 17], [8, 8, 8],
  [64, 16, 2], [64, 4, 16], [64, 2, 16], [16, 64, 64], [33, 31, 29], [65, 67, 300],
  [130, 70, 513], [3, 100, 40], [100, 3, 40], [12, 12, 260],
];

describe('wasm kernels', () => {
  let K: WasmKernels;
  before(async () => {
    K = await createWasmKernels({ threads: 2 });
  });
  after(async () => {
    await K.dispose();
  });

  test('sgemm matches float64 for all shapes and transpose combinations', () => {
    let seed = 1;
    for (const [m, n, k] of SHAPES) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          checkGemm(K, { batch: 1, m, n, k, transA, transB }, seed++);
        }
      }
    }
  });

  test('small products (read in place, no packing) give the packed kernels\' bits, with and without relaxed FMA', async () => {
    const relaxed = await createWasmKernels({ threads: 1, relaxedSimd: true });
    const shapes = [
      [1, 64, 16, 2], [1, 64, 4, 16], [1, 2, 16, 64], [1, 64, 16, 4], [1, 16, 4, 64], [1, 7, 5, 3], [2, 9, 13, 30],
      [3, 5, 6, 7], [1, 1, 4, 100], [1, 6, 8, 5], [1, 5, 27, 11], [2, 3, 40, 9],
    ] as const;
    let seed = 700;
    for (const kernels of [K, relaxed]) {
      for (const [batch, m, n, k] of shapes) {
        for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
          for (const [accumulate, bcastB] of [[false, false], [true, false], ...(batch > 1 ? [[false, true]] : [])]) {
            const run = (small: boolean) => {
              const saved = kernels.smallGemmWork;
              kernels.smallGemmWork = small ? Infinity : 0;
              try {
                return checkGemm(kernels, { batch, m, n, k, transA, transB, accumulate, bcastB }, seed);
              } finally {
                kernels.smallGemmWork = saved;
              }
            };
            const [a, b] = [run(true), run(false)];
            const what = `[${batch}, ${m}, ${n}, ${k}] transA ${transA} transB ${transB} accumulate ${accumulate} broadcast B ${bcastB} relaxed ${kernels.relaxedSimd}`;
            assert.equal(Buffer.compare(Buffer.from(a.buffer), Buffer.from(b.buffer)), 0, what);
            seed++;
          }
        }
      }
    }
    await relaxed.dispose();
  });

  test('sgemm batched, broadcast batch and accumulate', () => {
    let seed = 100;
    for (const [m, n, k] of [[5, 9, 3], [17, 23, 40], [64, 16, 16]] as const) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          checkGemm(K, { batch: 3, m, n, k, transA, transB }, seed++);
          checkGemm(K, { batch: 3, m, n, k, transA, transB, bcastA: true }, seed++);
          checkGemm(K, { batch: 3, m, n, k, transA, transB, bcastB: true }, seed++);
          checkGemm(K, { batch: 2, m, n, k, transA, transB, accumulate: true }, seed++);
        }
      }
    }
  });

  test('sgemm with k = 0 zeroes C (or leaves it when accumulating) and handles empty shapes', () => {
    const pc = K.allocF32(6);
    K.f32(pc, 6).fill(5);
    K.sgemm({ m: 2, n: 3, k: 0, a: 0, b: 0, c: pc, accumulate: true });
    assert.deepEqual([...K.f32(pc, 6)], [5, 5, 5, 5, 5, 5]);
    K.sgemm({ m: 2, n: 3, k: 0, a: 0, b: 0, c: pc });
    assert.deepEqual([...K.f32(pc, 6)], [0, 0, 0, 0, 0, 0]);
    K.sgemm({ m: 0, n: 3, k: 4, a: 0, b: 0, c: pc });
    K.free(pc);
  });

  test('sgemm with explicit leading dimensions writes only the sub-matrix', () => {
    // A = rows 1..3 / cols 2..6 of an 8-wide matrix; C goes into a 10-wide buffer.
    const big = K.allocF32(8 * 8), pb = K.allocF32(5 * 6), pc = K.allocF32(3 * 10);
    const Abig = fillRandom(K, big, 64, 7);
    const B = fillRandom(K, pb, 30, 8);
    K.f32(pc, 30).fill(-7);
    K.sgemm({ m: 3, n: 6, k: 5, a: big + 4 * (8 + 2), lda: 8, b: pb, c: pc, ldc: 10 });
    const C = K.f32(pc, 30);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 10; j++) {
        if (j >= 6) {
          assert.equal(C[i * 10 + j], -7);
          continue;
        }
        let s = 0;
        for (let kk = 0; kk < 5; kk++) s += Abig[(i + 1) * 8 + 2 + kk] * B[kk * 6 + j];
        assert.ok(Math.abs(C[i * 10 + j] - s) < 1e-5, `C[${i},${j}] = ${C[i * 10 + j]}, expected ${s}`);
      }
    }
    K.free(big);
    K.free(pb);
    K.free(pc);
  });

  test('sgemm results are bit-identical for 1 and 2 threads and between runs', async () => {
    const shapes: Case[] = [
      { batch: 1, m: 300, n: 200, k: 150, transA: false, transB: false },
      { batch: 1, m: 257, n: 129, k: 300, transA: true, transB: true },
      { batch: 1, m: 40, n: 513, k: 333, transA: false, transB: true },
      { batch: 4, m: 70, n: 90, k: 100, transA: true, transB: false, bcastB: true },
    ];
    let seed = 500;
    for (const c of shapes) {
      await K.setNumThreads(2);
      const two = checkGemm(K, c, seed);
      const twoAgain = checkGemm(K, c, seed);
      await K.setNumThreads(1);
      const one = checkGemm(K, c, seed);
      assert.equal(Buffer.compare(Buffer.from(two.buffer), Buffer.from(one.buffer)), 0, `1 vs 2 threads ${JSON.stringify(c)}`);
      assert.equal(Buffer.compare(Buffer.from(two.buffer), Buffer.from(twoAgain.buffer)), 0, 'run to run');
      seed += 3;
    }
    await K.setNumThreads(2);
  });

  test('relaxed and plain SIMD builds agree to rounding', async () => {
    const plain = await createWasmKernels({ threads: 1, relaxedSimd: false });
    assert.equal(plain.relaxedSimd, false);
    checkGemm(plain, { batch: 2, m: 37, n: 45, k: 77, transA: true, transB: false }, 900);
    await plain.dispose();
  });

  test('without SharedArrayBuffer: plain memory, single thread, same results', async () => {
    const g = globalThis as { SharedArrayBuffer?: unknown };
    const saved = g.SharedArrayBuffer;
    let single: WasmKernels;
    delete g.SharedArrayBuffer;
    try {
      single = await createWasmKernels({ threads: 2 });
    } finally {
      g.SharedArrayBuffer = saved;
    }
    assert.equal(single.threadsSupported, false);
    assert.equal(single.threads, 1);
    assert.ok(!(single.memory.buffer instanceof SharedArrayBuffer), 'plain ArrayBuffer memory');
    await single.setNumThreads(4);
    assert.equal(single.threads, 1);
    const c: Case = { batch: 2, m: 130, n: 77, k: 150, transA: false, transB: true };
    const plain = checkGemm(single, c, 4711);
    const threaded = checkGemm(K, c, 4711);
    if (single.relaxedSimd === K.relaxedSimd) {
      assert.equal(Buffer.compare(Buffer.from(plain.buffer), Buffer.from(threaded.buffer)), 0, 'shared vs plain build');
    }
    await single.dispose();
  });

  test('binary ops with full, scalar, row and column broadcasting', () => {
    const rows = 5, cols = 11, len = rows * cols;
    const pa = K.allocF32(len), pb = K.allocF32(len), po = K.allocF32(len);
    const A = fillRandom(K, pa, len, 11);
    const B = fillRandom(K, pb, len, 12);
    const ref = (op: BinaryOp, x: number, y: number): number => {
      switch (op) {
        case 'add': return Math.fround(x + y);
        case 'sub': return Math.fround(x - y);
        case 'mul': return Math.fround(x * y);
        case 'div': return Math.fround(x / y);
        case 'max': return Math.max(x, y);
        case 'min': return Math.min(x, y);
      }
    };
    const expectAll = (f: (i: number, j: number) => number) => {
      const O = K.f32(po, len);
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) assert.equal(O[i * cols + j], f(i, j));
    };
    for (const op of BINARY_OPS) {
      K.binary(op, pa, pb, po, len);
      expectAll((i, j) => ref(op, A[i * cols + j], B[i * cols + j]));
      K.binaryScalar(op, pa, 0.375, po, len);
      expectAll((i, j) => ref(op, A[i * cols + j], 0.375));
      K.binaryScalar(op, pa, 0.375, po, len, true);
      expectAll((i, j) => ref(op, 0.375, A[i * cols + j]));
      K.binaryRow(op, pa, pb, po, rows, cols);
      expectAll((i, j) => ref(op, A[i * cols + j], B[j]));
      K.binaryCol(op, pa, pb, po, rows, cols);
      expectAll((i, j) => ref(op, A[i * cols + j], B[i]));
      K.binary2d(op, rows, cols, { ptr: pb, rowStride: 1, colStride: 0 }, { ptr: pa, rowStride: cols, colStride: 1 }, po);
      expectAll((i, j) => ref(op, B[i], A[i * cols + j]));
    }
    // In place, and NaN propagation of max/min.
    K.f32(pa, 2).set([NaN, 1]);
    K.f32(pb, 2).set([0, NaN]);
    K.binary('max', pa, pb, pa, 2);
    assert.ok(Number.isNaN(K.f32(pa, 2)[0]) && Number.isNaN(K.f32(pa, 2)[1]), 'max propagates NaN');
    K.free(pa);
    K.free(pb);
    K.free(po);
  });

  test('unary ops match Math within a few ulp, special values included', () => {
    const special = [0, -0, 1, -1, 0.5, -0.5, 0.49999997, 1e-30, -1e-30, 1e-40, 88.7, 88.8, -87, -104, -110,
      20, -20, 9, Infinity, -Infinity, NaN, 3.4e38, 1.17549435e-38, 2.5e-45];
    const r = rng(77);
    const xs = [...special];
    for (let i = 0; i < 3000; i++) xs.push(r() * (i % 3 === 0 ? 100 : i % 3 === 1 ? 10 : 1));
    for (let i = 0; i < 500; i++) xs.push(Math.abs(r()) * 2 ** (Math.floor(r() * 120)));
    const len = xs.length;
    const px = K.allocF32(len), po = K.allocF32(len);
    K.f32(px, len).set(xs);
    const X = K.f32(px, len).slice();
    const refs: Record<string, (x: number) => number> = {
      exp: Math.exp, log: Math.log, tanh: Math.tanh, sigmoid: (x) => 1 / (1 + Math.exp(-x)),
      relu: (x) => Math.max(x, 0), neg: (x) => -x, abs: Math.abs, sqrt: Math.sqrt,
    };
    for (const op of UNARY_OPS) {
      K.unary(op, px, po, len);
      const O = K.f32(po, len);
      for (let i = 0; i < len; i++) {
        const want = Math.fround(refs[op](X[i]));
        const got = O[i];
        if (Number.isNaN(want)) {
          assert.ok(Number.isNaN(got), `${op}(${X[i]}) = ${got}, expected NaN`);
          continue;
        }
        if (!Number.isFinite(want) || want === 0) {
          // Exact at infinities and zeros, except where the exact value underflows.
          if (Math.abs(got - want) > 1e-44) assert.equal(got, want, `${op}(${X[i]})`);
          continue;
        }
        const ulp = 2 ** (Math.max(Math.floor(Math.log2(Math.abs(want))), -126) - 23);
        const err = Math.abs(got - want) / ulp;
        assert.ok(err <= 4, `${op}(${X[i]}) = ${got}, expected ${want} (${err.toFixed(1)} ulp)`);
      }
    }
    K.free(px);
    K.free(po);
  });

  test('exp underflows to exactly +0 at and below -104 and keeps subnormal results above it', () => {
    // the lanes at or below -104 skip the underflowing product (slow on x86) but must give the same +0
    const xs = [-Infinity, -3.4e38, -1000, -104.5, -104, Math.fround(-103.99), -103.5, -100, -95, -90, -87.5, -87.3, -80];
    const len = xs.length;
    const px = K.allocF32(len), po = K.allocF32(len);
    K.f32(px, len).set(xs);
    K.unary('exp', px, po, len);
    const O = K.f32(po, len).slice();
    for (let i = 0; i < len; i++) {
      const x = Math.fround(xs[i]);
      if (x <= -104) {
        assert.ok(Object.is(O[i], 0), `exp(${x}) = ${O[i]}, expected +0`);
        continue;
      }
      // subnormal results: within 2 units of the last place of the subnormal grid (2^-149)
      const want = Math.exp(x);
      const unit = want < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(want)) - 23);
      assert.ok(Math.abs(O[i] - want) <= 2 * unit, `exp(${x}) = ${O[i]}, expected ${want}`);
    }
    // a causally masked softmax row: the masked entries are exactly 0, the others the usual values
    const cols = 16;
    const row = Array.from({ length: cols }, (_, j) => (j < 5 ? Math.sin(j) : -Infinity));
    const ps = K.allocF32(cols), pq = K.allocF32(cols);
    K.f32(ps, cols).set(row);
    K.softmax(ps, pq, 1, cols);
    const S = K.f32(pq, cols).slice();
    const mx = Math.max(...row.slice(0, 5));
    const z = row.slice(0, 5).reduce((a, v) => a + Math.exp(Math.fround(v - mx)), 0);
    for (let j = 0; j < cols; j++) {
      if (j >= 5) assert.ok(Object.is(S[j], 0), `masked softmax[${j}] = ${S[j]}`);
      else assert.ok(Math.abs(S[j] - Math.exp(Math.fround(row[j] - mx)) / z) <= 1e-6, `softmax[${j}] = ${S[j]}`);
    }
    for (const p of [px, po, ps, pq]) K.free(p);
  });

  test('activation gradients, fill and axpy', () => {
    const len = 37;
    const px = K.allocF32(len), pd = K.allocF32(len), po = K.allocF32(len);
    const X = fillRandom(K, px, len, 21);
    const Dy = fillRandom(K, pd, len, 22);
    const f = Math.fround;
    const cases: [Parameters<WasmKernels['grad']>[0], (x: number, d: number) => number][] = [
      ['relu_grad', (x, d) => (x > 0 ? d : 0)],
      ['tanh_grad', (y, d) => f(d * f(1 - f(y * y)))],
      ['sigmoid_grad', (y, d) => f(f(d * y) * f(1 - y))],
    ];
    for (const [op, ref] of cases) {
      K.grad(op, px, pd, po, len);
      const O = K.f32(po, len);
      for (let i = 0; i < len; i++) assert.equal(O[i], ref(X[i], Dy[i]), `${op} ${i}`);
    }
    K.fill(po, 2.5, len);
    assert.ok(K.f32(po, len).every((v) => v === 2.5), 'fill');
    K.axpy(0.5, px, po, len);
    const O = K.f32(po, len);
    for (let i = 0; i < len; i++) assert.equal(O[i], f(2.5 + f(0.5 * X[i])));
    K.free(px);
    K.free(pd);
    K.free(po);
  });

  test('sum and max reductions over the last and middle axes', () => {
    for (const [outer, r, inner] of [[3, 1, 1], [4, 7, 1], [2, 37, 1], [1, 0, 1], [3, 5, 9], [2, 6, 4], [1, 64, 16]]) {
      const len = Math.max(1, outer * r * inner);
      const px = K.allocF32(len), po = K.allocF32(outer * inner);
      const X = fillRandom(K, px, len, outer * 100 + r * 10 + inner);
      for (const kind of ['sum', 'max'] as const) {
        K[kind](px, po, outer, r, inner);
        const O = K.f32(po, outer * inner);
        for (let o = 0; o < outer; o++) {
          for (let j = 0; j < inner; j++) {
            let s = kind === 'sum' ? 0 : -Infinity;
            let mag = 0;
            for (let kk = 0; kk < r; kk++) {
              const x = X[(o * r + kk) * inner + j];
              s = kind === 'sum' ? s + x : Math.max(s, x);
              mag += Math.abs(x);
            }
            const got = O[o * inner + j];
            if (kind === 'max') assert.equal(got, s);
            else assert.ok(Math.abs(got - s) <= (r + 1) * 2 ** -24 * mag, `sum ${outer},${r},${inner}: ${got} vs ${s}`);
          }
        }
      }
      K.free(px);
      K.free(po);
    }
  });

  test('softmax and log-softmax rows', () => {
    // the last shape is large enough to be shared out across the worker threads
    // log-softmax takes rows four at a time: partial groups of 1 to 3 rows are among these
    for (const [rows, cols] of [[1, 1], [3, 4], [5, 13], [6, 4], [7, 10], [9, 2], [2, 100], [2050, 131]]) {
      const len = rows * cols;
      const px = K.allocF32(len), po = K.allocF32(len);
      const X = fillRandom(K, px, len, rows * cols).map((v) => v * 30);
      K.f32(px, len).set(X);
      K.softmax(px, po, rows, cols);
      const S = K.f32(po, len).slice();
      K.logSoftmax(px, po, rows, cols);
      const L = K.f32(po, len).slice();
      for (let i = 0; i < rows; i++) {
        const row = Array.from(X.subarray(i * cols, (i + 1) * cols));
        const mx = Math.max(...row);
        const z = row.reduce((s, v) => s + Math.exp(v - mx), 0);
        for (let j = 0; j < cols; j++) {
          // x − max is rounded to float32 before exp; that rounding is part of the contract.
          const want = Math.exp(Math.fround(row[j] - mx)) / z;
          assert.ok(Math.abs(S[i * cols + j] - want) <= 1e-6 * want + 1e-30, `softmax ${S[i * cols + j]} vs ${want}`);
          const wantLog = row[j] - mx - Math.log(z);
          assert.ok(Math.abs(L[i * cols + j] - wantLog) <= 1e-5 * (1 + Math.abs(wantLog)), `log-softmax ${L[i * cols + j]} vs ${wantLog}`);
        }
      }
      K.free(px);
      K.free(po);
    }
  });

  test('softmax and log-softmax give each row the bits it gets alone (short rows go four to a vector)', () => {
    for (const [rows, cols] of [[4, 1], [9, 3], [6, 4], [4, 4], [64, 4], [13, 4], [11, 7], [8, 8], [5, 13]]) {
      const len = rows * cols;
      const px = K.allocF32(len), po = K.allocF32(len), p1 = K.allocF32(cols), o1 = K.allocF32(cols);
      const X = fillRandom(K, px, len, 31 + len).map((v, i) => (i % 5 === 3 ? -Infinity : v * 2));
      X[0] = NaN;
      K.f32(px, len).set(X);
      for (const fn of ['softmax', 'logSoftmax'] as const) {
        K[fn](px, po, rows, cols);
        const all = K.f32(po, len).slice();
        for (let i = 0; i < rows; i++) {
          K.f32(p1, cols).set(X.subarray(i * cols, (i + 1) * cols));
          K[fn](p1, o1, 1, cols);
          const alone = K.f32(o1, cols).slice();
          const got = all.subarray(i * cols, (i + 1) * cols);
          for (let j = 0; j < cols; j++) assert.ok(Object.is(got[j], alone[j]) || (Number.isNaN(got[j]) && Number.isNaN(alone[j])), `${fn} [${rows}, ${cols}] row ${i}: ${got[j]} vs ${alone[j]}`);
        }
      }
      for (const ptr of [px, po, p1, o1]) K.free(ptr);
    }
  });

  test('softmax and log-softmax shared across threads are bit-identical to one thread', async () => {
    const [rows, cols] = [3001, 97];
    const len = rows * cols;
    const px = K.allocF32(len), po = K.allocF32(len);
    const X = fillRandom(K, px, len, 77).map((v, i) => (i % cols > (Math.floor(i / cols) % cols) ? -Infinity : v * 20));
    K.f32(px, len).set(X);
    const run = async (threads: number) => {
      await K.setNumThreads(threads);
      K.softmax(px, po, rows, cols);
      const S = K.f32(po, len).slice();
      K.logSoftmax(px, po, rows, cols);
      return [S, K.f32(po, len).slice()];
    };
    const [s2, l2] = await run(2);
    const [s1, l1] = await run(1);
    assert.equal(Buffer.compare(Buffer.from(s1.buffer), Buffer.from(s2.buffer)), 0, 'softmax, 1 vs 2 threads');
    assert.equal(Buffer.compare(Buffer.from(l1.buffer), Buffer.from(l2.buffer)), 0, 'log-softmax, 1 vs 2 threads');
    assert.ok(Object.is(s2[1], 0) && s2[0] === 1, 'a row with one unmasked entry');
    await K.setNumThreads(2);
    K.free(px);
    K.free(po);
  });

  test('adam step matches the reference update', () => {
    const len = 23;
    const pp = K.allocF32(len), pg = K.allocF32(len), pm = K.allocF32(len), pv = K.allocF32(len);
    const P = fillRandom(K, pp, len, 31), G = fillRandom(K, pg, len, 32);
    const M = fillRandom(K, pm, len, 33).map((x) => x * 0.1), V = fillRandom(K, pv, len, 34).map((x) => x * x);
    K.f32(pm, len).set(M);
    K.f32(pv, len).set(V);
    const h = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 3 };
    K.adam(pp, pg, pm, pv, len, h);
    // The kernel works in float32 throughout: emulate it operation by operation.
    const f = Math.fround;
    const b1 = f(0.9), b2 = f(0.999), lr = f(0.01), eps = f(1e-8);
    const c1 = f(1 / (1 - 0.9 ** 3)), c2 = f(1 / (1 - 0.999 ** 3));
    for (let i = 0; i < len; i++) {
      const m = f(f(b1 * M[i]) + f(f(1 - b1) * G[i]));
      const v = f(f(b2 * V[i]) + f(f(1 - b2) * f(G[i] * G[i])));
      const p = f(P[i] - f(f(lr * f(m * c1)) / f(f(Math.sqrt(f(v * c2))) + eps)));
      assert.equal(K.f32(pm, len)[i], m, `m[${i}]`);
      assert.equal(K.f32(pv, len)[i], v, `v[${i}]`);
      assert.equal(K.f32(pp, len)[i], p, `p[${i}]`);
    }
    for (const q of [pp, pg, pm, pv]) K.free(q);
  });

  test('allocator reuses blocks: a long alloc/free loop does not grow the heap', () => {
    const sizes = [4, 100, 1000, 4096, 12345, 65536 + 3];
    for (const s of sizes) assert.ok(sizeClass(s) >= s && sizeClass(s) <= Math.max(64, s * 1.25 + 64), `size class of ${s}`);
    const warm = sizes.map((s) => K.alloc(s));
    warm.forEach((p) => K.free(p));
    const bytes = K.memory.buffer.byteLength;
    for (let it = 0; it < 5000; it++) {
      const ps = sizes.map((s) => K.alloc(s));
      for (const p of ps) assert.equal(p % 64, 0);
      for (const p of ps.reverse()) K.free(p);
    }
    assert.equal(K.memory.buffer.byteLength, bytes);
    assert.throws(() => K.free(12345));
  });

  test('memory growth keeps data and kernels working', () => {
    const p = K.allocF32(4);
    K.f32(p, 4).set([1, 2, 3, 4]);
    const big = K.alloc(K.memory.buffer.byteLength);
    assert.deepEqual([...K.f32(p, 4)], [1, 2, 3, 4]);
    K.unary('neg', p, p, 4);
    assert.deepEqual([...K.f32(p, 4)], [-1, -2, -3, -4]);
    checkGemm(K, { batch: 1, m: 9, n: 10, k: 11, transA: false, transB: true }, 4242);
    K.free(big);
    K.free(p);
  });

  test('a trapping threaded GEMM throws instead of hanging, and the pool recovers', () => {
    const n = 256;
    const pa = K.allocF32(n * n), pc = K.allocF32(n * n);
    const outside = K.memory.buffer.byteLength + (1 << 20);
    assert.throws(() => K.sgemm({ m: n, n, k: n, a: pa, b: outside, c: pc }));
    assert.throws(() => K.sgemm({ m: n, n, k: n, a: outside, b: pa, c: pc }));
    K.free(pa);
    K.free(pc);
    checkGemm(K, { batch: 1, m: 150, n: 140, k: 130, transA: false, transB: false }, 77);
  });

  test('setNumThreads(1) runs single-threaded and reports it', async () => {
    await K.setNumThreads(1);
    assert.equal(K.threads, 1);
    checkGemm(K, { batch: 1, m: 200, n: 200, k: 100, transA: false, transB: false }, 3);
    await K.setNumThreads(2);
    assert.equal(K.threads, K.threadsSupported ? 2 : 1);
  });
});
