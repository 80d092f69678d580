// Resident buffers on the Wasm backend: blocks of linear memory that compiled plans keep their
// intermediates in, used in place by the Wasm kernels (no copy in or out) and seen through
// per-dispatch views by the JavaScript kernels. Every kernel must give the same bits whether its
// operands are host arrays or resident; a compiled MLP step must match the eager step bit for
// bit, copy nothing but its arguments and results, and leave linear memory alone across calls.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../src/index.js";
import type { DType, TypedArray } from "../src/core/dtype.js";
import type { Buf, Expr, Kernel } from "../src/backend/kernel.js";
import { WasmBackend } from "../src/backend/wasm-backend.js";
import { createWasmKernels } from "../src/backend/wasm/index.js";
import { onBackend } from "./backend-helpers.js";

const kernels = await createWasmKernels({ threads: 1, initialMemory: 1 << 20 });
const be = new WasmBackend(kernels, { minElements: 0, minGemmWork: 0 });

const F = "float32";
const inp = (index: number, dtype: DType = F): Expr => ({ op: "input", index, dtype });
const flat = (n: number, dtype: DType = F) => ({ kind: "elementwise" as const, dtype, shape: [n], inputs: [{ dtype, strides: [1], offset: 0 }], consts: [], expr: inp(0, dtype) });

function data(len: number, seed: number): Float32Array {
  const out = new Float32Array(len);
  let s = seed;
  for (let i = 0; i < len; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    out[i] = (s / 2 ** 32) * 6 - 3;
  }
  return out;
}

/** A resident buffer holding `host` (written by an identity kernel: the backend has no other way in). */
function resident(host: TypedArray, dtype: DType): Buf {
  const r = be.allocResident(dtype, host.length);
  const k = flat(host.length, dtype);
  be.dispatch(be.compile(k), k, [be.upload(host, dtype)], r);
  assert.ok(be.isResident(r));
  return r;
}

/** Runs `k` on host arrays and on resident copies of them; returns both results and the bytes the resident run copied. */
function both(k: Kernel, inputs: readonly { data: TypedArray; dtype: DType }[], outSize: number) {
  const exe = be.compile(k);
  const hostOut = be.alloc(k.dtype, outSize);
  be.dispatch(exe, k, inputs.map((i) => be.upload(i.data, i.dtype)), hostOut);
  const ins = inputs.map((i) => resident(i.data, i.dtype));
  const out = be.allocResident(k.dtype, outSize);
  const before = { ...be.copies };
  be.dispatch(exe, k, ins, out);
  const copied = be.copies.inBytes - before.inBytes + be.copies.outBytes - before.outBytes;
  const inPlace = be.copies.inPlace - before.inPlace;
  const got = be.read(out, k.dtype, outSize);
  for (const b of [...ins, out]) be.free(b);
  return { expected: be.read(hostOut, k.dtype, outSize), got, copied, inPlace };
}

test("every Wasm kernel gives the same bits on resident operands, copying nothing", () => {
  const [m, n, kk] = [7, 9, 13];
  const mm: Kernel = { kind: "matmul", dtype: F, batch: 1, m, n, k: kk, a: { offset: 0, batchStride: 0, trans: false }, b: { offset: 0, batchStride: 0, trans: true } };
  const ew: Kernel = {
    kind: "elementwise", dtype: F, shape: [5, 6], consts: [0.5],
    inputs: [{ dtype: F, strides: [6, 1], offset: 0 }, { dtype: F, strides: [0, 1], offset: 3 }],
    expr: { op: "binary", fn: "mul", a: { op: "unary", fn: "exp", x: inp(0), dtype: F }, b: { op: "binary", fn: "add", a: inp(1), b: { op: "const", index: 0, dtype: F }, dtype: F }, dtype: F },
  };
  const red: Kernel = { kind: "reduce", op: "sum", dtype: F, outer: 4, len: 50, inner: 3, inputs: [{ dtype: F, strides: [1], offset: 0 }], consts: [], expr: { op: "unary", fn: "abs", x: inp(0), dtype: F } };
  const sm: Kernel = { kind: "softmax", op: "logSoftmax", dtype: F, outer: 6, len: 33, inner: 1 };
  const cases: [string, Kernel, { data: TypedArray; dtype: DType }[], number, number][] = [
    ["matmul", mm, [{ data: data(m * kk, 1), dtype: F }, { data: data(n * kk, 2), dtype: F }], m * n, 3],
    ["elementwise", ew, [{ data: data(30, 3), dtype: F }, { data: data(9, 4), dtype: F }], 30, 3],
    ["reduce", red, [{ data: data(600, 5), dtype: F }], 12, 2],
    ["softmax", sm, [{ data: data(198, 6), dtype: F }], 198, 2],
  ];
  for (const [name, k, ins, size, operands] of cases) {
    const r = both(k, ins, size);
    assert.deepEqual(r.got, r.expected, `${name}: resident result`);
    assert.equal(r.copied, 0, `${name}: bytes copied with resident operands`);
    assert.equal(r.inPlace, operands, `${name}: operands used in place`);
  }
});

