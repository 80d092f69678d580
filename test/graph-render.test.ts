import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { toDot, renderGraphSVG, renderGraphPNG, layeredLayout, assignLayers, type GraphData } from "../src/plot/index.js";
import { parseSvg, byClass, select, pngHeader } from "./golden/svg-tools.js";

// ŷ = w·x + b, L = (ŷ − y)², with values and gradients worked out by hand:
// w = 2, x = 3, b = 0.5, y = 7  =>  ŷ = 6.5, r = ŷ − y = -0.5, L = 0.25,
// ∂L/∂r = 2r = -1, ∂L/∂ŷ = -1, ∂L/∂b = -1, ∂L/∂w = -1·x = -3.
function linearRegressionGraph(): GraphData {
  const s = { shape: [] as number[], dtype: "float32" };
  return {
    nodes: [
      { id: "x", kind: "input", label: "x", ...s, value: 3 },
      { id: "w", kind: "param", label: "w", ...s, value: 2, grad: -3 },
      { id: "b", kind: "param", label: "b", ...s, value: 0.5, grad: -1 },
      { id: "mul", kind: "op", label: "w·x", op: "mul", ...s, value: 6, grad: -1, formula: "∂L/∂w = g·x" },
      { id: "yhat", kind: "op", label: "ŷ", op: "add", ...s, value: 6.5, grad: -1, formula: "∂L/∂a = g" },
      { id: "y", kind: "input", label: "y", ...s, value: 7 },
      { id: "r", kind: "op", label: "ŷ − y", op: "sub", ...s, value: -0.5, grad: -1, formula: "∂L/∂ŷ = g" },
      { id: "L", kind: "output", label: "L", op: "square", ...s, value: 0.25, grad: 1, formula: "∂L/∂r = 2r·g" },
    ],
    edges: [
      { from: "w", to: "mul", argIndex: 0 },
      { from: "x", to: "mul", argIndex: 1 },
      { from: "mul", to: "yhat", argIndex: 0 },
      { from: "b", to: "yhat", argIndex: 1 },
      { from: "yhat", to: "r", argIndex: 0 },
      { from: "y", to: "r", argIndex: 1 },
      { from: "r", to: "L", argIndex: 0 },
    ],
  };
}

