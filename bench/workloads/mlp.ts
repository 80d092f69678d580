// Training steps of a two-layer perceptron: forward, softmax cross-entropy, backward, SGD update.

import * as tg from "../../src/index.js";
import type * as Jax from "@jax-js/jax";
import { mlpProblem, type MlpSpec } from "../data.js";
import type { Impl, JaxCtx, TensorgradCtx, TfjsCtx, Workload } from "../types.js";

export const QUADRANT_MLP: MlpSpec = { inputs: 2, hidden: 16, classes: 4, batch: 64, lr: 0.1, data: "quadrant", seed: 7 };
export const MNIST_MLP: MlpSpec = { inputs: 784, hidden: 256, classes: 10, batch: 128, lr: 0.01, data: "random", seed: 11 };

type CrossEntropy = (logits: tg.Tensor, target: tg.Tensor) => tg.Tensor;

/** `nn.functional.crossEntropy` when tensorgrad exports it. */
function libraryCrossEntropy(): CrossEntropy | undefined {
  const lib = tg as unknown as { nn?: { functional?: { crossEntropy?: CrossEntropy } } };
  return lib.nn?.functional?.crossEntropy;
}

const tensorgradMlp = (spec: MlpSpec): Impl<TensorgradCtx> => () => {
  const p = mlpProblem(spec);
  const { inputs: I, hidden: H, classes: C, batch: B, lr } = spec;
  const f32 = { dtype: "float32" } as const;
  const x = tg.tensor(p.x, { ...f32, shape: [B, I] });
  const y = tg.tensor(p.onehot, { ...f32, shape: [B, C] });
  let w1 = tg.tensor(p.w1, { ...f32, shape: [I, H] }).requiresGrad();
  let b1 = tg.tensor(p.b1, f32).requiresGrad();
  let w2 = tg.tensor(p.w2, { ...f32, shape: [H, C] }).requiresGrad();
  let b2 = tg.tensor(p.b2, f32).requiresGrad();
  const ce = libraryCrossEntropy();
  const lossOf = (logits: tg.Tensor): tg.Tensor =>
    ce ? ce(logits, y) : tg.neg(tg.mean(tg.sum(tg.mul(tg.logSoftmax(logits, -1), y), -1)));
  const forward = (): tg.Tensor => tg.add(tg.matmul(tg.relu(tg.add(tg.matmul(x, w1), b1)), w2), b2);
  const sgd = (w: tg.Tensor): tg.Tensor => {
    if (!w.grad) throw new Error("no gradient reached a parameter");
    return tg.sub(w, tg.mul(w.grad, lr)).requiresGrad();
  };
  const currentLoss = (): number => tg.noGrad(() => lossOf(forward()).item());
  return {
    check: currentLoss(),
    final: currentLoss,
    note: ce ? "nn.functional.crossEntropy" : "logSoftmax · one-hot loss",
    run: () => {
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
  const loss = (): ReturnType<typeof tf.scalar> =>
    tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2)) as ReturnType<typeof tf.scalar>;
  const currentLoss = (): number => tf.tidy(() => loss().dataSync()[0]);
  return {
    check: currentLoss(),
    final: currentLoss,
    note: "optimizer.minimize in tidy",
    run: () => tf.tidy(() => void optimizer.minimize(loss, false, [w1, b1, w2, b2])),
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
      numpy: { kind: "mlp", params: { ...spec } },
    },
  };
}

export function mlpWorkloads(): Workload[] {
  return [
    mlpWorkload("mlp-quadrant", "training step: quadrant MLP 2→16 (ReLU)→4, batch 64", QUADRANT_MLP),
    mlpWorkload("mlp-784", "training step: MLP 784→256 (ReLU)→10, batch 128", MNIST_MLP),
  ];
}
