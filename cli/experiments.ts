// How each experiment of the catalog runs (with progress and a stop hook) and becomes a
// report, and the model and loss that `tensorgrad gradcheck` checks. Loaded only by the
// training worker and the gradcheck command, so listing, help and bad flags stay quick.

import * as tg from "tensorgrad";
import * as examples from "tensorgrad/examples";
import { dataFileURL, loadDigits, loadLineFit, readIDXFile } from "tensorgrad/data/node";
import { loadShakespeare } from "tensorgrad/examples/node";
import { readFile } from "node:fs/promises";
import {
  charLmReport, cnnReport, depthReport, digitsReport, gaussiansReport, splat3dReport, splatImageReport, lineFitReport, neuronReport, optimizerRaceReport, quadrantReport,
  type DigitSample, type MnistSample, type Report,
} from "tensorgrad/report";
import type { ExperimentName } from "./catalog.js";
import type { RunHooks, RunOptions } from "./protocol.js";

/** A function of float64 tensors to compare with finite differences, and where to evaluate it. */
export interface GradcheckCase {
  /** What f computes, e.g. "L(w, b) = mean((w·x + b − y)²) over the 20 points". */
  description: string;
  f: (...xs: tg.Tensor[]) => tg.Tensor;
  inputs: tg.Tensor[];
  names: string[];
}

export interface Experiment {
  run(options: RunOptions, hooks: RunHooks): Promise<Report>;
  gradcheck(): Promise<GradcheckCase>;
}

/** The line the shipped data were drawn from (data/README.md). */
const TRUE_LINE = { w: 2, b: 1 };

/** The experiments' per-step hook: reports the step's numbers, and stops once the user asked to. */
function stepHook(hooks: RunHooks): examples.OnStep {
  return (info) => {
    hooks.onStep(info);
    return !hooks.shouldStop();
  };
}

const lineFit: Experiment = {
  async run(o, hooks) {
    const data = await loadLineFit();
    const steps = o.steps ?? 50;
    const r = examples.lineFit(data, { steps, lr: o.lr ?? 0.05, w0: 0.5, b0: 3, onStep: stepHook(hooks) });
    return lineFitReport(r, { trueLine: TRUE_LINE, stepsRequested: steps });
  },
  async gradcheck() {
    const data = await loadLineFit();
    const x = tg.tensor(data.x, { dtype: "float64" });
    const y = tg.tensor(data.y, { dtype: "float64" });
    return {
      description: `L(w, b) = mean((w·x + b − y)²) over the ${data.n} points of data/line-fit-20.json, at w = 0.5, b = 3`,
      f: (w, b) => x.mul(w).add(b).sub(y).square().mean(),
      inputs: [tg.scalar(0.5, "float64"), tg.scalar(3, "float64")],
      names: ["w", "b"],
    };
  },
};

/** The 15 points of the second tutorial's linear neuron (data/README.md). */
async function loadNeuronLine(): Promise<{ x: number[]; y: number[] }> {
  return JSON.parse(await readFile(dataFileURL("neuron-line-15.json"), "utf8")) as { x: number[]; y: number[] };
}

const neuron: Experiment = {
  async run(o) {
    // --lr is the tanh neuron's step; the linear neuron keeps the tutorial's lr 0.02
    const line = examples.neuronLine(await loadNeuronLine());
    return neuronReport(examples.neuron({ lr: o.lr }), { line });
  },
  async gradcheck() {
    const x = tg.tensor([2, 1.5, -1], { dtype: "float64" });
    const y = tg.tensor([0.8, 0.5, -0.3], { dtype: "float64" });
    return {
      description: "L(w, b) = mean(½(tanh(w·x + b) − y)²) over the batch x = [2, 1.5, −1], y = [0.8, 0.5, −0.3], at w = −0.5, b = 1",
      f: (w, b) => x.mul(w).add(b).tanh().sub(y).square().mul(0.5).mean(),
      inputs: [tg.scalar(-0.5, "float64"), tg.scalar(1, "float64")],
      names: ["w", "b"],
    };
  },
};

