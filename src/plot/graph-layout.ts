/**
 * Layered (Sugiyama-style) layout for small DAGs, left to right:
 * 1. layers by longest path from the sources, with sources pulled right next
 *    to their first consumer;
 * 2. long edges split by dummy nodes so every edge spans one layer;
 * 3. crossings reduced by barycentric sweeps, keeping the best ordering seen;
 * 4. vertical positions relaxed towards neighbours' centres without overlap.
 */

export interface LayoutInput {
  nodes: Array<{ id: string; width: number; height: number }>;
  /**
   * `port` in [0, 1) orders several edges entering the same node (e.g. by
   * argument index) so that ordering keeps argument 0 above argument 1.
   */
  edges: Array<{ from: string; to: string; port?: number }>;
}

export interface LayoutNode {
  id: string;
  layer: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LayoutResult {
  nodes: Map<string, LayoutNode>;
  /** For each input edge (same order), the centres of its dummy nodes. */
  bends: Array<Array<[number, number]>>;
  width: number;
  height: number;
}

export interface LayoutOptions {
  layerGap?: number;
  nodeGap?: number;
  margin?: number;
}

interface V {
  id: string;
  dummy: boolean;
  w: number;
  h: number;
  layer: number;
  y: number;
}

/** Layer index per node; throws on cycles or unknown endpoints. */
export function assignLayers(ids: string[], edges: Array<{ from: string; to: string }>): Map<string, number> {
  const preds = new Map<string, string[]>(ids.map((id) => [id, []]));
  const succs = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of edges) {
    if (!preds.has(e.to) || !succs.has(e.from)) throw new Error(`graph edge ${e.from} -> ${e.to} references an unknown node`);
    preds.get(e.to)!.push(e.from);
    succs.get(e.from)!.push(e.to);
  }
  const indeg = new Map(ids.map((id) => [id, preds.get(id)!.length]));
  const queue = ids.filter((id) => indeg.get(id) === 0);
  const order: string[] = [];
  while (queue.length) {
    const v = queue.shift()!;
    order.push(v);
    for (const w of succs.get(v)!) {
      indeg.set(w, indeg.get(w)! - 1);
      if (indeg.get(w) === 0) queue.push(w);
    }
  }
  if (order.length !== ids.length) throw new Error("graph has a cycle; only DAGs can be laid out");
  const layer = new Map<string, number>();
  for (const v of order) layer.set(v, Math.max(-1, ...preds.get(v)!.map((p) => layer.get(p)!)) + 1);
  // A source used late (a bias, a target value) would otherwise sit in layer 0
  // with one very long edge; place it just before its earliest consumer.
  for (const v of order) {
    const s = succs.get(v)!;
    if (preds.get(v)!.length === 0 && s.length) layer.set(v, Math.min(...s.map((w) => layer.get(w)!)) - 1);
  }
  return layer;
}

type Ports = Map<string, number>;
const portKey = (a: string, b: string) => `${a}\u0001${b}`;

function crossings(layers: V[][], adj: Map<string, string[]>, ports: Ports): number {
  let total = 0;
  for (let l = 0; l + 1 < layers.length; l++) {
    const pos = new Map(layers[l + 1].map((v, i) => [v.id, i]));
    const segs: Array<[number, number]> = [];
    layers[l].forEach((v, i) =>
      (adj.get(v.id) ?? []).forEach((w) => pos.has(w) && segs.push([i, pos.get(w)! + (ports.get(portKey(v.id, w)) ?? 0) * 0.9])),
    );
    for (let a = 0; a < segs.length; a++) {
      for (let b = a + 1; b < segs.length; b++) {
        if ((segs[a][0] - segs[b][0]) * (segs[a][1] - segs[b][1]) < 0) total++;
      }
    }
  }
  return total;
}

function sortByBarycenter(layer: V[], ref: V[], nbrs: Map<string, string[]>, ports: Ports, towardsSucc: boolean): V[] {
  const pos = new Map(ref.map((v, i) => [v.id, i]));
  const key = layer.map((v, i) => {
    const ps = (nbrs.get(v.id) ?? [])
      .filter((n) => pos.has(n))
      .map((n) => pos.get(n)! + (towardsSucc ? (ports.get(portKey(v.id, n)) ?? 0) * 0.9 : 0));
    // Nodes without neighbours in the reference layer keep their current slot.
    return { v, k: ps.length ? ps.reduce((a, b) => a + b, 0) / ps.length : i, i };
  });
  key.sort((a, b) => a.k - b.k || a.i - b.i);
  return key.map((e) => e.v);
}

/**
 * Computes positions (top-left corners) for every node and bend points for
 * every edge.
 *
 * @example
 * const r = layeredLayout({ nodes: [{ id: "a", width: 40, height: 20 }, { id: "b", width: 40, height: 20 }], edges: [{ from: "a", to: "b" }] });
 * r.nodes.get("a")!.x < r.nodes.get("b")!.x; // true
 */
