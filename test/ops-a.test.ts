// Behaviour of the elementwise math, logic, bitwise, activation, any/all/norm, normalization and
// loss operations beyond their values (those are checked against PyTorch in
// reference/ops-a.test.ts): errors for bad input, dtypes, Tensor methods, the normalization
// layers' running statistics (eager, under tg.compile, refused under tg.jit), PReLU's learnable
// slopes, refused options, and the Wasm SIMD forms.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../src/index.js";
import { WasmBackend } from "../src/backend/wasm-backend.js";
import { createWasmKernels } from "../src/backend/wasm/index.js";
import { onBackend } from "./backend-helpers.js";

const { nn } = tg;
const F = nn.functional;
const F64 = { dtype: "float64" } as const;
const I32 = { dtype: "int32" } as const;
const arr = (t: tg.Tensor) => Array.from(t.data(), Number);
function close(actual: ArrayLike<number>, expected: readonly number[], tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])), `[${i}] ${actual[i]} vs ${expected[i]}`);
}

test("rounding: half to even, integers pass through, bool refused", () => {
  const halves = tg.tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]);
  assert.deepEqual(arr(halves.round()), [-2, -2, -0, 0, 2, 2]);
  const i = tg.tensor([3, -4], I32);
  for (const f of [tg.floor, tg.ceil, tg.round, tg.trunc]) assert.equal(f(i), i);
  assert.throws(() => tg.floor(tg.tensor([true])), { name: "DTypeError", message: /^floor: not defined for bool/ });
  assert.throws(() => tg.frac(i), { name: "DTypeError", message: /^frac: not defined for int32/ });
  // zero gradients, as PyTorch
  assert.deepEqual(arr(tg.grad((x: tg.Tensor) => x.floor().add(x.round()).add(x.ceil()).add(x.trunc()).sum())(tg.tensor([0.3, 2.5], F64))), [0, 0]);
});

test("the Wasm SIMD forms (rounding exact; log₂, log₁₀, 2ˣ approximate) agree with the JavaScript forms", async () => {
  const kernels = await createWasmKernels({ threads: 1, parallelThreshold: 0 });
  const wasm = new WasmBackend(kernels, { minGemmWork: 0, minElements: 0 });
  const values = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -0.7, 1e9 + 0.5, 3.49999, -0, Infinity, NaN];
  for (const op of ["floor", "ceil", "round", "trunc"] as const) {
    const want = arr(tg[op](tg.tensor(values)));
    // a fused chain (x·1 then the op) so the SIMD renderer, not a library kernel, runs
    const got = onBackend(wasm, () => arr(tg[op](tg.tensor(values).mul(1))));
    assert.deepEqual(got.map(String), want.map(String), op);
  }
  // log₂, log₁₀ and 2ˣ use vecmath's approximations: a few ulp, non-finite values and 0 exact
  const cases = {
    log2: [0, 1e-30, 0.5, 1, 8, 3, 1e30, Infinity, -1, NaN],
    log10: [0, 1e-30, 0.5, 1, 1000, 7, 1e30, Infinity, -1, NaN],
    exp2: [-200, -149, -126, -1, 0, 0.5, 10, 127, 200, -Infinity, Infinity, NaN],
  } as const;
  for (const [op, xs] of Object.entries(cases) as [keyof typeof cases, readonly number[]][]) {
    const want = arr(tg[op](tg.tensor([...xs])));
    const got = onBackend(wasm, () => arr(tg[op](tg.tensor([...xs]).mul(1))));
    got.forEach((g, i) => {
      const w = want[i];
      if (!Number.isFinite(w) || w === 0) assert.equal(String(g), String(w), `${op}(${xs[i]})`);
      else assert.ok(Math.abs(g - w) <= 1e-5 * Math.abs(w) + 1e-44, `${op}(${xs[i]}): ${g} vs ${w}`);
    });
  }
});

