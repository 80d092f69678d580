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
    const byId = new Map(g.nodes.map((n) => [n.id, n]));
    for (const e of backwardEdges(g)) {
      const label = gradLabel(byId.get(e.from)!, maxInline);
      out.push(
        `  ${dotString(e.to)} -> ${dotString(e.from)} [style=dashed, color="#d62728", fontcolor="#d62728", constraint=false, label=${dotString(label)}];`,
      );
    }
  }
  out.push("}");
  return out.join("\n") + "\n";
}