export function layeredLayout(input: LayoutInput, opts: LayoutOptions = {}): LayoutResult {
  const layerGap = opts.layerGap ?? 70;
  const nodeGap = opts.nodeGap ?? 26;
  const margin = opts.margin ?? 16;
  const ids = input.nodes.map((n) => n.id);
  const layerOf = assignLayers(ids, input.edges);
  const verts = new Map<string, V>();
  for (const n of input.nodes) verts.set(n.id, { id: n.id, dummy: false, w: n.width, h: n.height, layer: layerOf.get(n.id)!, y: 0 });
  const succ = new Map<string, string[]>();
  const pred = new Map<string, string[]>();
  const link = (a: string, b: string) => {
    (succ.get(a) ?? succ.set(a, []).get(a)!).push(b);
    (pred.get(b) ?? pred.set(b, []).get(b)!).push(a);
  };
  const ports: Ports = new Map();
  const chains: string[][] = input.edges.map((e, k) => {
    const la = layerOf.get(e.from)!;
    const lb = layerOf.get(e.to)!;
    const chain: string[] = [];
    let prev = e.from;
    for (let l = la + 1; l < lb; l++) {
      const id = `\u0000dummy${k}:${l}`;
      verts.set(id, { id, dummy: true, w: 0, h: 8, layer: l, y: 0 });
      chain.push(id);
      link(prev, id);
      prev = id;
    }
    link(prev, e.to);
    if (e.port !== undefined) ports.set(portKey(prev, e.to), e.port);
    return chain;
  });
  const nLayers = Math.max(0, ...[...verts.values()].map((v) => v.layer)) + 1;
  let layers: V[][] = Array.from({ length: nLayers }, () => []);
  for (const v of verts.values()) layers[v.layer].push(v);

  let best = layers.map((l) => [...l]);
  let bestCross = crossings(layers, succ, ports);
  for (let it = 0; it < 12 && bestCross > 0; it++) {
    if (it % 2 === 0) for (let l = nLayers - 2; l >= 0; l--) layers[l] = sortByBarycenter(layers[l], layers[l + 1], succ, ports, true);
    else for (let l = 1; l < nLayers; l++) layers[l] = sortByBarycenter(layers[l], layers[l - 1], pred, ports, false);
    const c = crossings(layers, succ, ports);
    if (c < bestCross) {
      bestCross = c;
      best = layers.map((l) => [...l]);
    }
  }
  layers = best;

  // Stack each layer, centred on the tallest one.
  const extentOf = (l: V[]) => l.reduce((a, v) => a + v.h, 0) + nodeGap * Math.max(0, l.length - 1);
  const tallest = Math.max(0, ...layers.map(extentOf));
  for (const l of layers) {
    let y = (tallest - extentOf(l)) / 2;
    for (const v of l) {
      v.y = y;
      y += v.h + nodeGap;
    }
  }
  const centre = (v: V) => v.y + v.h / 2;
  // Relaxation: move each node towards the mean centre of its neighbours, then
  // restore the minimum gaps by sweeping down and back up the layer.
  for (let it = 0; it < 16; it++) {
    const nb = it % 2 === 0 ? pred : succ;
    for (const l of layers) {
      for (const v of l) {
        const ns = [...(nb.get(v.id) ?? [])].map((id) => verts.get(id)!);
        if (ns.length) v.y = ns.reduce((a, n) => a + centre(n), 0) / ns.length - v.h / 2;
      }
      for (let i = 1; i < l.length; i++) l[i].y = Math.max(l[i].y, l[i - 1].y + l[i - 1].h + nodeGap);
      for (let i = l.length - 2; i >= 0; i--) l[i].y = Math.min(l[i].y, l[i + 1].y - l[i].h - nodeGap);
    }
  }
  const minY = Math.min(...[...verts.values()].map((v) => v.y));
  const layerW = layers.map((l) => Math.max(0, ...l.map((v) => v.w)));
  const layerX: number[] = [];
  let x = margin;
  for (let l = 0; l < nLayers; l++) {
    layerX.push(x);
    x += layerW[l] + layerGap;
  }
  const nodes = new Map<string, LayoutNode>();
  let maxY = 0;
  for (const v of verts.values()) {
    const y = v.y - minY + margin;
    maxY = Math.max(maxY, y + v.h);
    if (v.dummy) continue;
    // Narrow nodes are centred within their layer column.
    nodes.set(v.id, { id: v.id, layer: v.layer, x: layerX[v.layer] + (layerW[v.layer] - v.w) / 2, y, width: v.w, height: v.h });
  }
  const bends = chains.map((chain) =>
    chain.map((id) => {
      const v = verts.get(id)!;
      return [layerX[v.layer] + layerW[v.layer] / 2, v.y - minY + margin + v.h / 2] as [number, number];
    }),
  );
  return { nodes, bends, width: x - layerGap + margin, height: maxY + margin };
}
