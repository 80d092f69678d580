// How each experiment of the catalog runs (with progress and a stop hook) and becomes a
// report, and the model and loss that `tensorgrad gradcheck` checks. Loaded only by the
// training worker and the gradcheck command, so listing, help and bad flags stay quick.

import * as tg from "tensorgrad";
import * as examples from "tensorgrad/examples";
import { readFile } from "node:fs/promises";
import { dataFileURL, loadDigits, loadLineFit } from "tensorgrad/data/node";
import {
  depthReport, digitsReport, lineFitReport, neuronReport, optimizerRaceReport, quadrantReport,
  type DigitSample, type Report,
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

/** Every experiment of the catalog; a missing one is a compile error. */
export const EXPERIMENTS: Record<ExperimentName, Experiment> = {
  "line-fit": lineFit,
  neuron,
  quadrant,
  "optimizer-race": optimizerRace,
  digits,
  depth,
};