test("JavaScript kernels (gathers, int32, bool) read and write resident buffers through views", () => {
  const gather: Kernel = { kind: "gather", dtype: F, outer: 2, xLen: 5, idxLen: 3, inner: 4 };
  // [outer, idxLen, inner] indices into the middle axis; negative ones count from the end
  const idx = Int32Array.from({ length: 24 }, (_, i) => ((i * 5) % 9) - 4);
  const lt: Kernel = { kind: "elementwise", dtype: "bool", shape: [40], consts: [], inputs: [{ dtype: F, strides: [1], offset: 0 }, { dtype: F, strides: [1], offset: 0 }], expr: { op: "binary", fn: "lt", a: inp(0), b: inp(1), dtype: "bool" } };
  const where: Kernel = {
    kind: "elementwise", dtype: F, shape: [40], consts: [],
    inputs: [{ dtype: "bool", strides: [1], offset: 0 }, { dtype: F, strides: [1], offset: 0 }, { dtype: "int32", strides: [1], offset: 0 }],
    expr: { op: "where", cond: inp(0, "bool"), a: inp(1), b: { op: "cast", x: inp(2, "int32"), dtype: F }, dtype: F },
  };
  const mask = Uint8Array.from({ length: 40 }, (_, i) => (i * 7) % 3 === 0 ? 1 : 0);
  const ints = Int32Array.from({ length: 40 }, (_, i) => i * 3 - 50);
  const cases: [string, Kernel, { data: TypedArray; dtype: DType }[], number][] = [
    ["gather", gather, [{ data: data(40, 7), dtype: F }, { data: idx, dtype: "int32" }], 24],
    ["compare", lt, [{ data: data(40, 8), dtype: F }, { data: data(40, 9), dtype: F }], 40],
    ["where", where, [{ data: mask, dtype: "bool" }, { data: data(40, 10), dtype: F }, { data: ints, dtype: "int32" }], 40],
  ];
  for (const [name, k, ins, size] of cases) {
    const r = both(k, ins, size);
    assert.deepEqual(r.got, r.expected, `${name}: resident result`);
    assert.equal(r.copied, 0, `${name}: bytes copied`);
  }
  assert.equal(be.takeIndexError(), null);
});

test("pointers survive memory growth in a dispatch; scratch never overwrites resident data", () => {
  const len = 600_000; // 2.4 MB of host operand: more than the 1 MiB the memory started with
  const a = data(len, 11);
  const kept = data(1000, 12);
  const r = resident(kept, F);
  const add: Kernel = { kind: "elementwise", dtype: F, shape: [len], consts: [], inputs: [{ dtype: F, strides: [0], offset: 17 }, { dtype: F, strides: [1], offset: 0 }], expr: { op: "binary", fn: "add", a: inp(0), b: inp(1), dtype: F } };
  const bytes = kernels.memory.buffer.byteLength;
  const out = be.alloc(F, len) as Float32Array;
  be.dispatch(be.compile(add), add, [r, a], out);
  assert.ok(kernels.memory.buffer.byteLength > bytes, "the dispatch grew the memory");
  for (const i of [0, 1, len - 1]) assert.equal(out[i], Math.fround(kept[17] + a[i]));
  assert.deepEqual(be.read(r, F, 1000), kept, "resident data intact after the scratch region grew and was filled");
  be.free(r);
  assert.throws(() => be.free(r), /freed twice/);
});

