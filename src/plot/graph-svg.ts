/** SVG rendering of computation graphs on top of the layered layout. */
import { el, group, num, svgDocument, text, textWidth } from "./svg.js";
import { layeredLayout, type LayoutNode } from "./graph-layout.js";
import { backwardEdges, edgeGradients, edgeGradLabel, nodeLines, type GraphData, type GraphEdge, type GraphNode, type GraphRenderOptions } from "./graph.js";
import { svgToPNG, type PNGOptions } from "./raster.js";

const FILL: Record<GraphNode["kind"], [string, string]> = {
  input: ["#e3eefa", "#4a7ab5"],
  param: ["#fff1d0", "#c98a12"],
  op: ["#f0f0f0", "#777777"],
  output: ["#fbdedd", "#c0392b"],
};
const FORWARD = "#444444";
const BACKWARD = "#d62728";
const LANE = 4; // vertical offset between a forward edge and its gradient edge

type Pt = [number, number];

/** Smooth path through points with horizontal (or, `vertical`, vertical) tangents at each point (cubic Béziers). */
function curve(pts: Pt[], vertical = false): string {
  let d = `M${num(pts[0][0])},${num(pts[0][1])}`;
  for (let i = 1; i < pts.length; i++) {
    const [x0, y0] = pts[i - 1];
    const [x1, y1] = pts[i];
    if (vertical) {
      const dy = (y1 - y0) / 2;
      d += `C${num(x0)},${num(y0 + dy)} ${num(x1)},${num(y1 - dy)} ${num(x1)},${num(y1)}`;
    } else {
      const dx = (x1 - x0) / 2;
      d += `C${num(x0 + dx)},${num(y0)} ${num(x1 - dx)},${num(y1)} ${num(x1)},${num(y1)}`;
    }
  }
  return d;
}

/**
 * The widest a left-to-right graph may be before it is drawn top to bottom: at a report's
 * width of 880 px, a 12 px font then still shows at 9 px or more.
 * @example renderGraphSVG(g, { maxWidth: MAX_GRAPH_WIDTH }) // the default
 */
export const MAX_GRAPH_WIDTH = 1170;

/** Relative position of an edge among those entering its target, by argument index. */
function portFraction(g: GraphData, e: GraphEdge): number {
  const siblings = g.edges.filter((o) => o.to === e.to).sort((a, b) => a.argIndex - b.argIndex);
  return siblings.length > 1 ? siblings.indexOf(e) / siblings.length : 0;
}

function lineWidth(t: string, role: string, fs: number): number {
  const size = role === "title" ? fs * 1.05 : role === "meta" || role === "formula" ? fs * 0.85 : fs * 0.92;
  return textWidth(t, size) * (role === "title" ? 1.08 : 1);
}

function nodeBox(n: GraphNode, maxInline: number, fs: number): { width: number; height: number } {
  const lines = nodeLines(n, maxInline);
  const w = Math.max(...lines.map((l) => lineWidth(l.text, l.role, fs)));
  return { width: Math.max(84, w + 22), height: lines.length * fs * 1.3 + 12 };
}

function renderNode(n: GraphNode, p: LayoutNode, maxInline: number, fs: number): string {
  const [fill, stroke] = FILL[n.kind];
  const rx = n.kind === "input" ? Math.min(p.height / 2, 16) : n.kind === "param" ? 2 : 8;
  const parts: string[] = [el("rect", { x: 0, y: 0, width: p.width, height: p.height, rx, fill, stroke, "stroke-width": 1.4 })];
  if (n.kind === "output") {
    parts.push(el("rect", { x: 3, y: 3, width: p.width - 6, height: p.height - 6, rx: rx - 2, fill: "none", stroke, "stroke-width": 0.8 }));
  }
  nodeLines(n, maxInline).forEach((l, k) => {
    const y = 6 + fs * 1.3 * (k + 0.78);
    const style: Record<string, string | number> =
      l.role === "title" ? { "font-size": fs * 1.05, "font-weight": "bold", fill: "#111111" }
      : l.role === "op" ? { "font-size": fs * 0.92, "font-style": "italic", fill: "#555555" }
      : l.role === "meta" ? { "font-size": fs * 0.85, fill: "#666666" }
      : l.role === "grad" ? { "font-size": fs * 0.92, fill: BACKWARD }
      : l.role === "formula" ? { "font-size": fs * 0.85, fill: "#444444" }
      : { "font-size": fs * 0.92, fill: "#1a1a1a" };
    parts.push(text(p.width / 2, y, l.text, { class: l.role, "text-anchor": "middle", ...style }));
  });
  return el("g", {
    class: "node", "data-id": n.id, "data-kind": n.kind,
    transform: `translate(${num(p.x)},${num(p.y)})`,
  }, parts);
}