const depth: Experiment = {
  async run(o) {
    const seed = o.seed ?? 0;
    return depthReport(examples.depthGradients({ seed }), { seed });
  },
  async gradcheck() {
    // The same architecture at a size finite differences can afford: 4 residual ReLU layers
    // of width 5, a batch of 3 and a fixed random readout.
    const gen = tg.random.generator(0);
    const layers = 4;
    const width = 5;
    const alpha = 1 / Math.sqrt(layers);
    const weights = Array.from({ length: layers }, () => tg.randn([width, width], { generator: gen, dtype: "float64" }).mul(Math.sqrt(2 / width)));
    const x = tg.randn([3, width], { generator: gen, dtype: "float64" });
    const readout = tg.randn([width, 1], { generator: gen, dtype: "float64" }).div(Math.sqrt(width));
    return {
      description: `L = mean(h₄·r) with hᵢ₊₁ = hᵢ + α·Wᵢ·relu(hᵢ) (first layer linear), ${layers} layers of width ${width}, a batch of 3`,
      f: (...ws) => {
        let h = x;
        ws.forEach((w, i) => {
          h = h.add(tg.matmul(i === 0 ? h : h.relu(), w.T).mul(alpha));
        });
        return h.matmul(readout).mean();
      },
      inputs: weights,
      names: weights.map((_, i) => `W${i + 1}`),
    };
  },
};

/** The mini-batch loss of an MLP with the given layer sizes, as a function of its parameters. */
function mlpGradcheck(sizes: number[], seed: number, x: tg.Tensor, labels: tg.Tensor, what: string): GradcheckCase {
  const model = new tg.nn.MLP(sizes, { activation: "relu", init: "he", dtype: "float64", generator: tg.random.generator(seed) });
  const named = Object.entries(model.stateDict());
  return {
    description: `${what}: softmax cross-entropy of the MLP ${sizes.join(" → ")} (ReLU) on a batch of ${x.shape[0]}, as a function of every weight and bias`,
    f: (...params) => tg.nn.functional.crossEntropy(tg.nn.functionalCall(model, Object.fromEntries(named.map(([k], i) => [k, params[i]])), x), labels),
    inputs: named.map(([, t]) => t.cast("float64")),
    names: named.map(([k]) => k),
  };
}

function quadrantPoints(setupPoints: { x: tg.Tensor; labels: tg.Tensor }): { x: number[]; y: number[]; labels: number[] } {
  const xy = setupPoints.x.data();
  const n = setupPoints.x.shape[0];
  return {
    x: Array.from({ length: n }, (_, i) => xy[2 * i]),
    y: Array.from({ length: n }, (_, i) => xy[2 * i + 1]),
    labels: Array.from(setupPoints.labels.data()),
  };
}

const quadrant: Experiment = {
  async run(o, hooks) {
    const seed = o.seed ?? 0;
    const r = examples.quadrant({ seed, steps: o.steps, lr: o.lr, optimizer: o.optimizer, onStep: stepHook(hooks) });
    const points = quadrantPoints(examples.quadrantSetup({ seed, steps: 0 }).test);
    return quadrantReport(r, { points, stepsRequested: r.steps });
  },
  async gradcheck() {
    const setup = examples.quadrantSetup({ seed: 0, steps: 0, dtype: "float64" });
    const x = setup.train.x.slice([0, 8]);
    const labels = setup.train.labels.slice([0, 8]);
    return mlpGradcheck(setup.sizes, setup.initSeed, x, labels, "quadrant");
  },
};

const optimizerRace: Experiment = {
  async run(o, hooks) {
    const seed = o.seed ?? 0;
    const bowlSteps = o.steps ?? 100;
    const mlpSteps = o.steps ?? 300;
    const r = examples.optimizerRace({ seed, steps: bowlSteps, mlpSteps, onStep: stepHook(hooks) });
    const report = optimizerRaceReport(r, { seed });
    // The race counts every optimizer's updates on both problems, as its progress did; the
    // settings keep the steps asked for when the race stopped early.
    const k = r.bowl.runs.length;
    report.settings["bowl steps"] = bowlSteps;
    report.settings["MLP steps"] = mlpSteps;
    report.status = { ...report.status, completed: !r.stoppedEarly, stepsRun: k * (r.bowl.steps + r.mlp.steps), stepsRequested: k * (bowlSteps + mlpSteps) };
    return report;
  },
  async gradcheck() {
    const p = tg.tensor([-3, 2], { dtype: "float64" });
    return {
      description: "f(x, y) = x² + 10y² at the race's start (−3, 2)",
      f: (q) => q.square().mul(tg.tensor([1, 10], { dtype: "float64" })).sum(),
      inputs: [p],
      names: ["(x, y)"],
    };
  },
};

