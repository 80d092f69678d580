// Convolution workloads: one conv2d forward pass, one forward and backward pass (GFLOP/s of its three GEMM-shaped
// products: y = W·cols, W̄ = ḡ·colsᵀ, c̄ols = Wᵀ·ḡ) and a training step of the cnn experiment's
// network (steps/s). The bare-kernel row runs only the conv's three GEMMs at their shapes: the
// ceiling the tensorgrad rows are read against (targets.ts).

import * as tg from "../../dist/index.js";
import { mulberry32, uniform } from "../data.js";
import { kernelArray } from "../peers/kernel.js";
import type { SgemmParams } from "../../dist/backend/wasm/index.js";
import type { Impl, KernelCtx, TensorgradCtx, TfjsCtx, Workload } from "../types.js";

/** The convolution measured: input [n, c, h, w], f filters k×k, zero padding `pad`, stride 1. */
export interface ConvSpec {
  n: number;
  c: number;
  h: number;
  w: number;
  f: number;
  k: number;
  pad: number;
  seed: number;
}

export const CONV_SPEC: ConvSpec = { n: 32, c: 16, h: 28, w: 28, f: 32, k: 3, pad: 1, seed: 2001 };

/** Output size, GEMM sizes and the flops of forward + both cotangents. */
export function convDims(s: ConvSpec) {
  const oh = s.h + 2 * s.pad - s.k + 1;
  const ow = s.w + 2 * s.pad - s.k + 1;
  const K = s.c * s.k * s.k;
  const L = oh * ow;
  return { oh, ow, K, L, flops: 3 * 2 * s.n * s.f * K * L };
}

/** x in [-1, 1), the weights in PyTorch's default range, the cotangent of the output in [-1, 1). */
export function convInputs(s: ConvSpec) {
  const rng = mulberry32(s.seed);
  const { oh, ow } = convDims(s);
  const bound = 1 / Math.sqrt(s.c * s.k * s.k);
  return {
    x: uniform(rng, s.n * s.c * s.h * s.w, -1, 1),
    weight: uniform(rng, s.f * s.c * s.k * s.k, -bound, bound),
    bias: uniform(rng, s.f, -bound, bound),
    cotangent: uniform(rng, s.n * s.f * oh * ow, -1, 1),
  };
}

const tensorgradConv = (s: ConvSpec): Impl<TensorgradCtx> => (ctx) => {
  const p = convInputs(s);
  const { oh, ow } = convDims(s);
  const x = tg.tensor(p.x, { shape: [s.n, s.c, s.h, s.w] });
  const w = tg.tensor(p.weight, { shape: [s.f, s.c, s.k, s.k] });
  const b = tg.tensor(p.bias);
  const g = tg.tensor(p.cotangent, { shape: [s.n, s.f, oh, ow] });
  const conv = (x: tg.Tensor, w: tg.Tensor, b: tg.Tensor) => tg.nn.functional.conv2d(x, w, { bias: b, padding: s.pad });
  const grads = (x: tg.Tensor, w: tg.Tensor, b: tg.Tensor, g: tg.Tensor): tg.Tensor[] => {
    const [y, pullback] = tg.vjp(conv, x, w, b);
    return [y, ...pullback(g)];
  };
  const checkOf = (out: tg.Tensor[]) => out[2].abs().sum().item();
  if (ctx.backend.endsWith("-jit") || ctx.backend.endsWith("-compiled")) {
    const step = tg.jit(grads);
    return { check: checkOf(step(x, w, b, g)), note: "tg.jit of vjp: y, x̄, W̄, b̄", run: () => void step(x, w, b, g) };
  }
  return { check: checkOf(grads(x, w, b, g)), note: "eager vjp: y, x̄, W̄, b̄ (realized)", run: () => tg.realize(...grads(x, w, b, g)) };
};

/** The forward pass alone (no graph), for the libraries without a backward kernel. */
const tensorgradConvForward = (s: ConvSpec): Impl<TensorgradCtx> => () => {
  const p = convInputs(s);
  const x = tg.tensor(p.x, { shape: [s.n, s.c, s.h, s.w] });
  const w = tg.tensor(p.weight, { shape: [s.f, s.c, s.k, s.k] });
  const b = tg.tensor(p.bias);
  const conv = () => tg.nn.functional.conv2d(x, w, { bias: b, padding: s.pad });
  return { check: conv().abs().sum().item(), note: "im2col + batched GEMM + bias", run: () => tg.realize(conv()) };
};

const tfjsConvForward = (s: ConvSpec): Impl<TfjsCtx> => ({ tf }) => {
  const p = convInputs(s);
  const x = tf.transpose(tf.tensor4d(p.x, [s.n, s.c, s.h, s.w]), [0, 2, 3, 1]);
  const w = tf.transpose(tf.tensor4d(p.weight, [s.f, s.c, s.k, s.k]), [2, 3, 1, 0]);
  const b = tf.tensor1d(p.bias);
  const pad = s.pad === (s.k - 1) / 2 ? "same" : "valid";
  const conv = () => tf.add(tf.conv2d(x as ReturnType<typeof tf.tensor4d>, w as ReturnType<typeof tf.tensor4d>, 1, pad), b);
  const check = tf.tidy(() => tf.sum(tf.abs(conv())).dataSync()[0]);
  return { check, note: "tf.conv2d + bias (NHWC, 'same')", run: () => tf.tidy(() => void conv().dataSync()), dispose: () => tf.dispose([x, w, b]) };
};

