/**
 * Computation graphs given as plain data: Graphviz DOT export and the node labels that the
 * SVG/PNG renderer (./graph-svg.ts, layered layout, no Graphviz needed) shares.
 */
import { formatNumber } from "./scale.js";

import type { GraphData, GraphEdge, GraphNode } from "../trace/types.js";

export type { GraphData, GraphEdge, GraphNode };

export interface GraphRenderOptions {
  title?: string;
  /** Draw gradient (backward) edges (default true). */
  backward?: boolean;
  /** Show values/grads inline when they have at most this many elements (default 4). */
  maxInline?: number;
  fontSize?: number;
  /**
   * "horizontal" (inputs on the left), "vertical" (inputs on top) or "auto" (default):
   * horizontal unless that is wider than `maxWidth`.
   */
  direction?: "horizontal" | "vertical" | "auto";
  /** Widest horizontal drawing "auto" accepts, in px (default 1170: 12 px text stays ≥ 9 px at 880 px). */
  maxWidth?: number;
}

/** "scalar" for rank 0, otherwise "[2, 3]". */
export function formatShape(shape: number[]): string {
  return shape.length === 0 ? "scalar" : `[${shape.join(", ")}]`;
}

/** Number of elements of a value, 1 for scalars. */
function sizeOf(v: number[] | number): number {
  return typeof v === "number" ? 1 : v.length;
}

/**
 * Short text for a value or gradient, or null when it has more than `maxInline`
 * elements (boxes then show only the shape).
 *
 * @example
 * formatValue([0.5, 1.25]); // "[0.5, 1.25]"
 */
export function formatValue(v: number[] | number | undefined, maxInline = 4): string | null {
  if (v === undefined || sizeOf(v) > maxInline) return null;
  if (typeof v === "number") return formatNumber(v);
  return `[${v.map((x) => formatNumber(x)).join(", ")}]`;
}

/**
 * Which forward edges get a gradient edge: all of them, except those leaving
 * plain inputs that carry no gradient (data and targets are not differentiated).
 */
export function backwardEdges(g: GraphData): GraphEdge[] {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  return g.edges.filter((e) => {
    const src = byId.get(e.from);
    return src !== undefined && !(src.kind === "input" && src.grad === undefined);
  });
}