test("a pad on resident operands writes every element, also from a block above a view made before the memory grew", () => {
  // the result's view is made first; the source, allocated next, grows the memory and lies above
  // that view's end
  const [P, Q, R] = [3, 100, 1000];
  const k: Kernel = { kind: "pad", dtype: F, shape: [P, Q, R], before: [1, 0, 2], after: [0, 2, 1], value: -0.5 };
  const [P2, Q2, R2] = [P + 1, Q + 2, R + 3];
  const outSize = P2 * Q2 * R2;
  const out = be.allocResident(F, outSize);
  be.read(out, F, outSize); // reading makes (and keeps) the result's view
  const bytes = kernels.memory.buffer.byteLength;
  const src = data(P * Q * R, 13);
  const x = resident(src, F);
  assert.ok(kernels.memory.buffer.byteLength > bytes, "the memory grew");
  be.dispatch(be.compile(k), k, [x], out);
  const got = be.read(out, F, outSize);
  const want = new Float32Array(outSize);
  for (let i = 0; i < P2; i++)
    for (let j = 0; j < Q2; j++)
      for (let l = 0; l < R2; l++) {
        const [a, b, c] = [i - 1, j, l - 2];
        want[(i * Q2 + j) * R2 + l] = a >= 0 && a < P && b < Q && c >= 0 && c < R ? src[(a * Q + b) * R + c] : -0.5;
      }
  assert.ok(Buffer.from(got.buffer).equals(Buffer.from(want.buffer)), "padded result");
  // only a leading axis padded: the whole source is one block
  const lead: Kernel = { kind: "pad", dtype: F, shape: [1, P * Q * R], before: [2, 0], after: [1, 0], value: 0 };
  const n = P * Q * R;
  const out2 = be.allocResident(F, 4 * n);
  be.dispatch(be.compile(lead), lead, [x], out2);
  const got2 = be.read(out2, F, 4 * n);
  assert.ok(Buffer.from(got2.slice(2 * n, 3 * n).buffer).equals(Buffer.from(src.buffer)), "the source block");
  assert.ok(got2.subarray(0, 2 * n).every((v) => v === 0) && got2.subarray(3 * n).every((v) => v === 0), "zeros around it");
  for (const r of [out, out2, x]) be.free(r);
});

// ---- a compiled MLP step ----

const [B, I, H, O] = [16, 48, 32, 10];
const lr = 0.05;

function lossFn(W1: tg.Tensor, b1: tg.Tensor, W2: tg.Tensor, b2: tg.Tensor, x: tg.Tensor, y: tg.Tensor): tg.Tensor {
  const logits = x.matmul(W1).add(b1).relu().matmul(W2).add(b2);
  return logits.logSoftmax(-1).mul(y).sum().neg().div(B);
}

function sgdStep(W1: tg.Tensor, b1: tg.Tensor, W2: tg.Tensor, b2: tg.Tensor, x: tg.Tensor, y: tg.Tensor): tg.Tensor[] {
  const [loss, g] = tg.valueAndGrad(lossFn, { argnums: [0, 1, 2, 3] })(W1, b1, W2, b2, x, y);
  return [loss, W1.sub(g[0].mul(lr)), b1.sub(g[1].mul(lr)), W2.sub(g[2].mul(lr)), b2.sub(g[3].mul(lr))];
}

function problem(): { params: tg.Tensor[]; x: tg.Tensor; y: tg.Tensor } {
  const gen = tg.random.generator(3);
  const params = [tg.randn([I, H], { generator: gen }).mul(0.2), tg.randn([H], { generator: gen }).mul(0.1), tg.randn([H, O], { generator: gen }).mul(0.2), tg.zeros([O])];
  const x = tg.randn([B, I], { generator: gen });
  const y = tg.oneHot(tg.randint(0, O, [B], { generator: gen }), O, { dtype: "float32" });
  tg.realize(...params, x, y);
  return { params, x, y };
}

const bytesOf = (ts: readonly tg.Tensor[]) => ts.reduce((n, t) => n + 4 * t.size, 0);