const digits: Experiment = {
  async run(o, hooks) {
    const data = await loadDigits();
    const seed = o.seed ?? 0;
    const lr = o.lr ?? 0.003;
    const epochs = o.steps ?? 15;
    const r = examples.digits(data, { seed, lr, epochs, onStep: stepHook(hooks) });
    const image = (idx: number) => Array.from(data.images.subarray(idx * data.features, (idx + 1) * data.features));
    const samples: DigitSample[] = r.testIndices.slice(0, 13).map((idx, i) => ({ pixels: image(idx), label: data.labels[idx], predicted: r.predictions[i] }));
    for (const m of r.mistakes.slice(0, 16 - samples.length)) samples.push({ pixels: image(m.index), label: m.label, predicted: m.predicted });
    const report = digitsReport(r, { samples, lr, epochsRequested: epochs });
    // Progress counts optimizer steps (mini-batches), and so does the status: a run stopped in
    // the middle of an epoch has done part of it.
    report.status = { completed: !r.stoppedEarly, stepsRun: r.steps, stepsRequested: epochs * r.stepsPerEpoch };
    return report;
  },
  async gradcheck() {
    const data = await loadDigits();
    const n = 6;
    const x = tg.tensor(data.images.subarray(0, n * data.features), { dtype: "float64", shape: [n, data.features] }).div(16);
    const labels = tg.tensor(data.labels.subarray(0, n), { dtype: "int32" });
    // a narrower hidden layer than the experiment's 64 keeps the finite differences quick
    return mlpGradcheck([data.features, 8, 10], 0, x, labels, "digits");
  },
};

/** The MNIST test-set files shipped in data/ (data/README.md). */
async function loadMnistTestSet(): Promise<examples.MnistData> {
  const images = await readIDXFile(dataFileURL("t10k-images-idx3-ubyte.gz"));
  const labels = await readIDXFile(dataFileURL("t10k-labels-idx1-ubyte.gz"));
  const [n, rows, cols] = images.shape;
  return { images: images.data as Uint8Array, labels: labels.data as Uint8Array, n, rows, cols };
}

const cnn: Experiment = {
  async run(o, hooks) {
    const data = await loadMnistTestSet();
    const seed = o.seed ?? 0;
    const lr = o.lr ?? 0.05;
    const epochs = o.steps ?? 6;
    const r = examples.cnn(data, { seed, lr, epochs, onStep: stepHook(hooks) });
    const px = data.rows * data.cols;
    const samples: MnistSample[] = r.mistakes.slice(0, 18).map((m) => ({
      pixels: Array.from(data.images.subarray(m.index * px, (m.index + 1) * px)), rows: data.rows, cols: data.cols, label: m.label, predicted: m.predicted,
    }));
    return cnnReport(r, { samples, lr, epochsRequested: epochs });
  },
  async gradcheck() {
    const data = await loadMnistTestSet();
    const n = 3;
    const x = tg.tensor(Float64Array.from(data.images.subarray(0, n * 784), (v) => v / 255), { dtype: "float64", shape: [n, 1, 28, 28] });
    const labels = tg.tensor(Int32Array.from(data.labels.subarray(0, n)), { dtype: "int32" });
    // two channels per convolution keep the finite differences quick
    const model = examples.cnnModel([2, 2], 28, 28, tg.random.generator(0));
    const named = Object.entries(model.stateDict());
    return {
      description: `cnn: softmax cross-entropy of conv(1→2)–ReLU–pool–conv(2→2)–ReLU–pool–linear on ${n} digits, as a function of every weight and bias`,
      f: (...params) => tg.nn.functional.crossEntropy(tg.nn.functionalCall(model, Object.fromEntries(named.map(([k], i) => [k, params[i]])), x), labels),
      inputs: named.map(([, t]) => t.cast("float64")),
      names: named.map(([k]) => k),
    };
  },
};

