// The depth report: how the gradient's size changes from layer to layer in a deep ReLU
// network, for three weight scales, without and with residual connections (log scale).

import type * as examples from "../examples/index.js";
import { Figure, PALETTE } from "../plot/index.js";
import { forLogAxis, reportFigure } from "./figure.js";
import type { Report, ReportFigure } from "./types.js";

type DepthGradientsResult = examples.DepthGradientsResult;
type DepthRun = examples.DepthRun;


const INIT_COLORS: Record<string, string> = { small: PALETTE[0], he: PALETTE[2], large: PALETTE[3] };
const INIT_LABELS: Record<string, string> = { small: "small (0.5 × He)", he: "He", large: "large (2 × He)" };

function logRange(runs: DepthRun[], pick: (r: DepthRun) => number[]): [number, number] {
  const v = runs.flatMap(pick).filter((x) => Number.isFinite(x) && x > 0);
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  // a tenth of a decade of room at both ends, so no curve runs along the frame
  return [10 ** Math.floor(Math.log10(lo) - 0.1), 10 ** Math.ceil(Math.log10(hi) + 0.1)];
}

function perLayerFigure(r: DepthGradientsResult, name: string, title: string, ylabel: string, caption: string, pick: (run: DepthRun) => number[]): ReportFigure {
  const fig = new Figure({ width: 1000, height: 440, rows: 1, cols: 2, title });
  const ylim = logRange(r.runs, pick);
  for (const residual of [false, true]) {
    const ax = fig.axes({
      title: residual ? "with residual connections" : "plain network",
      xlabel: "layer (1 = input side)",
      ylabel,
      yscale: "log",
      ylim,
      legend: "lower right",
    });
    for (const run of r.runs.filter((x) => x.residual === residual)) {
      const v = pick(run);
      ax.line(v.map((_, i) => i + 1), forLogAxis(v), { label: INIT_LABELS[run.init] ?? run.init, color: INIT_COLORS[run.init], width: 2.2 });
    }
  }
  return reportFigure(name, title.replace(/^./, (c) => c.toUpperCase()), caption, fig);
}

/** ‖∂L/∂hᵢ‖ per layer: the backpropagated signal. */
export function depthInputGradFigure(r: DepthGradientsResult): ReportFigure {
  return perLayerFigure(
    r,
    "input-gradients",
    `gradient reaching each layer, ${r.depth} layers of width ${r.width}`,
    "‖∂L/∂hᵢ‖",
    "Backpropagation multiplies the gradient by every layer's Jacobian. Too-small weights shrink it layer after layer (vanishing), too-large ones grow it (exploding), He initialization keeps it level; with residual connections every init stays within a small factor.",
    (run) => run.inputGradNorm,
  );
}

/** ‖∂L/∂Wᵢ‖ per layer: what the optimizer sees. */
export function depthWeightGradFigure(r: DepthGradientsResult): ReportFigure {
  return perLayerFigure(
    r,
    "weight-gradients",
    `gradient of each layer's weights, ${r.depth} layers of width ${r.width}`,
    "‖∂L/∂Wᵢ‖",
    "The weight gradient is the backward signal times the layer's input. With small weights the first layers get almost no gradient; with large weights every layer's gradient is enormous.",
    (run) => run.weightGradNorm,
  );
}

/**
 * The depth report.
 * @example
 * const report = depthReport(examples.depthGradients({ depth: 50, seed: 0 }), { seed: 0 });
 */
export function depthReport(r: DepthGradientsResult, settings: { seed: number }): Report {
  const last = r.depth - 1;
  const ratio = (run: DepthRun) => run.inputGradNorm[0] / run.inputGradNorm[last];
  const results: Record<string, number> = {};
  for (const run of r.runs) results[`${run.residual ? "residual" : "plain"} ${run.init}: ‖∂L/∂h₁‖ / ‖∂L/∂h_last‖`] = ratio(run);
  const row = (run: DepthRun, i: number) => [run.residual ? "residual" : "plain", run.init, i + 1, run.inputGradNorm[i], run.weightGradNorm[i], run.activationRms[i], run.jacobianRmsGain[i]];
  return {
    experiment: "depth",
    title: "Vanishing and exploding gradients through depth",
    description:
      `A stack of ${r.depth} ReLU layers of width ${r.width} (batch ${r.batchSize}) is run forward and backward once, with weights drawn at half, exactly and twice the He scale, ` +
      `without and with residual connections hᵢ₊₁ = hᵢ + α·fᵢ(hᵢ) (α = ${+r.residualScale.toFixed(3)}). The gradient at each layer is the product of the Jacobians above it, so its size changes geometrically with depth.`,
    settings: { seed: settings.seed, depth: r.depth, width: r.width, "batch size": r.batchSize, "residual scale": r.residualScale },
    status: { completed: true, stepsRun: 1, stepsRequested: 1 },
    results,
    summary: r.summary,
    figures: [depthInputGradFigure(r), depthWeightGradFigure(r)],
    tables: [
      {
        name: "metrics",
        title: "per layer: gradient norms, activation size and Jacobian gain, for each network",
        columns: ["net", "init", "layer", "input_grad_norm", "weight_grad_norm", "activation_rms", "jacobian_rms_gain"],
        rows: r.runs.flatMap((run) => run.inputGradNorm.map((_, i) => row(run, i))),
      },
    ],
  };
}