test("integer floorDivide, fmod and remainder stay int32 and follow floor/trunc division", () => {
  const a = tg.tensor([7, -7, 7, -7], I32);
  const b = tg.tensor([2, 2, -2, -2], I32);
  assert.equal(tg.floorDivide(a, b).dtype, "int32");
  assert.deepEqual(arr(tg.floorDivide(a, b)), [3, -4, -4, 3]);
  assert.deepEqual(arr(tg.fmod(a, b)), [1, -1, 1, -1]);
  assert.deepEqual(arr(tg.remainder(a, b)), [1, 1, -1, -1]);
  // a float operand promotes
  assert.equal(tg.remainder(a, 2.5).dtype, "float32");
  // PyTorch's float floor division: 1 // 0.1 is 9, not floor(10.000000000000002)
  assert.deepEqual(arr(tg.floorDivide(tg.tensor([1], F64), 0.1)), [9]);
});

test("bitwise operations: int32 and bool only, with the op and dtype in the error", () => {
  assert.deepEqual(arr(tg.bitwiseAnd(tg.tensor([12], I32), 10)), [8]);
  assert.deepEqual(arr(tg.tensor([12], I32).bitwiseOr(3)), [15]);
  assert.deepEqual(arr(tg.bitwiseNot(tg.tensor([0, -1], I32))), [-1, 0]);
  const t = tg.tensor([true, false]);
  assert.equal(tg.bitwiseXor(t, true).dtype, "bool");
  assert.deepEqual(arr(t.bitwiseNot()), [0, 1]);
  // bool with int32 promotes to int32
  assert.equal(tg.bitwiseAnd(t, tg.tensor([3, 3], I32)).dtype, "int32");
  assert.throws(() => tg.bitwiseAnd(tg.tensor([1.5]), 1), { name: "DTypeError", message: /^bitwiseAnd: defined for integer and bool tensors only, got float32\[1\]/ });
  assert.throws(() => tg.bitwiseOr(tg.tensor([1], I32), 0.5), { name: "DTypeError", message: /^bitwiseOr: .*float32/ });
  assert.throws(() => tg.bitwiseNot(tg.tensor([1], F64)), { name: "DTypeError", message: /^bitwiseNot: .*float64/ });
});

test("logical operations and isnan/isinf/isfinite return bool", () => {
  const x = tg.tensor([0, 1, NaN, Infinity, -Infinity]);
  for (const y of [x.isnan(), x.isinf(), x.isfinite(), x.logicalNot(), x.logicalAnd(1), x.logicalOr(0), x.logicalXor(x)]) assert.equal(y.dtype, "bool");
  assert.deepEqual(arr(x.isnan()), [0, 0, 1, 0, 0]);
  assert.deepEqual(arr(x.isinf()), [0, 0, 0, 1, 1]);
  assert.deepEqual(arr(x.isfinite()), [1, 1, 0, 0, 0]);
  // NaN is true, as in PyTorch
  assert.deepEqual(arr(x.logicalNot()), [1, 0, 0, 0, 0]);
  assert.deepEqual(arr(tg.logicalAnd([1, 0], tg.tensor([[1], [0]]))), [1, 0, 0, 0]);
  assert.throws(() => tg.logicalAnd(x, "yes" as unknown as number), { name: "DTypeError", message: /^logicalAnd: the second operand/ });
});

test("glu, prelu, hardtanh: bad input is refused with the op's name and shapes", () => {
  assert.throws(() => tg.glu(tg.zeros([2, 3])), { name: "ShapeError", message: /^glu: axis -1 of input \[2,3\] has odd size 3/ });
  assert.throws(() => tg.glu(tg.zeros([3, 2]), 0), { name: "ShapeError", message: /odd size 3/ });
  assert.throws(() => tg.glu(tg.zeros([4]), 1), { name: "ArgumentError", message: /^glu/ });
  assert.throws(() => tg.glu(tg.scalar(1)), { name: "ShapeError", message: /^glu: input must have at least one axis/ });
  assert.throws(() => tg.prelu(tg.zeros([2, 3, 4]), tg.zeros([4])), { name: "ShapeError", message: /^prelu: weight \[4\] must hold 1 or 3 values .*\[2,3,4\]/ });
  assert.throws(() => tg.prelu(tg.zeros([5]), tg.zeros([5])), { name: "ShapeError", message: /must hold 1 or 1 values/ });
  assert.throws(() => tg.prelu(tg.zeros([2, 3], I32), tg.zeros([1])), { name: "DTypeError", message: /^prelu/ });
  assert.throws(() => tg.hardtanh(tg.zeros([2]), 1, -1), { name: "ArgumentError", message: /^hardtanh: min 1 is greater than max -1/ });
  assert.throws(() => tg.celu(tg.zeros([2]), 0), { name: "ArgumentError", message: /^celu: alpha must not be 0/ });
  assert.throws(() => new nn.Hardtanh(2, 1), { name: "ArgumentError" });
});

