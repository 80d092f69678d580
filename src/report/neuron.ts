// The tanh neuron's report: its computation graph with values and gradients, and the
// per-example gradients of the batch next to the batch gradient (their mean).

import type * as examples from "../examples/index.js";
import { Figure, PALETTE, scalarVsMatrixDiagram, tanhFigure } from "../plot/index.js";
import { reportFigure } from "./figure.js";
import { graphFigure, neuronGraph } from "./graph.js";
import type { Report, ReportFigure } from "./types.js";

type NeuronResult = examples.NeuronResult;
type NeuronLineResult = examples.NeuronLineResult;


/** The graph of a = tanh(w·x + b), L = ½(a − y)² at the single example. */
export function neuronGraphFigure(r: NeuronResult): ReportFigure {
  const { w, x, b, y } = r.scalar;
  return graphFigure(
    "graph",
    "a = tanh(w·x + b),  L = ½(a − y)²",
    `The forward pass (black) computes each node's value; the backward pass (dashed red) carries ∂L/∂node back through every operation's rule, ending at ∂L/∂w = ${+r.scalar.dLdw.toFixed(4)} and ∂L/∂b = ${+r.scalar.dLdb.toFixed(4)}.`,
    neuronGraph({ w, x, b, y }),
  );
}

/** Each example's gradient, and the batch gradient that equals their mean. */
export function neuronBatchFigure(r: NeuronResult): ReportFigure {
  const bt = r.batch;
  const cats = [...bt.perExample.map((g) => `x = ${g.x}`), `mean of the ${bt.perExample.length}`, "batch"];
  const fig = new Figure({ width: 760, height: 400, title: "Gradient of the batch loss = mean of the per-example gradients" });
  fig.axes({ ylabel: "gradient", xlabel: "examples of the batch, their mean, and the batch gradient", legend: "upper right" }).bar(cats, [
    { label: "∂L/∂w", values: [...bt.perExample.map((g) => g.dLdw), bt.meanOfPerExample.dLdw, bt.dLdw], color: PALETTE[0] },
    { label: "∂L/∂b", values: [...bt.perExample.map((g) => g.dLdb), bt.meanOfPerExample.dLdb, bt.dLdb], color: PALETTE[1] },
  ], { valueLabels: true }).hline(0, { color: "#444444", width: 1, dash: "solid" });
  return reportFigure(
    "batch-gradients",
    "Per-example and batch gradients",
    "The loss of a batch is the mean of the examples' losses, so one backward pass over the batch gives the mean of the examples' gradients.",
    fig,
  );
}

/**
 * tanh and its derivative, with the neuron's pre-activation z marked on both.
 * @example const fig = neuronTanhFigure(examples.neuron());
 */
export function neuronTanhFigure(r: NeuronResult): ReportFigure {
  const z = r.scalar.z;
  const fig = tanhFigure({ mark: z, markLabel: `this neuron's z = ${+z.toFixed(3)}` });
  return reportFigure(
    "tanh",
    "tanh and its derivative",
    `tanh squashes z into (−1, 1); its slope 1 − tanh²(z) is 1 at z = 0 and near 0 for |z| > 3, so a saturated neuron passes almost no gradient back. Here z = ${+z.toFixed(4)}, where the slope is ${+(1 - Math.tanh(z) ** 2).toFixed(4)}.`,
    fig,
  );
}

/**
 * The scalar neuron beside the same computation on vectors and a matrix.
 * @example const fig = scalarVsMatrixFigure(); // fig.svg
 */
export function scalarVsMatrixFigure(): ReportFigure {
  return reportFigure(
    "scalar-vs-matrix",
    "From one number to vectors",
    "Top: the scalar model multiplies one input by one weight and adds a bias. Bottom: a layer does the same for a vector of inputs at once, with a weight matrix W (one row per output) and a bias vector.",
    scalarVsMatrixDiagram(),
  );
}

/**
 * The linear neuron's line at its snapshot epochs over the data: it rotates and shifts into place.
 * @example const fig = neuronLineFigure(examples.neuronLine(data));
 */
