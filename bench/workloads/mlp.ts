// Training steps of a two-layer perceptron: forward, softmax cross-entropy, backward, SGD update.

import * as tg from "../../dist/index.js";
import type * as Jax from "@jax-js/jax";
import { mlpProblem, type MlpSpec } from "../data.js";
import { kernelArray } from "../peers/kernel.js";
import type { SgemmParams } from "../../dist/backend/wasm/index.js";
import type { Impl, JaxCtx, KernelCtx, TensorgradCtx, TfjsCtx, Workload } from "../types.js";

export const QUADRANT_MLP: MlpSpec = { inputs: 2, hidden: 16, classes: 4, batch: 64, lr: 0.1, data: "quadrant", seed: 7, restartEvery: 5000 };
export const MNIST_MLP: MlpSpec = { inputs: 784, hidden: 256, classes: 10, batch: 128, lr: 0.01, data: "random", seed: 11, restartEvery: 5000 };

type CrossEntropy = (logits: tg.Tensor, target: tg.Tensor) => tg.Tensor;

/** `nn.functional.crossEntropy` when tensorgrad exports it. */
function libraryCrossEntropy(): CrossEntropy | undefined {
  const lib = tg as unknown as { nn?: { functional?: { crossEntropy?: CrossEntropy } } };
  return lib.nn?.functional?.crossEntropy;
}

/** The same step written the PyTorch way (optimizer, zeroGrad/backward/step), compiled with `tg.compile`. */
function compiledMlp(spec: MlpSpec) {
  const p = mlpProblem(spec);
  const { inputs: I, hidden: H, classes: C, batch: B, lr } = spec;
  const f32 = { dtype: "float32" } as const;
  const x = tg.tensor(p.x, { ...f32, shape: [B, I] });
  const y = tg.tensor(p.onehot, { ...f32, shape: [B, C] });
  const w1 = tg.tensor(p.w1, { ...f32, shape: [I, H] }).setRequiresGrad();
  const b1 = tg.tensor(p.b1, f32).setRequiresGrad();
  const w2 = tg.tensor(p.w2, { ...f32, shape: [H, C] }).setRequiresGrad();
  const b2 = tg.tensor(p.b2, f32).setRequiresGrad();
  const opt = new tg.optim.SGD([w1, b1, w2, b2], { lr });
  const restart = (): void =>
    tg.noGrad(() => {
      tg.nn.assignParameter(w1, tg.tensor(p.w1, { ...f32, shape: [I, H] }));
      tg.nn.assignParameter(b1, tg.tensor(p.b1, f32));
      tg.nn.assignParameter(w2, tg.tensor(p.w2, { ...f32, shape: [H, C] }));
      tg.nn.assignParameter(b2, tg.tensor(p.b2, f32));
    });
  let steps = 0;
  const lossOf = (xb: tg.Tensor, yb: tg.Tensor): tg.Tensor =>
    tg.neg(tg.mean(tg.sum(tg.mul(tg.logSoftmax(tg.add(tg.matmul(tg.relu(tg.add(tg.matmul(xb, w1), b1)), w2), b2), -1), yb), -1)));
  const step = tg.compile((xb: tg.Tensor, yb: tg.Tensor) => {
    opt.zeroGrad();
    const loss = lossOf(xb, yb);
    loss.backward();
    opt.step();
    return loss;
  });
  const currentLoss = (): number => tg.noGrad(() => lossOf(x, y).item());
  return {
    check: currentLoss(),
    final: currentLoss,
    note: "tg.compile of zeroGrad/backward/SGD step, logSoftmax · one-hot loss",
    run: () => {
      if (++steps % spec.restartEvery === 0) restart();
      step(x, y);
    },
  };
}