/** Label of the gradient flowing back into `node`: "∂L/∂w = 0.5" (value only when small). */
export function gradLabel(node: GraphNode, maxInline = 4): string {
  // Compound labels ("w·x", "ŷ − y") are parenthesised: ∂L/∂(w·x).
  const name = /^[\p{L}\p{M}\p{N}_']+$/u.test(node.label) ? node.label : `(${node.label})`;
  const v = formatValue(node.grad, maxInline);
  return v === null ? `∂L/∂${name}` : `∂L/∂${name} = ${v}`;
}

/**
 * The gradient each backward edge carries: ∂L/∂(from) through this one use of `from` by `to`,
 * computed from the scalar values of the graph for the elementwise operations (mul, add, sub,
 * div, neg, tanh, exp, log, square, sqrt, relu, sigmoid). A node used twice (r·r) gets two
 * contributions that add up to its gradient. Undefined where it cannot be worked out (tensors,
 * other operations).
 * @example
 * const shares = edgeGradients(lineModelGraph({ w: 0.5, x: 2, b: 3, y: 5 })); // r·r: two shares of −1
 */
export function edgeGradients(g: GraphData): Map<GraphEdge, number | undefined> {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const args = new Map<string, GraphEdge[]>();
  for (const e of g.edges) args.set(e.to, [...(args.get(e.to) ?? []), e]);
  const scalar = (v: number[] | number | undefined) => (typeof v === "number" ? v : Array.isArray(v) && v.length === 1 ? v[0] : undefined);
  const out = new Map<GraphEdge, number | undefined>();
  for (const e of g.edges) {
    const to = byId.get(e.to);
    const gOut = scalar(to?.grad);
    const y = scalar(to?.value);
    const ins = (args.get(e.to) ?? []).slice().sort((a, b) => a.argIndex - b.argIndex).map((a) => scalar(byId.get(a.from)?.value));
    const a = ins[0];
    const b = ins[1];
    let local: number | undefined;
    if (to && gOut !== undefined && ins.every((v) => v !== undefined)) {
      const i = e.argIndex;
      switch (to.op) {
        case "mul": local = i === 0 ? b : a; break;
        case "add": local = 1; break;
        case "sub": local = i === 0 ? 1 : -1; break;
        case "div": local = i === 0 ? 1 / b! : -a! / (b! * b!); break;
        case "neg": local = -1; break;
        case "tanh": local = y === undefined ? undefined : 1 - y * y; break;
        case "exp": local = y; break;
        case "log": local = 1 / a!; break;
        case "square": local = 2 * a!; break;
        case "sqrt": local = y === undefined ? undefined : 0.5 / y; break;
        case "relu": local = a! > 0 ? 1 : 0; break;
        case "sigmoid": local = y === undefined ? undefined : y * (1 - y); break;
        default: local = undefined;
      }
    }
    out.set(e, local === undefined || gOut === undefined ? undefined : gOut * local);
  }
  return out;
}

/**
 * Label of a backward edge. A node used once gets its gradient ("∂L/∂w = 0.5"); a node used
 * several times gets this use's share ("∂L/∂(ŷ − y) += −1"), so the labels add up to the
 * gradient in its box instead of repeating it.
 * @example
 * edgeGradLabel(g, g.edges[0]); // "∂L/∂w = -4"
 */
export function edgeGradLabel(g: GraphData, e: GraphEdge, maxInline = 4, contributions = edgeGradients(g)): string {
  const from = g.nodes.find((n) => n.id === e.from)!;
  const uses = backwardEdges(g).filter((b) => b.from === e.from).length;
  if (uses <= 1) return gradLabel(from, maxInline);
  const name = /^[\p{L}\p{M}\p{N}_']+$/u.test(from.label) ? from.label : `(${from.label})`;
  const c = contributions.get(e);
  return c === undefined ? `∂L/∂${name} += (part ${e.argIndex + 1} of ${uses})` : `∂L/∂${name} += ${formatNumber(c)}`;
}

function dotString(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

const DOT_STYLE: Record<GraphNode["kind"], string> = {
  input: 'shape=ellipse, style=filled, fillcolor="#e3eefa", color="#4a7ab5"',
  param: 'shape=box, style=filled, fillcolor="#fff1d0", color="#c98a12"',
  op: 'shape=box, style="rounded,filled", fillcolor="#eeeeee", color="#666666"',
  output: 'shape=doubleoctagon, style=filled, fillcolor="#fbdedd", color="#c0392b"',
};

/** Text lines shown for a node (label/op, shape and dtype, value, grad, VJP rule). */
export function nodeLines(n: GraphNode, maxInline = 4): Array<{ text: string; role: "title" | "op" | "meta" | "value" | "grad" | "formula" }> {
  const lines: Array<{ text: string; role: "title" | "op" | "meta" | "value" | "grad" | "formula" }> = [
    { text: n.label, role: "title" },
  ];
  if (n.op) lines.push({ text: n.op, role: "op" });
  lines.push({ text: `${formatShape(n.shape)} ${n.dtype}`, role: "meta" });
  const v = formatValue(n.value, maxInline);
  if (v !== null) lines.push({ text: `value = ${v}`, role: "value" });
  const gr = formatValue(n.grad, maxInline);
  if (gr !== null) lines.push({ text: `grad = ${gr}`, role: "grad" });
  if (n.formula) lines.push({ text: n.formula, role: "formula" });
  return lines;
}

/**
 * Graphviz DOT source: left-to-right ranks, solid forward edges, dashed red
 * backward edges labelled with the gradient. Backward edges use
 * `constraint=false` so they do not disturb the ranking.
 *
 * @example
 * const dot = toDot({
 *   nodes: [
 *     { id: "x", kind: "input", label: "x", shape: [], dtype: "float32", value: 2 },
 *     { id: "sq", kind: "output", label: "L", op: "square", shape: [], dtype: "float32", value: 4 },
 *   ],
 *   edges: [{ from: "x", to: "sq", argIndex: 0 }],
 * });
 * // dot -Tsvg graph.dot > graph.svg
 */
export function toDot(g: GraphData, opts: GraphRenderOptions = {}): string {
  const maxInline = opts.maxInline ?? 4;
  const out: string[] = ["digraph G {", "  rankdir=LR;"];
  if (opts.title) out.push(`  label=${dotString(opts.title)};`, "  labelloc=t;");
  out.push('  node [fontname="DejaVu Sans", fontsize=11];', '  edge [fontname="DejaVu Sans", fontsize=10];');
  for (const n of g.nodes) {
    const label = nodeLines(n, maxInline).map((l) => l.text).join("\n");
    out.push(`  ${dotString(n.id)} [label=${dotString(label)}, ${DOT_STYLE[n.kind]}];`);
  }
  const fanIn = new Map<string, number>();
  for (const e of g.edges) fanIn.set(e.to, (fanIn.get(e.to) ?? 0) + 1);
  for (const e of g.edges) {
    const lbl = (fanIn.get(e.to) ?? 0) > 1 ? ` [headlabel=${dotString(String(e.argIndex))}]` : "";
    out.push(`  ${dotString(e.from)} -> ${dotString(e.to)}${lbl};`);
  }
  if (opts.backward ?? true) {
    const contributions = edgeGradients(g);
    for (const e of backwardEdges(g)) {
      const label = edgeGradLabel(g, e, maxInline, contributions);
      out.push(
        `  ${dotString(e.to)} -> ${dotString(e.from)} [style=dashed, color="#d62728", fontcolor="#d62728", constraint=false, label=${dotString(label)}];`,
      );
    }
  }
  out.push("}");
  return out.join("\n") + "\n";
}