test("activation modules call their functions; integer inputs become float", () => {
  const x = tg.tensor([-4, -1, 0, 0.5, 3, 7], F64);
  const pairs: [tg.nn.Module, (t: tg.Tensor) => tg.Tensor][] = [
    [new nn.ELU(0.5), (t) => tg.elu(t, 0.5)], [new nn.CELU(2), (t) => tg.celu(t, 2)], [new nn.SELU(), tg.selu],
    [new nn.ReLU6(), tg.relu6], [new nn.Hardtanh(-2, 2), (t) => tg.hardtanh(t, -2, 2)], [new nn.Hardsigmoid(), tg.hardsigmoid],
    [new nn.Hardswish(), tg.hardswish], [new nn.Mish(), tg.mish], [new nn.Softsign(), tg.softsign], [new nn.LogSigmoid(), tg.logsigmoid],
    [new nn.GLU(0), (t) => tg.glu(t, 0)],
  ];
  for (const [m, f] of pairs) assert.deepEqual(arr(m.call(x)), arr(f(x)), m.constructor.name);
  assert.equal(tg.elu(tg.tensor([1, -1], I32)).dtype, "float32");
  close(arr(tg.relu6(tg.tensor([-1, 3, 7]))), [0, 3, 6]);
});

test("PReLU: slope 0.25 by default, one per channel with numParameters, learnable", () => {
  const act = new nn.PReLU();
  assert.equal(act.numParameters(), 1);
  close(arr(act.weight), [0.25]);
  const per = new nn.PReLU({ numParameters: 3, init: 0.1, dtype: "float64" });
  assert.equal(per.numParameters(), 3);
  const x = tg.tensor([[[-1, 2], [-2, -3], [4, -5]]], F64); // [1, 3, 2]
  close(arr(per.call(x)), [-0.1, 2, -0.2, -0.3, 4, -0.5]);
  per.call(x).sum().backward();
  // ∂/∂w_c = Σ of the negative entries of channel c
  close(arr(per.weight.grad!), [-1, -5, -5]);
  assert.throws(() => new nn.PReLU({ numParameters: 0 }), { name: "ArgumentError" });
  assert.throws(() => per.call(tg.zeros([2, 4], "float64")), { name: "ShapeError", message: /^prelu/ });
  assert.match(per.toString(), /numParameters=3/);
});

test("any and all: bool results, axis and keepdims, empty axes", () => {
  const x = tg.tensor([[0, 1, 0], [0, 0, 0]]);
  assert.equal(tg.any(x).dtype, "bool");
  assert.deepEqual(arr(x.any(1)), [1, 0]);
  assert.deepEqual([...x.all(-1, { keepdims: true }).shape], [2, 1]);
  assert.deepEqual(arr(tg.all(tg.zeros([2, 0]), 1)), [1, 1]);
  assert.deepEqual(arr(tg.any(tg.zeros([0]))), [0]);
  assert.throws(() => tg.any(x, 2), { name: "ArgumentError" });
});

test("norm: ord and dtype checks", () => {
  assert.equal(tg.norm(tg.tensor([3, 4])).item(), 5);
  assert.equal(tg.tensor([[3, 4]]).norm(1, -1).item(), 7);
  assert.throws(() => tg.norm(tg.tensor([1, 2], I32)), { name: "DTypeError", message: /^norm: input must be float32 or float64, got int32\[2\]/ });
  assert.throws(() => tg.norm(tg.tensor([1]), NaN), { name: "ArgumentError", message: /^norm: ord/ });
  assert.throws(() => tg.norm(tg.zeros([0]), Infinity), { name: "ArgumentError", message: /empty/ });
});