test("a jitted MLP step on the Wasm backend matches the eager step bit for bit, and copies only its arguments and results", () =>
  onBackend(be, () => {
    const step = tg.jit(sgdStep, { donate: [0, 1, 2, 3] });
    const e = problem();
    const j = problem();
    let eagerIn = 0;
    let jitIn = 0;
    for (let s = 0; s < 4; s++) {
      let c = { ...be.copies };
      const eo = sgdStep(e.params[0], e.params[1], e.params[2], e.params[3], e.x, e.y);
      tg.realize(...eo);
      const eagerOut = be.copies.outBytes - c.outBytes;
      eagerIn = be.copies.inBytes - c.inBytes;
      c = { ...be.copies };
      const args = [...j.params, j.x, j.y];
      const jo = step(j.params[0], j.params[1], j.params[2], j.params[3], j.x, j.y);
      const jitOut = be.copies.outBytes - c.outBytes;
      jitIn = be.copies.inBytes - c.inBytes;
      if (s > 0) {
        // intermediates stay in linear memory, and so do the new parameters: they are written
        // in place over the donated ones, which the last step handed back. Only the loss leaves
        // linear memory; only x and y (not donated) enter it.
        assert.equal(jitOut, bytesOf(jo.slice(0, 1)), `step ${s}: bytes copied out are the loss's`);
        assert.ok(jitOut < eagerOut, `step ${s}: eager copies out its intermediates too (${eagerOut} vs ${jitOut})`);
        assert.ok(jitIn <= 3 * bytesOf(args.slice(4)), `step ${s}: bytes copied in (${jitIn}) come from the arguments that were not donated`);
        assert.ok(jitIn < eagerIn, `step ${s}: eager copies its intermediates back in (${eagerIn} vs ${jitIn})`);
        assert.ok(be.copies.inPlace - c.inPlace > 0, "operands used in place");
      }
      eo.forEach((t, i) => assert.deepEqual(jo[i].data(), t.data(), `step ${s}, result ${i}: jit and eager differ`));
      e.params = eo.slice(1);
      j.params = jo.slice(1);
    }
    assert.ok(step.residentElements > 0);
    step.close();
  }));

test("a jitted step runs bound to its blocks: the eager bits with a new batch on every call, its small exact kernels in Wasm", () => {
  // default size thresholds: eager code runs kernels below 256 elements as JavaScript
  const dflt = new WasmBackend(kernels);
  onBackend(dflt, () => {
    const step = tg.jit(sgdStep, { donate: [0, 1, 2, 3] });
    const e = problem();
    const j = problem();
    const gen = tg.random.generator(9);
    let afterFirst = 0;
    for (let s = 0; s < 5; s++) {
      // a new batch in new arrays each call: the plan copies it into its block, read in place
      const x = tg.randn([B, I], { generator: gen });
      tg.realize(x);
      const eo = sgdStep(e.params[0], e.params[1], e.params[2], e.params[3], x, e.y);
      tg.realize(...eo);
      const jo = step(j.params[0], j.params[1], j.params[2], j.params[3], x, j.y);
      eo.forEach((t, i) => assert.deepEqual(jo[i].data(), t.data(), `call ${s}, result ${i}: jit and eager differ`));
      e.params = eo.slice(1);
      j.params = jo.slice(1);
      if (s === 0) afterFirst = dflt.rendered.elementwise;
    }
    // the second call binds the steps; the bias updates (32 and 10 elements, exact in Wasm)
    // get their SIMD form then, which eager code never renders at these sizes
    assert.ok(dflt.rendered.elementwise > afterFirst, "small exact kernels rendered to Wasm for the bound plan");
    step.close();
  });
});

test("a bound plan given an input that is a view of a larger buffer reads it where it is, and its results stay right", () => {
  const dflt = new WasmBackend(kernels);
  onBackend(dflt, () => {
    const gen = tg.random.generator(12);
    const w = tg.randn([16, 24], { generator: gen });
    const fn = (x: tg.Tensor, v: tg.Tensor) => x.matmul(v).relu().mul(0.5).sum(-1);
    const f = tg.jit(fn);
    const check = (x: tg.Tensor, what: string) => assert.deepEqual(f(x, w).data(), fn(x, w).data(), what);
    // whole tensors: the inputs are copied into their blocks and the steps bind on the second call
    for (let i = 0; i < 3; i++) check(tg.randn([8, 16], { generator: gen }), `whole input, call ${i}`);
    // the first 8 rows of a [20, 16] tensor: the same signature, but the buffer is larger than
    // the input's block, so the kernels read it in place (the bound steps reading it fall back)
    const big = tg.randn([20, 16], { generator: gen });
    tg.realize(big);
    check(big.slice([0, 8]), "a view of a larger buffer");
    check(tg.randn([8, 16], { generator: gen }), "a whole input again");
    check(big.slice([0, 8]), "the view again");
    assert.equal(f.traceCount, 1, "one signature, one trace");
    f.close();
  });
});