// `tensorgrad run char-lm` goes through ./char-lm.ts (checkpoints, resume, its own report files);
// this entry trains without checkpoints for the generic runner and checks a tiny GPT's gradients.
const charLm: Experiment = {
  async run(o, hooks) {
    const data = examples.charLmData(loadShakespeare());
    const maxIters = o.steps ?? examples.CHAR_LM_DEFAULTS.maxIters;
    const config = examples.charLmConfig({ maxIters, lrDecayIters: Math.max(maxIters, 101), lr: o.lr, seed: o.seed });
    const state = examples.charLmInit(config, data.tokenizer.vocabSize);
    examples.charLmTrain(state, data, {
      onStep: (s) => {
        hooks.onStep({ step: s.iter, total: s.total, loss: s.loss });
        return !hooks.shouldStop();
      },
    });
    const schedule = examples.charLmSchedule(config);
    const tokens = config.batchSize * config.blockSize;
    const ms = state.trainMs / Math.max(1, state.iter);
    return charLmReport({
      config: { ...config }, losses: state.losses, lrs: state.losses.map((_, i) => schedule(i)), evals: state.evals,
      samples: [{ iter: state.iter, text: examples.charLmSample(state.model, data.tokenizer, "ROMEO:", 200) }],
      params: state.model.numParameters(), msPerIter: ms, tokensPerSecond: (tokens * 1000) / ms,
      gflops: (state.model.flopsPerToken() * tokens) / ms / 1e6, itersRequested: maxIters,
    });
  },
  async gradcheck() {
    const gpt = new tg.models.GPT({ vocabSize: 5, blockSize: 4, nLayer: 1, nHead: 2, nEmbd: 4, dropout: 0, bias: true }, { dtype: "float64", generator: tg.random.generator(0) });
    const idx = tg.tensor([[0, 1, 2, 3], [4, 3, 2, 1]], { dtype: "int32" });
    const targets = tg.tensor([[1, 2, 3, 4], [3, 2, 1, 0]], { dtype: "int32" });
    const named = gpt.namedParameters().filter(([n]) => n.includes("attn") || n === "transformer.wte.weight");
    const weights = named.map(([, p]) => p);
    return {
      description: "mean cross-entropy of a 1-layer GPT (2 heads, width 4, vocabulary 5) on two sequences of 4, as a function of its attention weights and the tied embedding",
      f: (...ws) => {
        // functionalCall swaps the parameters for the inputs (the tied head weight follows the embedding)
        const dict: Record<string, tg.Tensor> = Object.fromEntries(named.map(([n], i) => [n, ws[i]]));
        dict["lm_head.weight"] = dict["transformer.wte.weight"];
        const out = tg.nn.functionalCall(gpt as unknown as tg.nn.Module, dict, idx, targets) as unknown as tg.models.GPTOutput;
        return out.loss!;
      },
      inputs: weights.map((p) => p.detach()),
      names: named.map(([n]) => n),
    };
  },
};

const gaussians: Experiment = {
  async run(o) {
    return gaussiansReport(examples.gaussians({
      mu: o.mu as [number, number] | undefined, sigma: o.sigma, cov: o.cov as [number, number, number] | undefined,
    }));
  },
  async gradcheck() {
    // the anisotropic density's log as a function of μ and Σ's entries, at the defaults
    const x = tg.tensor([0.5, -0.3], { dtype: "float64" });
    return {
      description: "log g(x) = −½ (x − μ)ᵀ Σ⁻¹ (x − μ) − log(2π √det Σ) at x = (0.5, −0.3), μ = (0, 0), Σ = [[2, 1.2], [1.2, 1]]",
      f: (mu, cov) => {
        const d = x.sub(mu);
        const [a, b, c] = [cov.slice(0), cov.slice(1), cov.slice(2)];
        const det = a.mul(c).sub(b.mul(b));
        const q = d.slice(0).square().mul(c).sub(d.slice(0).mul(d.slice(1)).mul(b).mul(2)).add(d.slice(1).square().mul(a)).div(det);
        return q.mul(-0.5).sub(det.sqrt().mul(2 * Math.PI).log());
      },
      inputs: [tg.tensor([0, 0], { dtype: "float64" }), tg.tensor([2, 1.2, 1], { dtype: "float64" })],
      names: ["mu", "cov"],
    };
  },
};