/**
 * TF.js has NHWC convolutions: the same numbers transposed, the same flops. Its wasm backend has
 * no Conv2DBackpropFilter kernel; there the convolution is written as a conv3d of depth 1 (whose
 * forward, input and filter gradients the wasm backend has: Conv3D, Conv3DBackpropInputV2,
 * Conv3DBackpropFilterV2), the same arithmetic.
 */
const tfjsConv = (s: ConvSpec): Impl<TfjsCtx> => ({ tf }) => {
  const p = convInputs(s);
  const { oh, ow } = convDims(s);
  const x = tf.transpose(tf.tensor4d(p.x, [s.n, s.c, s.h, s.w]), [0, 2, 3, 1]);
  const w = tf.transpose(tf.tensor4d(p.weight, [s.f, s.c, s.k, s.k]), [2, 3, 1, 0]);
  const b = tf.tensor1d(p.bias);
  const g = tf.transpose(tf.tensor4d(p.cotangent, [s.n, s.f, oh, ow]), [0, 2, 3, 1]);
  const pad = s.pad === (s.k - 1) / 2 ? "same" : "valid";
  const has2d = tf.getKernel("Conv2DBackpropFilter", tf.getBackend()) !== undefined;
  type T4 = ReturnType<typeof tf.tensor4d>;
  type T5 = ReturnType<typeof tf.tensor5d>;
  const conv = has2d
    ? (xx: T4, ww: T4) => tf.conv2d(xx, ww, 1, pad)
    : (xx: T4, ww: T4) => tf.reshape(tf.conv3d(tf.reshape(xx, [s.n, 1, s.h, s.w, s.c]) as T5, tf.reshape(ww, [1, s.k, s.k, s.c, s.f]) as T5, 1, pad), [s.n, oh, ow, s.f]);
  const f = (xx: T4, ww: T4, bb: ReturnType<typeof tf.tensor1d>) => tf.sum(tf.mul(tf.add(conv(xx, ww), bb), g));
  const gradFn = tf.grads(f as unknown as (...a: ReturnType<typeof tf.tensor>[]) => ReturnType<typeof tf.scalar>);
  const run = () => tf.tidy(() => gradFn([x, w, b]).map((t) => t.dataSync()));
  const check = tf.tidy(() => tf.sum(tf.abs(gradFn([x, w, b])[1])).dataSync()[0]);
  const note = has2d ? "tf.grads of Σ conv2d·ḡ (NHWC, 'same')" : "tf.grads of Σ conv·ḡ, the conv as a depth-1 conv3d (no Conv2DBackpropFilter on wasm; NDHWC, 'same')";
  return { check, note, run, dispose: () => tf.dispose([x, w, b, g]) };
};

/** The three GEMMs of forward + backward at the conv's shapes (one per image, weights broadcast). */
const kernelConvGemms = (s: ConvSpec, count = 3): Impl<KernelCtx> => ({ kernels }) => {
  const { K, L } = convDims(s);
  const random = (len: number): Float32Array => Float32Array.from({ length: len }, (_, i) => Math.sin(i));
  const weight = kernelArray(kernels, random(s.f * K));
  const cols = kernelArray(kernels, random(s.n * K * L));
  const g = kernelArray(kernels, random(s.n * s.f * L));
  const gemms: SgemmParams[] = [
    // y[n] = W · cols[n]
    { batch: s.n, m: s.f, n: L, k: K, a: weight, aBatchStride: 0, b: cols, bBatchStride: K * L, c: kernels.allocF32(s.n * s.f * L) },
    // W̄[n] = ḡ[n] · cols[n]ᵀ
    { batch: s.n, m: s.f, n: K, k: L, a: g, aBatchStride: s.f * L, b: cols, transB: true, bBatchStride: K * L, c: kernels.allocF32(s.n * s.f * K) },
    // c̄ols[n] = Wᵀ · ḡ[n]
    { batch: s.n, m: K, n: L, k: s.f, a: weight, transA: true, aBatchStride: 0, b: g, bBatchStride: s.f * L, c: kernels.allocF32(s.n * K * L) },
  ].slice(0, count);
  return {
    note: count === 3 ? "the 3 batched GEMMs only: the GEMM bound" : "the forward GEMM only: the GEMM bound",
    run: () => gemms.forEach((p) => kernels.sgemm(p)),
    dispose: () => [weight, cols, g, ...gemms.map((p) => p.c)].forEach((ptr) => kernels.free(ptr)),
  };
};