/** The step as a pure function of the parameters (JAX style), compiled with `tg.jit`, parameters donated. */
function jitMlp(spec: MlpSpec) {
  const p = mlpProblem(spec);
  const { inputs: I, hidden: H, classes: C, batch: B, lr } = spec;
  const f32 = { dtype: "float32" } as const;
  const x = tg.tensor(p.x, { ...f32, shape: [B, I] });
  const y = tg.tensor(p.onehot, { ...f32, shape: [B, C] });
  const fresh = (): tg.Tensor[] => [tg.tensor(p.w1, { ...f32, shape: [I, H] }), tg.tensor(p.b1, f32), tg.tensor(p.w2, { ...f32, shape: [H, C] }), tg.tensor(p.b2, f32)];
  let params = fresh();
  let steps = 0;
  const lossOf = (w1: tg.Tensor, b1: tg.Tensor, w2: tg.Tensor, b2: tg.Tensor, xb: tg.Tensor, yb: tg.Tensor): tg.Tensor =>
    tg.neg(tg.mean(tg.sum(tg.mul(tg.logSoftmax(tg.add(tg.matmul(tg.relu(tg.add(tg.matmul(xb, w1), b1)), w2), b2), -1), yb), -1)));
  const valueAndGrad = tg.valueAndGrad(lossOf, { argnums: [0, 1, 2, 3] });
  const step = tg.jit(
    (w1: tg.Tensor, b1: tg.Tensor, w2: tg.Tensor, b2: tg.Tensor, xb: tg.Tensor, yb: tg.Tensor) => {
      const [loss, g] = valueAndGrad(w1, b1, w2, b2, xb, yb);
      return [loss, tg.sub(w1, tg.mul(g[0], lr)), tg.sub(b1, tg.mul(g[1], lr)), tg.sub(w2, tg.mul(g[2], lr)), tg.sub(b2, tg.mul(g[3], lr))];
    },
    { donate: [0, 1, 2, 3] },
  );
  const currentLoss = (): number => lossOf(params[0], params[1], params[2], params[3], x, y).item();
  return {
    check: currentLoss(),
    final: currentLoss,
    note: "tg.jit of valueAndGrad + SGD, parameters donated, logSoftmax · one-hot loss",
    run: () => {
      if (++steps % spec.restartEvery === 0) params = fresh();
      const [, ...next] = step(params[0], params[1], params[2], params[3], x, y);
      params = next;
    },
  };
}

const tensorgradMlp = (spec: MlpSpec): Impl<TensorgradCtx> => (ctx) => {
  if (ctx.backend.endsWith("-compiled")) return compiledMlp(spec);
  if (ctx.backend.endsWith("-jit")) return jitMlp(spec);
  const p = mlpProblem(spec);
  const { inputs: I, hidden: H, classes: C, batch: B, lr } = spec;
  const f32 = { dtype: "float32" } as const;
  const x = tg.tensor(p.x, { ...f32, shape: [B, I] });
  const y = tg.tensor(p.onehot, { ...f32, shape: [B, C] });
  let w1: tg.Tensor, b1: tg.Tensor, w2: tg.Tensor, b2: tg.Tensor;
  const restart = (): void => {
    w1 = tg.tensor(p.w1, { ...f32, shape: [I, H] }).setRequiresGrad();
    b1 = tg.tensor(p.b1, f32).setRequiresGrad();
    w2 = tg.tensor(p.w2, { ...f32, shape: [H, C] }).setRequiresGrad();
    b2 = tg.tensor(p.b2, f32).setRequiresGrad();
  };
  restart();
  let steps = 0;
  const ce = libraryCrossEntropy();
  const lossOf = (logits: tg.Tensor): tg.Tensor =>
    ce ? ce(logits, y) : tg.neg(tg.mean(tg.sum(tg.mul(tg.logSoftmax(logits, -1), y), -1)));
  const forward = (): tg.Tensor => tg.add(tg.matmul(tg.relu(tg.add(tg.matmul(x, w1), b1)), w2), b2);
  const sgd = (w: tg.Tensor): tg.Tensor => {
    if (!w.grad) throw new Error("no gradient reached a parameter");
    return tg.sub(w, tg.mul(w.grad, lr)).setRequiresGrad();
  };
  const currentLoss = (): number => tg.noGrad(() => lossOf(forward()).item());
  return {
    check: currentLoss(),
    final: currentLoss,
    note: ce ? "nn.functional.crossEntropy" : "logSoftmax · one-hot loss",
    run: () => {
      if (++steps % spec.restartEvery === 0) restart();
      lossOf(forward()).backward();
      tg.noGrad(() => {
        w1 = sgd(w1);
        b1 = sgd(b1);
        w2 = sgd(w2);
        b2 = sgd(b2);
      });
    },
  };
};

