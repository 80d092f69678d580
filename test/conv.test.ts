// Convolution and pooling beyond the PyTorch reference (test/reference/conv.test.ts): gradients
// and second derivatives against finite differences, errors that name the operation, shapes and
// dtypes, the modules and their initialisation, and compiled training steps.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../src/index.js";

const F = tg.nn.functional;
const f64 = (shape: number[], seed: number) => tg.randn(shape, { dtype: "float64", generator: tg.random.generator(seed) });

test("conv2d, convTranspose2d and the pools: first and second derivatives against finite differences", () => {
  const x = f64([2, 4, 5, 6], 1);
  const w = f64([6, 2, 3, 2], 2);
  const b = f64([6], 3);
  const conv = (x: tg.Tensor, w: tg.Tensor, b: tg.Tensor) => F.conv2d(x, w, { bias: b, stride: [2, 1], padding: [1, 0], dilation: [1, 2], groups: 2 });
  assert.ok(tg.gradcheck(conv, [x, w, b]).passed);
  // second order: the derivative of the input gradient of Σ conv², through col2im, im2col and the GEMMs
  const inputGrad = (x: tg.Tensor, w: tg.Tensor) => tg.grad((x: tg.Tensor) => conv(x, w, b).square().sum())(x);
  assert.ok(tg.gradcheck(inputGrad, [x, w]).passed);
  const weightGrad = (x: tg.Tensor, w: tg.Tensor) => tg.grad((w: tg.Tensor) => conv(x, w, b).square().sum())(w);
  assert.ok(tg.gradcheck(weightGrad, [x, w]).passed);
  const wt = f64([4, 3, 3, 3], 4);
  const convT = (x: tg.Tensor, w: tg.Tensor) => F.convTranspose2d(x, w, { stride: 2, padding: 1, outputPadding: 1, groups: 2 });
  assert.ok(tg.gradcheck(convT, [x, wt]).passed);
  assert.ok(tg.gradcheck((x: tg.Tensor) => tg.grad((x: tg.Tensor) => convT(x, wt).square().sum())(x), [x]).passed);
  assert.ok(tg.gradcheck((x: tg.Tensor) => F.maxPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true }), [x]).passed);
  assert.ok(tg.gradcheck((x: tg.Tensor) => F.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false }), [x]).passed);
  assert.ok(tg.gradcheck((x: tg.Tensor) => F.interpolate(x, { size: [7, 4], mode: "bilinear" }), [x]).passed);
  assert.ok(tg.gradcheck((x: tg.Tensor) => F.adaptiveAvgPool2d(x, [2, 4]), [x]).passed);
});

test("forward mode through a convolution equals reverse mode (⟨u, J v⟩ = ⟨Jᵀ u, v⟩)", () => {
  const x = f64([1, 2, 6, 6], 5);
  const w = f64([3, 2, 3, 3], 6);
  const f = (x: tg.Tensor) => F.maxPool2d(F.conv2d(x, w, { padding: "same" }).relu(), 2);
  const v = f64([1, 2, 6, 6], 7);
  const [y, jv] = tg.jvp(f, [x], [v]);
  const u = f64([...y.shape], 8);
  const [, pullback] = tg.vjp(f, x);
  const [jtu] = pullback(u);
  const lhs = u.mul(jv).sum().item();
  const rhs = jtu.mul(v).sum().item();
  assert.ok(Math.abs(lhs - rhs) < 1e-9 * (1 + Math.abs(lhs)), `${lhs} vs ${rhs}`);
});

test("max pooling sends each window's gradient to its maximum", () => {
  const x = tg.tensor([[[[1, 5, 2, 0], [3, 4, 8, 1], [0, 0, 1, 1], [9, 2, 1, 7]]]]).setRequiresGrad();
  const y = F.maxPool2d(x, 2);
  assert.deepEqual(y.toArray(), [[[[5, 8], [9, 7]]]]);
  y.mul(tg.tensor([[[[1, 2], [3, 4]]]])).sum().backward();
  assert.deepEqual(x.grad!.toArray(), [[[[0, 1, 0, 0], [0, 0, 2, 0], [0, 0, 0, 0], [3, 0, 0, 4]]]]);
});