const splatImage: Experiment = {
  async run(o, hooks) {
    const source = o.image ?? dataFileURL("astronaut-256.png");
    const bytes = new Uint8Array(await readFile(source));
    const target = tg.splat.imageTensor(await tg.splat.decodePNG(bytes));
    const steps = o.steps ?? 100000;
    const seconds = o.seconds ?? 60;
    const r = examples.splatImage(target, { gaussians: o.gaussians ?? 5000, steps, seconds, seed: o.seed ?? 0, onStep: stepHook(hooks) });
    return splatImageReport(r, { source: typeof source === "string" ? source : "data/astronaut-256.png", stepsRequested: steps, secondsRequested: seconds });
  },
  async gradcheck() {
    // the rasterised image's weighted sum as a function of the Gaussians, on an 8×8 image
    const f64 = (v: number[], shape: number[]) => tg.tensor(v, { shape, dtype: "float64" });
    const w = tg.randn([8, 8, 3], { generator: tg.random.generator(0), dtype: "float64" });
    return {
      description: "Σ w ⊙ rasterize(μ, Σ(s, θ), c, sigmoid(o)) for 3 Gaussians on an 8×8 image, w fixed random",
      f: (mu, s, th, c, o) => tg.splat.rasterize(mu, tg.splat.covariance2d(s, th), c, o.sigmoid(), null, { height: 8, width: 8 }).mul(w).sum(),
      inputs: [
        f64([3.1, 4.2, 5.3, 2.7, 4.6, 5.9], [3, 2]), f64([1.2, 0.9, 1.1, 1.4, 1.5, 1.0], [3, 2]), f64([0.3, 1.2, 2.5], [3]),
        f64([0.9, 0.2, 0.1, 0.1, 0.8, 0.3, 0.2, 0.3, 0.9], [3, 3]), f64([0.4, 0, 0.8], [3]),
      ],
      names: ["means", "logScales", "angles", "colors", "opacityLogits"],
    };
  },
};

const splat3d: Experiment = {
  async run(o, hooks) {
    const steps = o.steps ?? 100000;
    const seconds = o.seconds ?? 600;
    const r = examples.splat3d({ steps, seconds, seed: o.seed ?? 0, gaussians: o.gaussians, onStep: stepHook(hooks) });
    return splat3dReport(r, { stepsRequested: steps, secondsRequested: seconds });
  },
  async gradcheck() {
    // the chain 3-D Gaussians → projection → rasterisation, on a 10×12 image
    const cam = tg.splat.orbitCamera(0.4, 0.5, 4.5, 12);
    const w = tg.randn([12, 12, 3], { generator: tg.random.generator(0), dtype: "float64" });
    const f64 = (v: number[], shape: number[]) => tg.tensor(v, { shape, dtype: "float64" });
    return {
      description: "Σ w ⊙ rasterize(project(μ, Σ(s, q)), c, sigmoid(o)) for 3 Gaussians seen by a 12×12 orbit camera, w fixed random",
      f: (mu, s, q, c, o) => {
        const p = tg.splat.projectGaussians(mu, tg.splat.covariance3d(s, q), cam);
        return tg.splat.rasterize(p.means, p.covs, c, o.sigmoid(), p.depths, { height: 12, width: 12 }).mul(w).sum();
      },
      inputs: [
        f64([0.3, 0.4, 0.2, -0.5, 0.2, 0.1, 0.1, 0.6, -0.4], [3, 3]), f64([-1, -1.3, -1.1, -0.9, -1.2, -1, -1.1, -1, -1.4], [3, 3]),
        f64([1, 0.1, 0.2, 0, 0.9, -0.2, 0.1, 0.3, 1, 0, 0, 0.2], [3, 4]), f64([0.9, 0.2, 0.1, 0.1, 0.8, 0.3, 0.2, 0.3, 0.9], [3, 3]), f64([0.5, -0.2, 1], [3]),
      ],
      names: ["means", "logScales", "quaternions", "colors", "opacityLogits"],
    };
  },
};

/** Every experiment of the catalog; a missing one is a compile error. */
export const EXPERIMENTS: Record<ExperimentName, Experiment> = {
  "line-fit": lineFit,
  neuron,
  quadrant,
  "optimizer-race": optimizerRace,
  digits,
  cnn,
  depth,
  "char-lm": charLm,
  gaussians,
  "splat-image": splatImage,
  "splat-3d": splat3d,
};