const tfjsMlp = (spec: MlpSpec): Impl<TfjsCtx> => ({ tf }) => {
  const p = mlpProblem(spec);
  const { inputs: I, hidden: H, classes: C, batch: B, lr } = spec;
  const x = tf.tensor2d(p.x, [B, I]);
  const y = tf.tensor2d(p.onehot, [B, C]);
  const w1 = tf.variable(tf.tensor2d(p.w1, [I, H]));
  const b1 = tf.variable(tf.tensor1d(p.b1));
  const w2 = tf.variable(tf.tensor2d(p.w2, [H, C]));
  const b2 = tf.variable(tf.tensor1d(p.b2));
  const optimizer = tf.train.sgd(lr);
  const restart = (): void =>
    tf.tidy(() => {
      w1.assign(tf.tensor2d(p.w1, [I, H]));
      b1.assign(tf.tensor1d(p.b1));
      w2.assign(tf.tensor2d(p.w2, [H, C]));
      b2.assign(tf.tensor1d(p.b2));
    });
  let steps = 0;
  const loss = (): ReturnType<typeof tf.scalar> =>
    tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2)) as ReturnType<typeof tf.scalar>;
  const currentLoss = (): number => tf.tidy(() => loss().dataSync()[0]);
  return {
    check: currentLoss(),
    final: currentLoss,
    note: "optimizer.minimize in tidy",
    run: () => {
      if (++steps % spec.restartEvery === 0) restart();
      tf.tidy(() => void optimizer.minimize(loss, false, [w1, b1, w2, b2]));
    },
    dispose: () => {
      tf.dispose([x, y, w1, b1, w2, b2]);
      optimizer.dispose();
    },
  };
};

interface JaxParams {
  w1: Jax.Array;
  b1: Jax.Array;
  w2: Jax.Array;
  b2: Jax.Array;
  [key: string]: Jax.Array;
}

const jaxMlp = (spec: MlpSpec): Impl<JaxCtx> => async ({ jax }) => {
  const { numpy: np, nn, tree } = jax;
  const p = mlpProblem(spec);
  const { inputs: I, hidden: H, classes: C, batch: B, lr } = spec;
  const x = np.array(p.x, { shape: [B, I] });
  const y = np.array(p.onehot, { shape: [B, C] });
  const fresh = (): JaxParams => ({
    w1: np.array(p.w1, { shape: [I, H] }),
    b1: np.array(p.b1),
    w2: np.array(p.w2, { shape: [H, C] }),
    b2: np.array(p.b2),
  });
  const lossFn = (q: JaxParams, xs: Jax.Array, ys: Jax.Array): Jax.Array => {
    const h = nn.relu(np.matmul(xs, q.w1).add(q.b1));
    const logits = np.matmul(h, q.w2).add(q.b2);
    return nn.logSoftmax(logits, -1).mul(ys).sum(-1).mean().neg();
  };
  const gradFn = jax.grad(lossFn);
  const stepFn = (q: JaxParams, xs: Jax.Array, ys: Jax.Array): JaxParams => {
    const g = gradFn(tree.ref(q), xs, ys) as JaxParams;
    return tree.map((w: Jax.Array, gw: Jax.Array) => w.sub(gw.mul(lr)), q, g);
  };
  const check = (await lossFn(fresh(), x.ref, y.ref).data())[0];

  // The whole step under jit when that works; eager otherwise.
  let mode = "jit of the whole step";
  let step: (q: JaxParams, xs: Jax.Array, ys: Jax.Array) => JaxParams = stepFn;
  let params = fresh();
  let steps = 0;
  const jitted = jax.jit(stepFn);
  try {
    params = jitted(params, x.ref, y.ref);
    await jax.blockUntilReady(params);
    step = (q, xs, ys) => jitted(q, xs, ys);
  } catch (e) {
    mode = `eager (jit failed: ${e instanceof Error ? e.message.split("\n")[0] : String(e)})`;
    params = fresh();
  }
  return {
    check,
    final: async () => (await lossFn(tree.ref(params), x.ref, y.ref).data())[0],
    note: mode,
    run: async () => {
      if (++steps % spec.restartEvery === 0) {
        tree.dispose(params);
        params = fresh();
      }
      params = step(params, x.ref, y.ref);
      await jax.blockUntilReady(params);
    },
    dispose: () => {
      tree.dispose(params);
      x.dispose();
      y.dispose();
      jitted.dispose();
    },
  };
};