test("BatchNorm1d: batch statistics and running averages in training, running statistics in eval", () => {
  const bn = new nn.BatchNorm1d(2, { dtype: "float64" });
  const x = tg.tensor([[1, 10], [3, 20], [5, 60]], F64);
  const y = bn.call(x);
  // column 0: mean 3, biased variance 8/3
  close(arr(y).filter((_, i) => i % 2 === 0), [-2, 0, 2].map((d) => d / Math.sqrt(8 / 3 + 1e-5)));
  // running mean 0.9·0 + 0.1·μ, running var 0.9·1 + 0.1·(unbiased variance)
  close(arr(bn.runningMean!), [0.3, 3]);
  close(arr(bn.runningVar!), [0.9 + 0.1 * 4, 0.9 + 0.1 * 700]);
  assert.equal(bn.numBatchesTracked!.item(), 1);
  bn.eval();
  const z = bn.call(x);
  close(arr(z).slice(0, 2), [(1 - 0.3) / Math.sqrt(1.3 + 1e-5), (10 - 3) / Math.sqrt(70.9 + 1e-5)]);
  // evaluation changes nothing
  close(arr(bn.runningMean!), [0.3, 3]);
  assert.equal(bn.numBatchesTracked!.item(), 1);
  // buffers are in the state dict, and load back
  const sd = bn.stateDict();
  assert.deepEqual(Object.keys(sd).sort(), ["bias", "numBatchesTracked", "runningMean", "runningVar", "weight"]);
  const other = new nn.BatchNorm1d(2, { dtype: "float64" });
  other.loadStateDict(sd);
  other.eval();
  assert.deepEqual(arr(other.call(x)), arr(z));
  // a parameter gradient in training
  bn.train();
  bn.call(x).mul(tg.tensor([[1, 2]], F64)).sum().backward();
  close(arr(bn.bias!.grad!), [3, 6]);
});

test("BatchNorm: momentum null is the cumulative average; no tracking; no affine; 3-D and 2-d inputs", () => {
  const bn = new nn.BatchNorm1d(1, { momentum: null, dtype: "float64" });
  bn.call(tg.tensor([[1], [3]], F64));
  bn.call(tg.tensor([[5], [7]], F64));
  close(arr(bn.runningMean!), [4]);
  const free = new nn.BatchNorm1d(3, { trackRunningStats: false, affine: false });
  assert.equal(free.numParameters(), 0);
  assert.equal(free.runningMean, null);
  free.eval();
  // without running statistics evaluation uses the batch's
  const x = tg.randn([4, 3, 5], { generator: tg.random.generator(1) });
  close(arr(free.call(x)), arr(F.batchNorm(x, null, null, { training: true })), 1e-5);
  const bn2 = new nn.BatchNorm2d(3);
  assert.deepEqual([...bn2.call(tg.randn([2, 3, 4, 4], { generator: tg.random.generator(2) })).shape], [2, 3, 4, 4]);
  assert.throws(() => bn2.call(tg.zeros([2, 3])), { name: "ShapeError", message: /^BatchNorm2d: input must have 4 axes/ });
  assert.throws(() => new nn.BatchNorm1d(4).call(tg.zeros([2, 3])), { name: "ShapeError", message: /^BatchNorm1d: input \[2,3\] has 3 channels \(axis 1\), expected 4/ });
  assert.throws(() => new nn.BatchNorm1d(3).call(tg.zeros([1, 3])), { name: "ArgumentError", message: /expected more than 1 value per channel when training/ });
  assert.throws(() => new nn.BatchNorm1d(3, { momentum: 2 }), { name: "ArgumentError" });
});

