// Computation graphs for people: the line model ŷ = w·x + b with L = (ŷ − y)² and the tanh
// neuron a = tanh(w·x + b) with L = ½(a − y)², recorded by `tg.trace` with values and
// gradients, with the operation nodes renamed after the quantities they compute.

import * as tg from "../index.js";
import { renderGraphSVG, toDot, type GraphData } from "../plot/index.js";
import type { ReportFigure } from "./types.js";

/** Scalar values of a one-example model: weight, input, bias and target. */
export interface ScalarExample {
  w: number;
  x: number;
  b: number;
  y: number;
}

// Op nodes come out of `trace` in evaluation order; give them the names used in the text.
function nameOps(g: GraphData, names: readonly string[]): GraphData {
  let k = 0;
  const nodes = g.nodes.map((n) => (n.kind === "op" || n.kind === "output") && k < names.length ? { ...n, label: names[k++] } : n);
  return { nodes, edges: g.edges };
}

function inputs(v: ScalarExample): Record<"w" | "x" | "b" | "y", tg.Tensor> {
  return {
    w: tg.scalar(v.w, "float64").setRequiresGrad(),
    x: tg.scalar(v.x, "float64"),
    b: tg.scalar(v.b, "float64").setRequiresGrad(),
    y: tg.scalar(v.y, "float64"),
  };
}

/**
 * The graph of ŷ = w·x + b, L = (ŷ − y)² at the given values, with every node's value and ∂L/∂node.
 * @example
 * const g = lineModelGraph({ w: 0.5, x: 2, b: 3, y: 5 });
 * g.nodes.find((n) => n.label === "w")!.grad; // 2·(ŷ − y)·x = −4
 */
export function lineModelGraph(v: ScalarExample): GraphData {
  const g = tg.trace(({ w, x, b, y }) => {
    const r = w.mul(x).add(b).sub(y);
    return r.mul(r);
  }, inputs(v));
  return nameOps(g, ["w·x", "ŷ", "ŷ − y", "L"]);
}

/**
 * The graph of the tanh neuron z = w·x + b, a = tanh(z), L = ½(a − y)² at the given values.
 * @example
 * const g = neuronGraph({ w: -0.5, x: 2, b: 1, y: 0.8 });
 */
export function neuronGraph(v: ScalarExample): GraphData {
  const g = tg.trace(({ w, x, b, y }) => {
    const r = w.mul(x).add(b).tanh().sub(y);
    return r.mul(r).mul(0.5);
  }, inputs(v));
  return nameOps(g, ["w·x", "z", "a", "a − y", "(a − y)²", "L"]);
}

/** Width and height attributes of an SVG document's root element. */
export function svgSize(svg: string): { width: number; height: number } {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0] ?? "";
  const attr = (k: string) => Number(new RegExp(`\\b${k}="([\\d.]+)"`).exec(root)?.[1] ?? NaN);
  return { width: attr("width"), height: attr("height") };
}

/** A computation graph as a report figure (forward edges solid, gradients dashed red). */
export function graphFigure(name: string, title: string, caption: string, g: GraphData): ReportFigure {
  const svg = renderGraphSVG(g, { title });
  return { name, title, caption, svg, ...svgSize(svg) };
}

/** The line model's graph as DOT source for Graphviz. */
export function lineModelDot(v: ScalarExample): string {
  return toDot(lineModelGraph(v), { title: "ŷ = w·x + b,  L = (ŷ − y)²" });
}