test("10,000 calls of a jitted step leave linear memory as it was after warm-up", () =>
  onBackend(be, () => {
    const step = tg.jit(sgdStep, { donate: [0, 1, 2, 3] });
    const { x, y, params: initial } = problem();
    let params = initial;
    const run = (n: number) => {
      for (let i = 0; i < n; i++) params = step(params[0], params[1], params[2], params[3], x, y).slice(1);
    };
    run(20);
    const bytes = kernels.memory.buffer.byteLength;
    const first = params[0].data()[0];
    run(10_000);
    assert.equal(kernels.memory.buffer.byteLength, bytes);
    assert.notEqual(params[0].data()[0], first, "the parameters kept changing");
    step.close();
  }));

/** A PyTorch-style SGD step on one weight, compiled or not; `zero: false` accumulates gradients across calls. */
function torchStyle(zero: boolean) {
  const w = tg.randn([64, 32], { generator: tg.random.generator(3) }).setRequiresGrad();
  const opt = new tg.optim.SGD([w], { lr: 0.1 });
  const fn = (x: tg.Tensor) => {
    if (zero) opt.zeroGrad();
    const loss = x.matmul(w).tanh().sum();
    loss.backward();
    opt.step();
    return loss;
  };
  return { w, fn };
}
const values = (t: tg.Tensor) => Array.from(t.data());

test("a compiled step's gradients stay in the plan's memory: unread, each call writes over the last; read through .grad, they keep their values", () =>
  onBackend(be, () => {
    const e = torchStyle(true);
    const c = torchStyle(true);
    const step = tg.compile(c.fn);
    const x = tg.randn([8, 64], { generator: tg.random.generator(4) });
    tg.realize(x);
    for (let i = 0; i < 3; i++) {
      const el = e.fn(x);
      const before = be.copies.outBytes;
      const cl = step(x);
      // the new parameter is written over the old one and the gradient over the last call's
      // (which nothing read): only the loss leaves linear memory
      if (i > 0) assert.equal(be.copies.outBytes - before, 4, `call ${i}: bytes copied out are the loss's`);
      assert.deepEqual(values(cl), values(el), `loss at call ${i}`);
    }
    const held = c.w.grad!;
    const seen = values(held);
    assert.deepEqual(seen, values(e.w.grad!), "the gradient, read after the call that made it");
    for (let i = 0; i < 2; i++) assert.deepEqual(values(step(x)), values(e.fn(x)), `loss at call ${3 + i}`);
    assert.deepEqual(values(held), seen, "a gradient read through .grad keeps its values after later calls");
    assert.notDeepEqual(values(c.w.grad!), seen, "later calls made new gradients");
    assert.deepEqual(values(c.w.grad!), values(e.w.grad!), "the latest gradient");
    // an unread gradient in the plan's memory moves out when the plan is released
    step(x);
    e.fn(x);
    step.close();
    assert.deepEqual(values(c.w.grad!), values(e.w.grad!), "the gradient after close()");
    assert.deepEqual(values(c.w), values(e.w), "the parameter after close()");
  }));

test("a compiled step that accumulates gradients across calls (no zeroGrad) reads the last call's gradient from the plan's memory", () =>
  onBackend(be, () => {
    const e = torchStyle(false);
    const c = torchStyle(false);
    const step = tg.compile(c.fn);
    const x = tg.randn([8, 64], { generator: tg.random.generator(5) });
    for (let i = 0; i < 4; i++) assert.deepEqual(values(step(x)), values(e.fn(x)), `loss at call ${i}`);
    assert.deepEqual(values(c.w.grad!), values(e.w.grad!), "the accumulated gradient");
    assert.deepEqual(values(c.w), values(e.w), "the parameter");
    step.close();
  }));