/** Asserts that `fn` throws `type` with a message starting with `op` and containing every fragment. */
function refuses(fn: () => unknown, type: new (...a: never[]) => Error, op: string, ...fragments: string[]): void {
  assert.throws(fn, (e: Error) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${e.constructor.name}: ${e.message}`);
    assert.ok(e.message.startsWith(`${op}:`), `message should start with "${op}:": ${e.message}`);
    for (const f of fragments) assert.ok(e.message.includes(f), `message should mention "${f}": ${e.message}`);
    return true;
  });
}

test("bad inputs are refused with the operation, the shapes and the dtypes", () => {
  const x = tg.zeros([2, 4, 5, 5]);
  const w = tg.zeros([6, 4, 3, 3]);
  // a kernel larger than the padded input
  refuses(() => F.conv2d(tg.zeros([1, 1, 3, 3]), tg.zeros([1, 1, 5, 5])), tg.ShapeError, "conv2d", "[5,5]", "larger than the padded input", "[1,1,3,3]");
  refuses(() => F.conv1d(tg.zeros([1, 1, 3]), tg.zeros([1, 1, 2]), { dilation: 3 }), tg.ShapeError, "conv1d", "larger than the padded input");
  refuses(() => F.maxPool2d(tg.zeros([1, 1, 2, 2]), 3, { padding: 0 }), tg.ShapeError, "maxPool2d", "larger than the padded input", "[1,1,2,2]");
  refuses(() => F.avgPool2d(tg.zeros([1, 1, 2, 5]), 3), tg.ShapeError, "avgPool2d", "larger than the padded input");
  // channels not divisible by groups
  refuses(() => F.conv2d(x, tg.zeros([6, 4, 3, 3]), { groups: 3 }), tg.ShapeError, "conv2d", "input channels 4", "groups 3");
  refuses(() => F.conv2d(x, tg.zeros([5, 2, 3, 3]), { groups: 2 }), tg.ShapeError, "conv2d", "output channels 5", "[5,2,3,3]", "groups 2");
  refuses(() => F.convTranspose2d(tg.zeros([1, 3, 4, 4]), tg.zeros([3, 2, 3, 3]), { groups: 2 }), tg.ShapeError, "convTranspose2d", "input channels 3", "groups 2");
  refuses(() => F.conv2d(x, w, { groups: 0 }), tg.ArgumentError, "conv2d", "groups");
  refuses(() => new tg.nn.Conv2d(4, 6, 3, { groups: 4 }), tg.ArgumentError, "Conv2d", "divisible by groups 4");
  // wrong rank
  refuses(() => F.conv2d(tg.zeros([4, 5]), w), tg.ShapeError, "conv2d", "[4,5]", "4-D");
  refuses(() => F.conv2d(x, tg.zeros([6, 4, 3])), tg.ShapeError, "conv2d", "weight", "[6,4,3]");
  refuses(() => F.conv1d(x, tg.zeros([6, 4, 3])), tg.ShapeError, "conv1d", "[2,4,5,5]");
  refuses(() => F.maxPool2d(tg.zeros([5, 5]), 2), tg.ShapeError, "maxPool2d", "[5,5]");
  refuses(() => F.interpolate(tg.zeros([1, 2, 3]), { size: 4, mode: "bilinear" }), tg.ShapeError, "interpolate", "4-D", "[1,2,3]");
  // weight/input channel mismatch
  refuses(() => F.conv2d(x, tg.zeros([6, 3, 3, 3])), tg.ShapeError, "conv2d", "[2,4,5,5]", "4 channels", "[6,3,3,3]");
  refuses(() => F.convTranspose2d(x, tg.zeros([3, 2, 3, 3])), tg.ShapeError, "convTranspose2d", "4 channels", "[3,2,3,3]");
  refuses(() => F.conv2d(x, w, { bias: tg.zeros([5]) }), tg.ShapeError, "conv2d", "bias [5]", "[6]");
  // dtypes
  refuses(() => F.conv2d(x.cast("int32"), w), tg.DTypeError, "conv2d", "int32", "[2,4,5,5]");
  refuses(() => F.conv2d(x, w.cast("float64")), tg.DTypeError, "conv2d", "float64", "float32");
  refuses(() => F.avgPool2d(x.cast("int32"), 2), tg.DTypeError, "avgPool2d", "int32");
  refuses(() => F.maxPool2d(x.cast("bool"), 2), tg.DTypeError, "maxPool2d", "bool");
  // options
  refuses(() => F.conv2d(x, w, { padding: "same", stride: 2 }), tg.ArgumentError, "conv2d", "same", "stride 1");
  refuses(() => F.conv2d(x, w, { stride: 0 }), tg.ArgumentError, "conv2d", "stride");
  refuses(() => F.conv2d(x, w, { padding: [1, 2, 3] }), tg.ArgumentError, "conv2d", "padding");
  refuses(() => F.convTranspose2d(tg.zeros([1, 6, 4, 4]), w, { stride: 2, outputPadding: 2 }), tg.ArgumentError, "convTranspose2d", "outputPadding");
  refuses(() => F.maxPool2d(x, 2, { padding: 2 }), tg.ArgumentError, "maxPool2d", "half the kernel");
  refuses(() => F.interpolate(x, { size: 3, scaleFactor: 2 }), tg.ArgumentError, "interpolate", "exactly one");
  refuses(() => F.interpolate(x, { size: 3, alignCorners: true }), tg.ArgumentError, "interpolate", "bilinear");
  refuses(() => F.adaptiveAvgPool2d(x, [0, 2]), tg.ArgumentError, "adaptiveAvgPool2d", "positive");
  // PyTorch's positional form and unknown option names would otherwise be ignored: JavaScript drops
  // extra arguments, and the convolution would run unpadded, unstrided
  type Loose = (...args: unknown[]) => tg.Tensor;
  refuses(() => (F.conv2d as Loose)(x, w, undefined, { padding: 1 }), tg.ArgumentError, "conv2d", "4 arguments", "options object");
  refuses(() => (F.conv2d as Loose)(x, w, tg.zeros([6])), tg.ArgumentError, "conv2d", "a tensor [6]", "{ bias }");
  refuses(() => (F.conv1d as Loose)(tg.zeros([1, 4, 5]), tg.zeros([6, 4, 3]), null), tg.ArgumentError, "conv1d", "options object");
  refuses(() => (F.conv2d as Loose)(x, w, { pad: 1 }), tg.ArgumentError, "conv2d", "unknown option 'pad'", "padding");
  refuses(() => (F.convTranspose2d as Loose)(x, tg.zeros([4, 2, 3, 3]), { outputpadding: 1 }), tg.ArgumentError, "convTranspose2d", "unknown option 'outputpadding'", "outputPadding");
  assert.deepEqual(F.conv2d(x, w, undefined).shape, [2, 6, 3, 3]);
});

test("modules: shapes, PyTorch's default initialisation, parameters", () => {
  const gen = tg.random.generator(0);
  const conv = new tg.nn.Conv2d(3, 8, [3, 5], { padding: 1, generator: gen });
  assert.deepEqual([...conv.weight.shape], [8, 3, 3, 5]);
  assert.deepEqual([...conv.bias!.shape], [8]);
  const bound = 1 / Math.sqrt(3 * 3 * 5);
  const wv = Array.from(conv.weight.data());
  assert.ok(wv.every((v) => Math.abs(v) <= bound) && Math.max(...wv.map(Math.abs)) > 0.9 * bound, "weights fill U(−1/√fanIn, 1/√fanIn)");
  assert.ok(Array.from(conv.bias!.data()).every((v) => Math.abs(v) <= bound));
  assert.equal(conv.numParameters(), 8 * 3 * 15 + 8);
  assert.deepEqual(Object.keys(conv.stateDict()).sort(), ["bias", "weight"]);
  const convT = new tg.nn.ConvTranspose2d(8, 4, 2, { stride: 2, groups: 2, generator: gen });
  assert.deepEqual([...convT.weight.shape], [8, 2, 2, 2]);
  const tBound = 1 / Math.sqrt(2 * 2 * 2);
  assert.ok(Array.from(convT.weight.data()).every((v) => Math.abs(v) <= tBound));
  const net = new tg.nn.Sequential(
    conv, new tg.nn.ReLU(), new tg.nn.MaxPool2d(2), new tg.nn.AvgPool2d(1),
    new tg.nn.AdaptiveAvgPool2d([3, 3]), convT, new tg.nn.Upsample({ scaleFactor: 2, mode: "bilinear" }), new tg.nn.Flatten(),
  );
  const y = net.call(tg.randn([2, 3, 10, 12], { generator: gen }));
  assert.deepEqual([...y.shape], [2, 4 * 12 * 12]);
  const c1 = new tg.nn.Conv1d(4, 6, 3, { padding: "same", groups: 2, bias: false, generator: gen });
  assert.equal(c1.bias, null);
  assert.deepEqual([...c1.call(tg.zeros([2, 4, 9])).shape], [2, 6, 9]);
  assert.match(String(net), /Conv2d\(3, 8, kernel=\[3,5\]/);
});

test("a compiled CNN training step gives the eager step's losses", () => {
  const make = () => {
    const gen = tg.random.generator(3);
    const model = new tg.nn.Sequential(
      new tg.nn.Conv2d(1, 4, 3, { padding: 1, generator: gen }), new tg.nn.ReLU(), new tg.nn.MaxPool2d(2),
      new tg.nn.Conv2d(4, 4, 3, { padding: 1, generator: gen }), new tg.nn.ReLU(), new tg.nn.AvgPool2d(2),
      new tg.nn.Flatten(), new tg.nn.Linear(4 * 2 * 2, 3, { generator: gen }),
    );
    const opt = new tg.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    const step = (x: tg.Tensor, y: tg.Tensor) => {
      opt.zeroGrad();
      const loss = F.crossEntropy(model.call(x), y);
      loss.backward();
      opt.step();
      return loss;
    };
    return step;
  };
  const x = tg.randn([6, 1, 8, 8], { generator: tg.random.generator(4) });
  const y = tg.tensor([0, 1, 2, 0, 1, 2], { dtype: "int32" });
  const eager = make();
  const compiled = tg.compile(make());
  const a = Array.from({ length: 5 }, () => eager(x, y).item());
  const b = Array.from({ length: 5 }, () => compiled(x, y).item());
  assert.ok(a[4] < a[0], `loss falls: ${a}`);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 1e-5 * (1 + Math.abs(v)), `step ${i}: eager ${v}, compiled ${b[i]}`));
});

test("the Wasm backend's convolution kernels agree with the reference: groups, strides, dilation, 1×1 windows, batches built in chunks", async () => {
  const { WasmBackend } = await import("../src/backend/wasm-backend.js");
  const { createWasmKernels } = await import("../src/backend/wasm/index.js");
  const { cpu } = await import("../src/backend/runtime.js");
  const { onBackend } = await import("./backend-helpers.js");
  const wasm = new WasmBackend(await createWasmKernels({ threads: 2, parallelThreshold: 0 }));
  const cases: [number[], number[], Parameters<typeof F.conv2d>[2]][] = [
    [[2, 4, 9, 7], [6, 2, 3, 2], { stride: [2, 1], padding: [1, 0], dilation: [1, 2], groups: 2 }],
    [[3, 5, 6, 6], [4, 5, 1, 1], {}],
    [[2, 6, 5, 5], [6, 2, 1, 1], { groups: 3 }],
    [[2, 3, 10, 11], [4, 3, 3, 3], { stride: 3, padding: 2 }],
    // one image's im2col matrix (32·9 × 48·48 floats) is past the chunk the kernels build at once
    [[3, 32, 48, 48], [4, 32, 3, 3], { padding: 1 }],
  ];
  for (const [xs, ws, opts] of cases) {
    const gen = tg.random.generator(xs[1]);
    const x = tg.randn(xs, { generator: gen });
    const w = tg.randn(ws, { generator: gen });
    const wt = tg.randn([xs[1], 2, 3, 3], { generator: gen });
    const run = () => {
      const [y, pullback] = tg.vjp((x: tg.Tensor, w: tg.Tensor) => F.conv2d(x, w, opts), x, w);
      const [gx, gw] = pullback(tg.randn(y.shape, { generator: tg.random.generator(7) }));
      const t = F.convTranspose2d(x, wt, { stride: 2, padding: 1, outputPadding: 1 });
      return [y, gx, gw, t].map((r) => Array.from(r.data() as Float32Array));
    };
    const got = onBackend(wasm, run);
    const want = onBackend(cpu, run);
    got.forEach((g, i) => {
      let scale = 0;
      let err = 0;
      g.forEach((v, j) => {
        scale = Math.max(scale, Math.abs(want[i][j]));
        err = Math.max(err, Math.abs(v - want[i][j]));
      });
      assert.ok(err <= 1e-5 * scale, `${JSON.stringify(xs)} ${JSON.stringify(opts)} result ${i}: error ${err} (scale ${scale})`);
    });
  }
  assert.ok(wasm.copies.inBytes > 0, "the convolutions ran on the Wasm kernels");
});