export function neuronLineFigure(r: NeuronLineResult): ReportFigure {
  const xs = r.data.x;
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const pad = 0.04 * (hi - lo || 1);
  const xr: [number, number] = [lo - pad, hi + pad];
  const fig = new Figure({ width: 760, height: 480, title: `nn.Linear(1, 1) fitted by SGD (lr ${r.lr}), the line at several epochs` });
  const ax = fig.axes({ xlabel: "x", ylabel: "y", legend: "upper left", xlim: xr });
  const n = r.snapshots.length;
  r.snapshots.forEach((s, k) => {
    // early lines light, the last dark
    const t = n > 1 ? k / (n - 1) : 1;
    const shade = Math.round(200 - 170 * t);
    const color = k === n - 1 ? PALETTE[1] : `rgb(${shade},${shade},${Math.round(shade * 0.9 + 25)})`;
    ax.line([xr[0], xr[1]], [s.w * xr[0] + s.b, s.w * xr[1] + s.b], { label: `epoch ${s.epoch}: ŷ = ${s.w.toFixed(2)}x + ${s.b.toFixed(2)}`, color, width: k === n - 1 ? 3 : 1.8 });
  });
  ax.scatter(xs, r.data.y, { label: "data", color: PALETTE[0], size: 4.5 });
  const first = r.snapshots[0];
  return reportFigure(
    "neuron-line",
    "A linear neuron learning a line",
    `Started at ŷ = ${first?.w ?? r.w[0]}x + ${first?.b ?? r.b[0]} (falling, far above the points), each SGD epoch turns the line (w grows) and lowers it (b shrinks), ending at w = ${r.final.w.toFixed(2)}, b = ${r.final.b.toFixed(2)}.`,
    fig,
  );
}

/**
 * The linear neuron's loss per epoch (log scale).
 * @example const fig = neuronLineLossFigure(examples.neuronLine(data));
 */
export function neuronLineLossFigure(r: NeuronLineResult): ReportFigure {
  const fig = new Figure({ width: 720, height: 400, title: "Loss of the linear neuron per epoch" });
  const epochs = r.loss.map((_, i) => i);
  fig.axes({ xlabel: "epoch", ylabel: "mean squared error", yscale: "log", legend: false })
    .line(epochs, r.loss, { color: PALETTE[0], width: 2.5 })
    .scatter(r.snapshots.map((s) => s.epoch), r.snapshots.map((s) => s.loss), { color: PALETTE[1], size: 4 });
  return reportFigure(
    "neuron-line-loss",
    "Loss per epoch",
    `The mean squared error falls from ${r.loss[0].toFixed(2)} to ${r.final.loss.toFixed(3)}; the dots are the epochs drawn in the figure above.`,
    fig,
  );
}

/**
 * The neuron report.
 * @example
 * const report = neuronReport(examples.neuron());
 */
export function neuronReport(r: NeuronResult, opts: { line?: NeuronLineResult } = {}): Report {
  const s = r.scalar;
  const bt = r.batch;
  const line = opts.line;
  return {
    experiment: "neuron",
    title: "One tanh neuron: forward, backward and one SGD step",
    description:
      "A single neuron a = tanh(w·x + b) with the loss L = ½(a − y)². The chain rule gives ∂L/∂a = a − y, ∂L/∂z = (a − y)(1 − a²), " +
      "∂L/∂w = ∂L/∂z · x and ∂L/∂b = ∂L/∂z; `backward()` computes the same numbers, first for one example, then for a batch.",
    settings: { lr: r.lr, x: s.x, w: s.w, b: s.b, y: s.y, "batch size": bt.x.length },
    status: { completed: true, stepsRun: 1, stepsRequested: 1 },
    results: {
      ...(line ? { "linear neuron: final w": line.final.w, "linear neuron: final b": line.final.b, "linear neuron: final loss": line.final.loss } : {}),
      "loss (one example)": s.loss,
      "dL/dw (one example)": s.dLdw,
      "dL/db (one example)": s.dLdb,
      "loss after one step": s.after.loss,
      "batch loss": bt.loss,
      "batch dL/dw": bt.dLdw,
      "mean of per-example dL/dw": bt.meanOfPerExample.dLdw,
    },
    summary: line ? `${r.summary.trimEnd()}\n\n${line.summary}` : r.summary,
    figures: [
      scalarVsMatrixFigure(), neuronGraphFigure(r), neuronTanhFigure(r), neuronBatchFigure(r),
      ...(line ? [neuronLineFigure(line), neuronLineLossFigure(line)] : []),
    ],
    tables: [
      {
        name: "metrics",
        title: "forward values and gradients for the single example",
        columns: ["x", "y", "w", "b", "z", "a", "loss", "dL_da", "dL_dz", "dL_dw", "dL_db", "w_after", "b_after", "loss_after"],
        rows: [[s.x, s.y, s.w, s.b, s.z, s.a, s.loss, s.dLda, s.dLdz, s.dLdw, s.dLdb, s.after.w, s.after.b, s.after.loss]],
      },
      {
        name: "batch",
        title: "each example of the batch on its own",
        columns: ["x", "y", "z", "a", "loss", "dL_dw", "dL_db"],
        rows: bt.perExample.map((g) => [g.x, g.y, g.z, g.a, g.loss, g.dLdw, g.dLdb]),
      },
      ...(line
        ? [{
            name: "line",
            title: "the linear neuron nn.Linear(1, 1): w, b and the loss before each epoch's update",
            columns: ["epoch", "w", "b", "loss"],
            rows: line.loss.map((l, i) => [i, line.w[i], line.b[i], l]),
          }]
        : []),
    ],
  };
}