/**
 * Renders a computation graph left to right (inputs -> loss) as SVG, without
 * Graphviz: forward edges are solid arrows, gradient edges dashed red arrows
 * labelled ∂L/∂(node), boxes show op, shape, and small values and grads.
 *
 * @example
 * const svg = renderGraphSVG({
 *   nodes: [
 *     { id: "w", kind: "param", label: "w", shape: [], dtype: "float32", value: 3, grad: 2 },
 *     { id: "L", kind: "output", label: "L", op: "square", shape: [], dtype: "float32", value: 9, formula: "∂L/∂w = 2w" },
 *   ],
 *   edges: [{ from: "w", to: "L", argIndex: 0 }],
 * });
 */
export function renderGraphSVG(g: GraphData, opts: GraphRenderOptions = {}): string {
  const fs = opts.fontSize ?? 12;
  const maxInline = opts.maxInline ?? 4;
  const showBack = opts.backward ?? true;
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const back = showBack ? backwardEdges(g) : [];
  const contributions = edgeGradients(g);
  const backLabel = (e: GraphEdge) => edgeGradLabel(g, e, maxInline, contributions);
  const longestLabel = Math.max(0, ...back.map((e) => textWidth(backLabel(e), fs * 0.85)));
  const boxes = g.nodes.map((n) => ({ id: n.id, ...nodeBox(n, maxInline, fs) }));
  const layoutEdges = g.edges.map((e) => ({ from: e.from, to: e.to, port: portFraction(g, e) }));
  const horizontal = layeredLayout({ nodes: boxes, edges: layoutEdges }, { layerGap: Math.min(220, Math.max(70, longestLabel + 36)), nodeGap: 30 });
  const maxWidth = opts.maxWidth ?? MAX_GRAPH_WIDTH;
  const vertical = opts.direction === "vertical" || (opts.direction !== "horizontal" && horizontal.width > maxWidth);
  // Top to bottom: lay out with the boxes turned on their side, then swap the axes back.
  let layout = horizontal;
  if (vertical) {
    const t = layeredLayout(
      { nodes: boxes.map((b) => ({ id: b.id, width: b.height, height: b.width })), edges: layoutEdges },
      { layerGap: 64, nodeGap: Math.max(30, longestLabel + 24) },
    );
    const nodesT = new Map<string, LayoutNode>();
    for (const [id, n] of t.nodes) nodesT.set(id, { ...n, x: n.y, y: n.x, width: n.height, height: n.width });
    layout = { nodes: nodesT, bends: t.bends.map((b) => b.map(([x, y]) => [y, x] as [number, number])), width: t.height, height: t.width };
  }
  const titleH = opts.title ? fs * 1.5 + 12 : 0;
  const legendH = showBack ? fs + 18 : 0;

  // Ports: incoming edges ordered by argument index on the left (top) side, outgoing edges
  // ordered by their target's position on the right (bottom) side.
  const port = new Map<GraphEdge, { out: Pt; in: Pt }>();
  const pos = (id: string) => layout.nodes.get(id)!;
  const inEdges = new Map<string, GraphEdge[]>();
  const outEdges = new Map<string, GraphEdge[]>();
  for (const e of g.edges) {
    (inEdges.get(e.to) ?? inEdges.set(e.to, []).get(e.to)!).push(e);
    (outEdges.get(e.from) ?? outEdges.set(e.from, []).get(e.from)!).push(e);
  }
  const slot = (p: LayoutNode, k: number, m: number) => (vertical ? p.x + (p.width * (k + 1)) / (m + 1) : p.y + (p.height * (k + 1)) / (m + 1));
  const inPt = new Map<GraphEdge, Pt>();
  const outPt = new Map<GraphEdge, Pt>();
  for (const [id, es] of inEdges) {
    const p = pos(id);
    [...es].sort((a, b) => a.argIndex - b.argIndex).forEach((e, k) => inPt.set(e, vertical ? [slot(p, k, es.length), p.y] : [p.x, slot(p, k, es.length)]));
  }
  for (const [id, es] of outEdges) {
    const p = pos(id);
    const across = (n: LayoutNode) => (vertical ? n.x : n.y);
    [...es].sort((a, b) => across(pos(a.to)) - across(pos(b.to))).forEach((e, k) => outPt.set(e, vertical ? [slot(p, k, es.length), p.y + p.height] : [p.x + p.width, slot(p, k, es.length)]));
  }
  g.edges.forEach((e) => port.set(e, { out: outPt.get(e)!, in: inPt.get(e)! }));

  // forward edges run one lane before (above / left of) the line between the ports, gradients one lane after
  const lane = showBack ? LANE : 0;
  const shift = ([x, y]: Pt, d: number): Pt => (vertical ? [x + d, y] : [x, y + d]);
  const tip = ([x, y]: Pt, d: number): Pt => (vertical ? [x, y + d] : [x + d, y]);
  const fwd: string[] = [];
  g.edges.forEach((e, k) => {
    const { out, in: inn } = port.get(e)!;
    const pts: Pt[] = [shift(out, -lane), ...layout.bends[k].map((b) => shift(b, -lane)), shift(tip(inn, -1), -lane)];
    fwd.push(el("path", { class: "edge forward", "data-from": e.from, "data-to": e.to, d: curve(pts, vertical), fill: "none", stroke: FORWARD, "stroke-width": 1.4, "marker-end": "url(#arrow-fwd)" }));
  });
  const bwd: string[] = [];
  const labels: string[] = [];
  const labelled = new Set<string>();
  const perSource = new Map<string, number>();
  for (const e of back) {
    const k = g.edges.indexOf(e);
    const { out, in: inn } = port.get(e)!;
    const pts: Pt[] = [shift(inn, lane), ...[...layout.bends[k]].reverse().map((b) => shift(b, lane)), shift(tip(out, 1), lane)];
    bwd.push(el("path", { class: "edge backward", "data-from": e.to, "data-to": e.from, d: curve(pts, vertical), fill: "none", stroke: BACKWARD, "stroke-width": 1.3, "stroke-dasharray": "5 3", "marker-end": "url(#arrow-bwd)" }));
    // Every gradient edge is labelled with what it carries; a node used several times gets one
    // share per edge (see edgeGradLabel), so identical labels on the same node are not merged.
    const label = backLabel(e);
    const key = `${e.from}|${e.to}|${e.argIndex}`;
    if (labelled.has(key)) continue;
    labelled.add(key);
    const a = pts[pts.length - 2];
    const b = pts[pts.length - 1];
    const w = textWidth(label, fs * 0.85) + 8;
    // top to bottom, several gradient edges into one node sit side by side and their labels
    // (beside the edges) would overlap: they stack; left to right each edge has its own height
    const nth = perSource.get(e.from) ?? 0;
    perSource.set(e.from, nth + 1);
    const stack = nth * fs * 1.35;
    const cx = (a[0] + b[0]) / 2 + (vertical ? w / 2 + 6 : 0);
    const cy = (a[1] + b[1]) / 2 + (vertical ? stack : 11);
    labels.push(group({ class: "grad-label" }, [
      el("rect", { x: cx - w / 2, y: cy - fs * 0.6, width: w, height: fs * 1.2, rx: 3, fill: "#ffffff", "fill-opacity": 0.92 }),
      text(cx, cy + fs * 0.3, label, { "text-anchor": "middle", "font-size": fs * 0.85, fill: BACKWARD }),
    ]));
  }
  const nodes = g.nodes.map((n) => renderNode(n, pos(n.id), maxInline, fs));
  const arrow = (id: string, color: string) =>
    el("marker", { id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto", markerUnits: "userSpaceOnUse" },
      el("path", { d: "M0,1L10,5L0,9Z", fill: color }));
  const width = Math.max(layout.width + (vertical ? longestLabel + 16 : 0), 330);
  const height = layout.height + titleH + legendH;
  const body = [
    el("defs", {}, [arrow("arrow-fwd", FORWARD), arrow("arrow-bwd", BACKWARD)]),
    opts.title ? text(width / 2, fs * 1.5, opts.title, { class: "graph-title", "text-anchor": "middle", "font-size": fs * 1.25, "font-weight": "bold", fill: "#111111" }) : "",
    el("g", { class: "graph", transform: `translate(0,${num(titleH)})` }, [
      group({ class: "edges forward" }, fwd),
      group({ class: "edges backward" }, bwd),
      group({ class: "nodes" }, nodes),
      group({ class: "labels" }, labels),
    ]),
  ];
  if (showBack) {
    const y = titleH + layout.height + fs * 0.4;
    body.push(group({ class: "graph-legend", "font-size": fs * 0.85, fill: "#333333" }, [
      el("line", { x1: 16, y1: y, x2: 44, y2: y, stroke: FORWARD, "stroke-width": 1.4 }),
      text(50, y + fs * 0.3, "forward (value)"),
      el("line", { x1: 170, y1: y, x2: 198, y2: y, stroke: BACKWARD, "stroke-width": 1.3, "stroke-dasharray": "5 3" }),
      text(204, y + fs * 0.3, "backward (∂L/∂·)"),
    ]));
  }
  return svgDocument(width, height, body);
}

/**
 * Renders the graph to PNG bytes (Node only).
 *
 * @example
 * await writeFile("graph.png", await renderGraphPNG(graph));
 */
export function renderGraphPNG(g: GraphData, opts: GraphRenderOptions & PNGOptions = {}): Promise<Uint8Array> {
  return svgToPNG(renderGraphSVG(g, opts), opts);
}