test("an intermediate read by another backend (float64 work on the reference backend) stays a host array", () =>
  onBackend(be, () => {
    const f = (x: tg.Tensor) => x.mul(2).exp().cast("float64").log().mul(3).cast("float32").add(1).sum();
    const x = tg.randn([300], { generator: tg.random.generator(5) });
    const eager = f(x).item();
    const jf = tg.jit(f);
    for (let i = 0; i < 3; i++) assert.equal(jf(x).item(), eager);
    jf.close();
  }));

test("large host arrays read again keep a mirror that later kernels read in place; writing the array (on either host backend) drops it", async () => {
  const { MIRROR_MIN, MIRROR_BUDGET } = await import("../src/backend/mirrors.js");
  const { cpu } = await import("../src/backend/runtime.js");
  const n = MIRROR_MIN;
  const add: Kernel = {
    kind: "elementwise", dtype: F, shape: [n], consts: [],
    inputs: [{ dtype: F, strides: [1], offset: 0 }, { dtype: F, strides: [1], offset: 0 }],
    expr: { op: "binary", fn: "add", a: inp(0), b: inp(1), dtype: F },
  };
  const neg: Kernel = { ...flat(n), expr: { op: "unary", fn: "neg", x: inp(0), dtype: F } };
  const run = (k: Kernel, inputs: Buf[]) => {
    const out = be.alloc(F, n);
    be.dispatch(be.compile(k), k, inputs, out);
    return out as Float32Array;
  };
  const a = be.upload(data(n, 3), F) as Float32Array;
  const c0 = { ...be.copies };
  const twice = run(add, [a, a]);
  assert.equal(be.copies.inBytes - c0.inBytes, 8 * n, "the first read goes through the scratch region, the second makes the mirror");
  const c1 = { ...be.copies };
  const again = run(add, [a, twice]);
  assert.equal(be.copies.inBytes - c1.inBytes, 4 * n, "the array is read from its mirror; the result, read once so far, is copied");
  assert.equal(be.copies.mirrored - c1.mirrored, 1);
  const c2a = { ...be.copies };
  run(add, [a, a]);
  assert.equal(be.copies.inBytes - c2a.inBytes, 0, "both operands from the mirror");
  for (let i = 0; i < n; i += 997) assert.equal(again[i], Math.fround(a[i] + twice[i]));
  // the reference backend writes the array (as a compiled plan does with a donated buffer)
  cpu.dispatch(cpu.compile(neg), neg, [twice], a);
  const c2 = { ...be.copies };
  const fresh = run(add, [a, a]);
  assert.ok(be.copies.inBytes - c2.inBytes >= 4 * n, "the written array is copied in afresh");
  for (let i = 0; i < n; i += 997) assert.equal(fresh[i], Math.fround(-twice[i] * 2), `element ${i} after the write`);
  // the Wasm backend writes it with a JavaScript kernel (a pad into a host array), then with a Wasm one
  const half = n / 2;
  const pad: Kernel = { kind: "pad", dtype: F, shape: [half], before: [half / 2], after: [half / 2], value: 5 };
  be.dispatch(be.compile(pad), pad, [be.upload(data(half, 9), F)], a);
  const padded = run(add, [a, a]);
  assert.equal(padded[0], 10, "the pad value, doubled");
  be.dispatch(be.compile(neg), neg, [fresh], a);
  const after = run(add, [a, a]);
  for (let i = 0; i < n; i += 997) assert.equal(after[i], Math.fround(-fresh[i] * 2), `element ${i} after the last write`);
  // mirrors stay within their budget however many large arrays pass through
  const big = 1 << 20;
  for (let i = 0; i < 2 + MIRROR_BUDGET / (4 * big); i++) {
    const x = be.upload(data(big, i), F);
    const twice: Kernel = { ...add, shape: [big] };
    be.dispatch(be.compile(twice), twice, [x, x], be.alloc(F, big));
  }
  assert.ok(be.mirroredBytes > 0 && be.mirroredBytes <= MIRROR_BUDGET, `${be.mirroredBytes} bytes of mirrors`);
});