test("toDot: left-to-right digraph, solid forward and dashed labelled backward edges", () => {
  const g = linearRegressionGraph();
  const dot = toDot(g);
  assert.match(dot, /^digraph G \{/);
  assert.match(dot, /rankdir=LR;/);
  assert.equal((dot.match(/\{/g) ?? []).length, (dot.match(/\}/g) ?? []).length);
  for (const n of g.nodes) assert.ok(dot.includes(`"${n.id}" [label=`), `node ${n.id} declared`);
  const edgeLines = dot.split("\n").filter((l) => l.includes("->"));
  const forward = edgeLines.filter((l) => !l.includes("dashed"));
  const backward = edgeLines.filter((l) => l.includes("style=dashed"));
  assert.equal(forward.length, 7);
  // Data inputs x and y carry no gradient, so 5 of the 7 edges have a backward twin.
  assert.equal(backward.length, 5);
  assert.ok(backward.every((l) => /constraint=false/.test(l) && /label="∂L\/∂/.test(l)));
  assert.ok(dot.includes('"mul" -> "w" [style=dashed') && dot.includes('label="∂L/∂w = -3"'));
  assert.ok(dot.includes('label="∂L/∂(ŷ − y) = -1"'), "compound labels are parenthesised");
  assert.ok(!dot.includes('"mul" -> "x" [style=dashed'), "no gradient edge into a data input");
  assert.ok(toDot(g, { backward: false }).split("\n").every((l) => !l.includes("dashed")));
});

test("toDot is accepted by Graphviz when it is installed", { skip: spawnSync("dot", ["-V"]).status !== 0 && "graphviz not installed" }, () => {
  const r = spawnSync("dot", ["-Tsvg"], { input: toDot(linearRegressionGraph(), { title: 'quote " and \\ backslash' }) });
  assert.equal(r.status, 0, String(r.stderr));
  assert.match(String(r.stdout), /<svg/);
});

test("layering: sources sit right before their first consumer, loss in the last layer", () => {
  const g = linearRegressionGraph();
  const layer = assignLayers(g.nodes.map((n) => n.id), g.edges);
  assert.equal(layer.get("w"), 0);
  assert.equal(layer.get("x"), 0);
  assert.equal(layer.get("mul"), 1);
  assert.equal(layer.get("b"), 1, "bias placed next to the add");
  assert.equal(layer.get("yhat"), 2);
  assert.equal(layer.get("y"), 2);
  assert.equal(layer.get("L"), 4);
  assert.throws(() => assignLayers(["a", "b"], [{ from: "a", to: "b" }, { from: "b", to: "a" }]), /cycle/);
  assert.throws(() => assignLayers(["a"], [{ from: "a", to: "zz" }]), /unknown node/);
});

test("layout: barycentric ordering removes crossings and keeps argument order", () => {
  // a feeds d (arg 1) and b feeds d (arg 0) listed in the 'wrong' order.
  const r = layeredLayout({
    nodes: ["a", "b", "c", "d"].map((id) => ({ id, width: 40, height: 20 })),
    edges: [
      { from: "a", to: "d", port: 0.5 },
      { from: "b", to: "d", port: 0 },
      { from: "a", to: "c" },
      { from: "c", to: "d", port: 0.75 },
    ],
  });
  const y = (id: string) => r.nodes.get(id)!.y;
  const x = (id: string) => r.nodes.get(id)!.x;
  assert.ok(x("a") < x("c") && x("c") < x("d"));
  assert.ok(y("b") < y("a"), "arg 0 source above arg 1 source");
  assert.ok(y("b") < y("c"), "within a layer, ordered by the consumer's argument slots");
  // The a -> d edge skips a layer and gets one bend point.
  assert.equal(r.bends[0].length, 1);
  // Boxes in the same layer never overlap.
  const nodes = [...r.nodes.values()];
  for (const p of nodes) for (const q of nodes) {
    if (p === q || p.layer !== q.layer) continue;
    assert.ok(p.y + p.height <= q.y || q.y + q.height <= p.y);
  }
});

function nodePositions(svg: string): Map<string, { x: number; y: number; kind: string }> {
  const els = parseSvg(svg);
  const out = new Map<string, { x: number; y: number; kind: string }>();
  for (const n of byClass(els, "node")) {
    const m = /translate\(([-\d.]+),([-\d.]+)\)/.exec(n.attrs.transform)!;
    out.set(n.attrs["data-id"], { x: Number(m[1]), y: Number(m[2]), kind: n.attrs["data-kind"] });
  }
  return out;
}

test("renderGraphSVG: well-formed, inputs left of ops left of the loss", () => {
  const g = linearRegressionGraph();
  const svg = renderGraphSVG(g, { title: "ŷ = w·x + b" });
  const els = parseSvg(svg);
  const pos = nodePositions(svg);
  assert.equal(pos.size, g.nodes.length);
  const x = (id: string) => pos.get(id)!.x;
  for (const input of ["x", "w"]) assert.ok(x(input) < x("mul"));
  assert.ok(x("mul") < x("yhat") && x("b") < x("yhat"));
  assert.ok(x("yhat") < x("r") && x("y") < x("r"));
  assert.ok(x("r") < x("L"));
  for (const [id, p] of pos) if (id !== "L") assert.ok(p.x < x("L"), `${id} left of the loss`);
  assert.equal(pos.get("L")!.kind, "output");

  const fwd = byClass(els, "forward").filter((e) => e.tag === "path");
  const bwd = byClass(els, "backward").filter((e) => e.tag === "path");
  assert.equal(fwd.length, 7);
  assert.equal(bwd.length, 5);
  assert.ok(fwd.every((e) => !e.attrs["stroke-dasharray"] && e.attrs["marker-end"] === "url(#arrow-fwd)"));
  assert.ok(bwd.every((e) => e.attrs["stroke-dasharray"] && e.attrs.stroke !== fwd[0].attrs.stroke));
  // Gradient edges run right to left: they start at the consumer, end at the producer.
  for (const e of bwd) assert.ok(x(e.attrs["data-from"]) > x(e.attrs["data-to"]));
  const labels = select(els, "text", "grad-label").map((t) => t.text);
  assert.ok(labels.includes("∂L/∂w = -3") && labels.includes("∂L/∂b = -1"), labels.join(" | "));
  // Boxes show op name, shape, value, grad and the VJP rule.
  const nodeText = select(els, "text", "node").map((t) => t.text);
  for (const s of ["mul", "scalar float32", "value = 6.5", "grad = -3", "∂L/∂w = g·x"]) assert.ok(nodeText.includes(s), s);
  assert.ok(select(els, "marker").length === 2);
});

test("renderGraphSVG: large tensors show shape only; backward edges can be hidden", () => {
  const g: GraphData = {
    nodes: [
      { id: "X", kind: "input", label: "X", shape: [32, 3], dtype: "float32", value: new Array(96).fill(1) },
      { id: "W", kind: "param", label: "W", shape: [3, 2], dtype: "float32", grad: [1, 2, 3, 4, 5, 6] },
      { id: "mm", kind: "output", label: "Z", op: "matmul", shape: [32, 2], dtype: "float32" },
    ],
    edges: [{ from: "X", to: "mm", argIndex: 0 }, { from: "W", to: "mm", argIndex: 1 }],
  };
  const els = parseSvg(renderGraphSVG(g, { backward: false }));
  const t = select(els, "text", "node").map((e) => e.text);
  assert.ok(t.includes("[32, 3] float32"));
  assert.ok(!t.some((s) => s.startsWith("value =")));
  assert.ok(!t.some((s) => s.startsWith("grad =")), "6 elements exceed the inline limit");
  assert.equal(byClass(els, "backward").length, 0);
  const t8 = select(parseSvg(renderGraphSVG(g, { maxInline: 8 })), "text", "node").map((e) => e.text);
  assert.ok(t8.includes("grad = [1, 2, 3, 4, 5, 6]"));
});

test("renderGraphPNG: rasterizes to a PNG of the SVG's size", async () => {
  const g = linearRegressionGraph();
  const svg = renderGraphSVG(g);
  const w = Number(/width="([\d.]+)"/.exec(svg)![1]);
  const png = await renderGraphPNG(g, { scale: 1 });
  const h = pngHeader(png);
  assert.deepEqual(h.signature.slice(1, 4), [0x50, 0x4e, 0x47]);
  assert.equal(h.width, Math.round(w));
});