test("functional batchNorm updates the running tensors it is given, in place", () => {
  const rm = tg.zeros([2], "float64");
  const rv = tg.ones([2], "float64");
  const x = tg.tensor([[1, 2], [3, 6]], F64);
  F.batchNorm(x, rm, rv, { training: true, momentum: 0.5 });
  close(arr(rm), [1, 2]);
  close(arr(rv), [0.5 + 0.5 * 2, 0.5 + 0.5 * 8]);
  // evaluation (the default) reads them and leaves them alone
  F.batchNorm(x, rm, rv);
  close(arr(rm), [1, 2]);
  assert.throws(() => F.batchNorm(x, null, null), { name: "ArgumentError", message: /running statistics are needed/ });
  assert.throws(() => F.batchNorm(x, rm, null, { training: true }), { name: "ArgumentError", message: /both running statistics or neither/ });
  assert.throws(() => F.batchNorm(x, tg.zeros([3]), tg.ones([3])), { name: "ShapeError", message: /^batchNorm: runningMean \[3\] must have shape \[2\]/ });
  assert.throws(() => F.batchNorm(x, rm, rv, { weight: tg.ones([5], "float64") }), { name: "ShapeError", message: /^batchNorm: weight \[5\]/ });
  assert.throws(() => F.batchNorm(tg.zeros([3]), null, null, { training: true }), { name: "ShapeError", message: /at least 2 axes/ });
  // inside tg.grad the update uses the values and the gradient still flows to x
  const rm2 = tg.zeros([2], "float64");
  const g = tg.grad((z: tg.Tensor) => F.batchNorm(z, rm2, tg.ones([2], "float64"), { training: true }).mul(tg.tensor([[1, 2], [3, 4]], F64)).sum())(x);
  assert.equal(g.shape.length, 2);
  close(arr(rm2), [0.2, 0.4]);
});

test("BatchNorm under tg.compile updates the running statistics on every call; tg.jit refuses", () => {
  const x = tg.tensor([[1, 10], [3, 20], [5, 60]]);
  const eager = new nn.BatchNorm1d(2);
  const compiled = new nn.BatchNorm1d(2);
  const step = tg.compile((a: tg.Tensor) => compiled.call(a).square().sum());
  for (let k = 0; k < 3; k++) {
    const e = eager.call(x).square().sum().item();
    close([step(x).item()], [e], 1e-5);
  }
  close(arr(compiled.runningMean!), arr(eager.runningMean!));
  close(arr(compiled.runningVar!), arr(eager.runningVar!));
  assert.equal(compiled.numBatchesTracked!.item(), 3);
  // evaluation mode compiles as a pure function of the running statistics
  compiled.eval();
  const pure = tg.jit((a: tg.Tensor) => compiled.call(a));
  eager.eval();
  close(arr(pure(x)), arr(eager.call(x)), 1e-5);
  compiled.train();
  const bad = tg.jit((a: tg.Tensor) => compiled.call(a));
  assert.throws(() => bad(x), { name: "TraceError", message: /^BatchNorm1d: updates its running statistics in place/ });
});

test("GroupNorm, InstanceNorm2d and RMSNorm layers", () => {
  const gen = tg.random.generator(3);
  const x = tg.randn([2, 4, 3, 3], { generator: gen });
  const gn = new nn.GroupNorm(2, 4);
  assert.equal(gn.numParameters(), 8);
  close(arr(gn.call(x)), arr(F.groupNorm(x, 2)), 1e-6);
  assert.throws(() => new nn.GroupNorm(3, 4), { name: "ArgumentError", message: /^GroupNorm: numGroups 3 must be a positive integer dividing numChannels 4/ });
  assert.throws(() => F.groupNorm(x, 3), { name: "ArgumentError", message: /^groupNorm: numGroups 3/ });
  const inorm = new nn.InstanceNorm2d(4);
  assert.equal(inorm.numParameters(), 0);
  // unbatched [C, H, W] is the batch of one
  close(arr(inorm.call(x.slice(0))), arr(inorm.call(x.slice([0, 1]))), 1e-6);
  assert.throws(() => new nn.InstanceNorm2d(4, { trackRunningStats: true }), { name: "ArgumentError", message: /not supported/ });
  assert.throws(() => inorm.call(tg.zeros([2, 3, 4, 4])), { name: "ShapeError", message: /3 channels, expected 4/ });
  const rms = new nn.RMSNorm([3, 3]);
  assert.equal(rms.numParameters(), 9);
  close(arr(rms.call(tg.full([1, 3, 3], 2))), new Array(9).fill(1), 1e-5);
  assert.throws(() => F.rmsNorm(x, 4), { name: "ShapeError", message: /^rmsNorm: input \[2,4,3,3\] does not end with the normalized shape \[4\]/ });
  assert.throws(() => F.instanceNorm(tg.zeros([2, 3])), { name: "ShapeError", message: /^instanceNorm/ });
  close(arr(F.normalize(tg.tensor([[3, 4], [0, 0]]))), [0.6, 0.8, 0, 0]);
});