/** The cnn experiment's step: conv(1→16)–ReLU–pool–conv(16→32)–ReLU–pool–linear, SGD Nesterov momentum. */
export interface CnnSpec {
  batch: number;
  c1: number;
  c2: number;
  lr: number;
  seed: number;
}
export const CNN_SPEC: CnnSpec = { batch: 50, c1: 16, c2: 32, lr: 0.05, seed: 2002 };

/** The batch (pixels in [0, 1), random labels) and the parameters in PyTorch's default ranges, in a fixed order. */
export function cnnInputs(s: CnnSpec) {
  const rng = mulberry32(s.seed);
  const x = uniform(rng, s.batch * 28 * 28, 0, 1);
  const labels = Int32Array.from({ length: s.batch }, () => Math.min(9, Math.floor(rng() * 10)));
  const shapes: number[][] = [[s.c1, 1, 3, 3], [s.c1], [s.c2, s.c1, 3, 3], [s.c2], [10, s.c2 * 49], [10]];
  const fanIns = [9, 9, s.c1 * 9, s.c1 * 9, s.c2 * 49, s.c2 * 49];
  const params = shapes.map((shape, i) => uniform(rng, shape.reduce((a, b) => a * b, 1), -1 / Math.sqrt(fanIns[i]), 1 / Math.sqrt(fanIns[i])));
  return { x, labels, shapes, params };
}

const tensorgradCnn = (s: CnnSpec): Impl<TensorgradCtx> => (ctx) => {
  const p = cnnInputs(s);
  const nn = tg.nn;
  const model = new nn.Sequential(
    new nn.Conv2d(1, s.c1, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(s.c1, s.c2, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(s.c2 * 49, 10),
  );
  const names = ["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias"];
  model.loadStateDict(Object.fromEntries(names.map((k, i) => [k, tg.tensor(p.params[i], { shape: p.shapes[i] })])));
  const x = tg.tensor(p.x, { shape: [s.batch, 1, 28, 28] });
  const y = tg.tensor(p.labels, { dtype: "int32" });
  const opt = new tg.optim.SGD(model.parameters(), { lr: s.lr, momentum: 0.9, nesterov: true });
  const lossOf = () => tg.nn.functional.crossEntropy(model.call(x), y);
  const stepFn = (xb: tg.Tensor, yb: tg.Tensor) => {
    opt.zeroGrad();
    const loss = tg.nn.functional.crossEntropy(model.call(xb), yb);
    loss.backward();
    opt.step();
    return loss;
  };
  const compiled = ctx.backend.endsWith("-compiled") || ctx.backend.endsWith("-jit");
  const step = compiled ? tg.compile(stepFn) : stepFn;
  const currentLoss = () => tg.noGrad(() => lossOf().item());
  return {
    check: currentLoss(),
    final: currentLoss,
    note: compiled ? "tg.compile of zeroGrad/backward/SGD step" : "eager zeroGrad/backward/SGD step",
    run: () => {
      const loss = step(x, y);
      if (!compiled) tg.realize(loss);
    },
  };
};

export function convWorkloads(): Workload[] {
  const s = CONV_SPEC;
  const { flops } = convDims(s);
  const forwardFlops = flops / 3;
  return [
    {
      id: "conv2d-fwd",
      group: "conv",
      title: `conv2d forward: [${s.n}, ${s.c}, ${s.h}, ${s.w}] * ${s.f} ${s.k}×${s.k} filters, padding ${s.pad}`,
      unit: "GFLOP/s",
      better: "higher",
      quick: true,
      fromSeconds: (sec) => forwardFlops / sec / 1e9,
      checkLabel: "Σ|y|",
      impls: {
        tensorgrad: tensorgradConvForward(s),
        tfjs: tfjsConvForward(s),
        kernel: kernelConvGemms(s, 1),
        python: { kind: "conv", params: { ...s, forwardOnly: 1 } },
      },
    },
    {
      id: "conv2d-fwd-bwd",
      group: "conv",
      title: `conv2d forward + backward: [${s.n}, ${s.c}, ${s.h}, ${s.w}] * ${s.f} ${s.k}×${s.k} filters, padding ${s.pad}`,
      unit: "GFLOP/s",
      better: "higher",
      quick: true,
      fromSeconds: (sec) => flops / sec / 1e9,
      checkLabel: "Σ|W̄|",
      impls: {
        tensorgrad: tensorgradConv(s),
        tfjs: tfjsConv(s),
        kernel: kernelConvGemms(s),
        python: { kind: "conv", params: { ...s } },
      },
    },
    {
      id: "cnn-step",
      group: "conv",
      title: `training step: the cnn experiment's CNN (conv ${CNN_SPEC.c1}, conv ${CNN_SPEC.c2}, linear), batch ${CNN_SPEC.batch}`,
      unit: "steps/s",
      better: "higher",
      quick: true,
      fromSeconds: (sec) => 1 / sec,
      checkLabel: "loss",
      impls: {
        tensorgrad: tensorgradCnn(CNN_SPEC),
        python: { kind: "cnn", params: { ...CNN_SPEC } },
      },
    },
  ];
}