/**
 * The matrix products of one training step, as [m, n, k] with transposes: forward X·W1 and H·W2;
 * backward dY·W2ᵀ (into dH), Hᵀ·dY (dW2) and Xᵀ·dH (dW1). No gradient is needed for the input,
 * so there is no dH·W1ᵀ.
 */
export function mlpGemms(spec: MlpSpec): Omit<SgemmParams, "a" | "b" | "c">[] {
  const { inputs: I, hidden: H, classes: C, batch: B } = spec;
  return [
    { m: B, n: H, k: I },
    { m: B, n: C, k: H },
    { m: B, n: H, k: C, transB: true },
    { m: H, n: C, k: B, transA: true },
    { m: I, n: H, k: B, transA: true },
  ];
}

/** Floating-point operations of the step's matrix products (2mnk each). */
export const mlpGemmFlops = (spec: MlpSpec): number => mlpGemms(spec).reduce((s, g) => s + 2 * g.m * g.n * g.k, 0);

/**
 * The bare-kernel row of an MLP table: only the step's five GEMMs, at its shapes, on the row's
 * threads. Its steps/s is the GEMM bound of a training step: no implementation that does the
 * same products with these kernels can be faster.
 */
const kernelMlpGemms = (spec: MlpSpec): Impl<KernelCtx> => ({ kernels }) => {
  const random = (len: number): Float32Array => Float32Array.from({ length: len }, (_, i) => Math.sin(i));
  const gemms: SgemmParams[] = mlpGemms(spec).map((g) => ({
    ...g,
    a: kernelArray(kernels, random(g.m * g.k)),
    b: kernelArray(kernels, random(g.k * g.n)),
    c: kernels.allocF32(g.m * g.n),
  }));
  return {
    note: `the step's 5 GEMMs only (${(mlpGemmFlops(spec) / 1e6).toPrecision(3)} MFLOP): the GEMM bound`,
    run: () => gemms.forEach((g) => kernels.sgemm(g)),
    dispose: () => gemms.forEach((g) => [g.a, g.b, g.c].forEach((ptr) => kernels.free(ptr))),
  };
};

function mlpWorkload(id: string, title: string, spec: MlpSpec): Workload {
  return {
    id,
    group: "mlp",
    title,
    unit: "steps/s",
    better: "higher",
    quick: true,
    fromSeconds: (s) => 1 / s,
    checkLabel: "loss",
    impls: {
      tensorgrad: tensorgradMlp(spec),
      tfjs: tfjsMlp(spec),
      jax: jaxMlp(spec),
      kernel: kernelMlpGemms(spec),
      python: { kind: "mlp", params: { ...spec } },
    },
  };
}

export function mlpWorkloads(): Workload[] {
  return [
    mlpWorkload("mlp-quadrant", "training step: quadrant MLP 2→16 (ReLU)→4, batch 64", QUADRANT_MLP),
    mlpWorkload("mlp-784", "training step: MLP 784→256 (ReLU)→10, batch 128", MNIST_MLP),
  ];
}