test("losses: unknown and unsupported options are refused, not ignored", () => {
  const logits = tg.tensor([[2, 0, -1], [0, 1, 0]]);
  const y = tg.tensor([0, 1], I32);
  assert.throws(() => F.crossEntropy(logits, y, { wieght: tg.ones([3]) } as never), { name: "ArgumentError", message: /^crossEntropy: unknown option 'wieght'/ });
  assert.throws(() => F.nllLoss(logits, y, { labelSmoothing: 0.1 } as never), { name: "ArgumentError", message: /^nllLoss: unknown option 'labelSmoothing'/ });
  assert.throws(() => F.huberLoss(logits, logits, { beta: 1 } as never), { name: "ArgumentError", message: /^huberLoss: unknown option 'beta'/ });
  assert.throws(() => F.mseLoss(logits, logits, { weight: logits } as never), { name: "ArgumentError", message: /^mseLoss: unknown option 'weight' \(supported: reduction\)/ });
  assert.throws(() => F.binaryCrossEntropyWithLogits(logits, logits, { weight: logits } as never), { name: "ArgumentError", message: /^binaryCrossEntropyWithLogits: unknown option 'weight'/ });
  assert.throws(() => F.crossEntropy(logits, logits.softmax(1), { ignoreIndex: 0 }), { name: "ArgumentError", message: /ignoreIndex applies to class-index targets only/ });
  assert.throws(() => F.crossEntropy(logits, y, { weight: tg.ones([2]) }), { name: "ShapeError", message: /^crossEntropy: weight \[2\] must have shape \[3\]/ });
  assert.throws(() => F.crossEntropy(logits, y, { weight: tg.ones([3], "int32") }), { name: "DTypeError", message: /^crossEntropy: weight/ });
  assert.throws(() => F.huberLoss(logits, logits, { delta: 0 }), { name: "ArgumentError", message: /delta must be positive/ });
  assert.throws(() => F.smoothL1Loss(logits, logits, { beta: -1 }), { name: "ArgumentError", message: /beta must be non-negative/ });
  assert.throws(() => F.klDiv(logits, logits, { reduction: "avg" as never }), { name: "ArgumentError", message: /^klDiv: reduction/ });
  assert.throws(() => F.binaryCrossEntropy(logits, tg.zeros([3])), { name: "ShapeError", message: /^binaryCrossEntropy/ });
  assert.throws(() => F.cosineSimilarity(tg.scalar(1), tg.scalar(2)), { name: "ShapeError", message: /^cosineSimilarity/ });
  assert.throws(() => F.cosineSimilarity(tg.zeros([2, 3]), tg.zeros([4, 3])), { name: "ShapeError" });
});

test("crossEntropy class weights: the weighted mean divides by the picked weights", () => {
  const logits = tg.tensor([[2, 0, -1], [0, 1, 0], [1, 1, 1]], F64);
  const y = tg.tensor([0, 1, 2], I32);
  const w = tg.tensor([1, 3, 0.5], F64);
  const each = arr(F.crossEntropy(logits, y, { reduction: "none" }));
  const weighted = F.crossEntropy(logits, y, { weight: w }).item();
  close([weighted], [(each[0] * 1 + each[1] * 3 + each[2] * 0.5) / 4.5], 1e-12);
  // ignored entries drop out of both sums
  const ignored = F.crossEntropy(logits, tg.tensor([0, -100, 2], I32), { weight: w }).item();
  close([ignored], [(each[0] + each[2] * 0.5) / 1.5], 1e-12);
  close([F.nllLoss(logits.logSoftmax(1), y, { weight: w }).item()], [weighted], 1e-12);
});

test("new operations are Tensor methods too", () => {
  const x = tg.tensor([0.5, -0.25]);
  for (const name of ["tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "atanh", "log2", "log10", "exp2", "floor", "ceil", "round", "trunc", "frac", "elu", "selu", "relu6", "hardsigmoid", "hardswish", "mish", "softsign", "logsigmoid"] as const)
    assert.deepEqual(arr(x[name]()), arr((tg as unknown as Record<string, (t: tg.Tensor) => tg.Tensor>)[name](x)), name);
  assert.deepEqual(arr(x.atan2(1)), arr(tg.atan2(x, 1)));
  assert.deepEqual(arr(x.hypot(1)), arr(tg.hypot(x, 1)));
  assert.deepEqual(arr(x.fmod(0.3)), arr(tg.fmod(x, 0.3)));
  assert.deepEqual(arr(x.floorDivide(0.3)), arr(tg.floorDivide(x, 0.3)));
  assert.deepEqual(arr(x.norm()), arr(tg.norm(x)));
  assert.deepEqual(arr(x.prelu(tg.tensor([0.1]))), arr(tg.prelu(x, tg.tensor([0.1]))));
});

test("binaryCrossEntropy at p = 0 and 1: finite losses (log bounded at −100) and finite gradients", () => {
  const p = tg.tensor([0, 0, 1, 1, 0.5], F64);
  const y = tg.tensor([0, 1, 0, 1, 1], F64);
  close(arr(F.binaryCrossEntropy(p, y, { reduction: "none" })), [0, 100, 100, 0, Math.LN2], 1e-12);
  // the derivative of the bounded loss: 0 where the bound holds, 1/(1 − p) or −1/p elsewhere
  // (torch's backward gives (p − y)/max(p(1 − p), 1e-12) instead: 0, −1e12, 1e12, 0 here)
  const g = tg.grad((q: tg.Tensor) => F.binaryCrossEntropy(q, y, { reduction: "sum" }))(p);
  close(arr(g), [1, 0, 0, -1, -2], 1e-12);
});

test("the new activations can be named by string (nn.activation, MLP)", () => {
  for (const name of ["elu", "celu", "selu", "relu6", "hardtanh", "hardsigmoid", "hardswish", "mish", "softsign", "logsigmoid"] as const)
    assert.ok(nn.activation(name) instanceof nn.Module, name);
  assert.ok(nn.activation("mish") instanceof nn.Mish);
  const mlp = new nn.MLP([2, 3, 1], { activation: "selu", generator: tg.random.generator(0) });
  assert.deepEqual([...mlp.call(tg.zeros([4, 2])).shape], [4, 1]);
});

test("a chain of the new elementwise primitives fuses into one kernel", async () => {
  const { scheduleStats } = await import("../src/backend/schedule.js");
  const x = tg.tensor([0.1, 0.7, -0.3, 1.2]);
  x.data();
  const before = scheduleStats.kernels;
  const y = x.atan().sinh().exp2().floor().add(x.atan2(2)).fmod(0.75).log10();
  y.data();
  assert.equal(scheduleStats.kernels - before, 1);
});

test("a compiled training step through BatchNorm1d matches the eager one (parameters, gradients, running statistics)", () => {
  const make = () => {
    const model = new nn.Sequential(new nn.Linear(3, 4, { generator: tg.random.generator(5) }), new nn.BatchNorm1d(4), new nn.PReLU());
    const opt = new tg.optim.Adam(model.parameters(), { lr: 0.05 });
    const fn = (x: tg.Tensor, y: tg.Tensor) => {
      opt.zeroGrad();
      const loss = F.mseLoss(model.call(x).sum(1), y);
      loss.backward();
      opt.step();
      return loss;
    };
    return { model, fn };
  };
  const e = make();
  const c = make();
  const step = tg.compile(c.fn);
  const gen = tg.random.generator(9);
  for (let i = 0; i < 4; i++) {
    const x = tg.randn([6, 3], { generator: gen });
    const y = tg.randn([6], { generator: gen });
    close([step(x, y).item()], [e.fn(x, y).item()], 1e-5);
  }
  const se = e.model.stateDict();
  for (const [k, v] of Object.entries(c.model.stateDict())) close(arr(v), arr(se[k]), 1e-5);
  assert.equal(step.traceCount, 1);
});
