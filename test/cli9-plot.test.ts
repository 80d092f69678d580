// Hostile inputs to tensorgrad/plot: degenerate and huge data ranges, tiny or non-numeric canvas
// sizes, unknown file extensions. Each must give a drawable figure or a typed error, never an
// out-of-memory crash, a hang or an abort in the native renderer. The cases that used to crash
// the process run in a child with a small heap and a time limit, so a regression fails the test
// instead of taking the test runner down.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ArgumentError, TensorGradError } from "../src/core/errors.js";
import { Figure, drawableRange, fontsAvailable, linearTicks, readPNGSize, svgToPNG } from "../src/plot/index.js";
import { parseSvg, select } from "./golden/svg-tools.js";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Runs `body` (an ES module using `plot`, the module) in a child with 256 MB of heap and 20 s. */
function isolated(body: string): { status: number | null; stdout: string; stderr: string } {
  const src = `import * as plot from ${JSON.stringify(join(root, "src/plot/index.ts"))};\n${body}`;
  const r = spawnSync(process.execPath, ["--max-old-space-size=256", "--import", "tsx", "--input-type=module", "-e", src], {
    cwd: root, encoding: "utf8", timeout: 20_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("a series whose range is one ulp or ±1e308 renders with finite, distinct ticks", () => {
  const r = isolated(`
    for (const ys of [[0.5, 0.5000000000000001], [-1e308, 1e308], [1e308, 1.7976931348623157e308], [0, Number.MIN_VALUE]]) {
      const f = new plot.Figure({ width: 400, height: 300 });
      f.axes().line([0, 1], ys).scatter([0, 1], ys);
      const svg = f.toSVG();
      const png = await f.toPNG({ scale: 1 });
      console.log(svg.length > 0, png.length > 8);
    }
  `);
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  assert.deepEqual(r.stdout.trim().split("\n"), Array(4).fill("true true"));
});

test("drawableRange: finite, increasing, wide enough to label", () => {
  for (const [lo, hi] of [[0.5, 0.5000000000000001], [-1e308, 1e308], [-Infinity, Infinity], [3, 3], [NaN, 1], [5, -5]] as const) {
    const [a, b] = drawableRange([lo, hi]);
    assert.ok(Number.isFinite(a) && Number.isFinite(b) && b > a && Number.isFinite(b / 2 - a / 2), `[${lo}, ${hi}] → [${a}, ${b}]`);
    const ticks = linearTicks(a, b, 5);
    assert.ok(ticks.length >= 2 && ticks.length <= 30, `[${lo}, ${hi}]: ${ticks.length} ticks`);
    assert.equal(new Set(ticks.map((t) => t.value)).size, ticks.length, "distinct tick values");
  }
  const [la, lb] = drawableRange([1e-320, 1e-320], true);
  assert.ok(la > 0 && lb > la && Number.isFinite(Math.log10(la)));
  // a linear tick generator asked for a range near the doubles' limit terminates
  assert.ok(linearTicks(-1.7e308, 1.7e308, 5).length <= 30);
  assert.deepEqual(linearTicks(NaN, 1, 5), []);
});

test("canvas sizes: NaN, negative and non-numeric are refused, a canvas too small for its axes is refused, never a hang or a native abort", () => {
  const r = isolated(`
    const out = [];
    for (const opts of [{ width: NaN }, { height: -3 }, { width: Infinity }, { width: "600" }, { rows: 0 }, { cols: 1.5 }]) {
      try { new plot.Figure(opts).toSVG(); out.push("accepted"); } catch (e) { out.push(e.name); }
    }
    for (const w of [5, 20]) {
      const f = new plot.Figure({ width: w });
      f.axes().line([0, 1], [0, 1]);
      try { await f.toPNG(); out.push("rendered"); } catch (e) { out.push(e.name + ":" + /too small/.test(e.message)); }
    }
    console.log(out.join(","));
  `);
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  assert.equal(r.stdout.trim(), [...Array(6).fill("ArgumentError"), "ArgumentError:true", "ArgumentError:true"].join(","));
  // a small canvas that does fit is drawn
  const f = new Figure({ width: 120, height: 90 });
  f.axes().line([0, 1], [0, 1]);
  assert.ok(select(parseSvg(f.toSVG()), "path").length >= 1);
});

test("Figure.save writes SVG or PNG as the extension says and refuses any other", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tg-plot-save-"));
  try {
    const f = new Figure({ width: 200, height: 150 });
    f.axes().line([0, 1], [0, 1]);
    for (const name of ["a.jpg", "a.jpeg", "a.pdf", "noext"]) {
      await assert.rejects(f.save(join(dir, name)), (e: Error) => e instanceof ArgumentError && /Figure\.save/.test(e.message) && /\.svg, \.png/.test(e.message), name);
      assert.equal(existsSync(join(dir, name)), false, `${name} not written`);
    }
    await f.save(join(dir, "a.PNG"));
    assert.ok(readPNGSize(readFileSync(join(dir, "a.PNG"))));
    await f.save(join(dir, "a.svg"));
    assert.match(readFileSync(join(dir, "a.svg"), "utf8"), /^<svg /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("PNG output with no font refuses (text would be missing); without text it renders", async () => {
  assert.equal(await fontsAvailable({ loadSystemFonts: false }), false);
  const withText = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><text x="2" y="15">Hg</text></svg>';
  await assert.rejects(svgToPNG(withText, { loadSystemFonts: false }), /no font could be loaded/);
  const noText = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="10" height="10"/></svg>';
  assert.ok(readPNGSize(await svgToPNG(noText, { loadSystemFonts: false })));
  if (await fontsAvailable()) assert.ok(readPNGSize(await svgToPNG(withText)));
});

test("plot errors are typed", () => {
  const f = new Figure({ rows: 1, cols: 1 });
  f.axes();
  assert.throws(() => f.axes(), (e: Error) => e instanceof TensorGradError && /Figure: grid 1x1 is full/.test(e.message));
});

test("text is measured with DejaVu Sans's own widths: legends fit their labels as resvg renders them", async () => {
  const { Resvg } = await import("@resvg/resvg-js");
  const { textWidth } = await import("../src/plot/svg.js");
  if (!(await fontsAvailable())) return;
  for (const label of ["SGD+momentum", "SGD: held-out 97.7%", "ŷ − y", "∂L/∂w = −2", "WWW iii"]) {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="40"><text x="10" y="30" font-size="20" font-family="DejaVu Sans">${label}</text></svg>`;
    const rendered = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" } }).getBBox()!.width;
    const measured = textWidth(label, 20);
    // the ink box is a little narrower than the advance widths (side bearings)
    assert.ok(measured >= rendered && measured <= rendered * 1.08 + 2, `${label}: measured ${measured.toFixed(1)}, rendered ${rendered.toFixed(1)}`);
  }
  // a legend's box holds its widest label
  const fig = new Figure({ width: 500, height: 300 });
  fig.axes({ legend: "upper right" }).line([0, 1], [0, 1], { label: "SGD+momentum" }).line([0, 1], [1, 0], { label: "SGD: held-out 97.7%" });
  const els = parseSvg(fig.toSVG());
  const box = select(els, "rect").find((r) => r.attrs.rx === "3")!;
  const labels = select(els, "text").filter((t) => /held-out|momentum/.test(t.text));
  for (const t of labels) {
    const right = Number(t.attrs.x) + textWidth(t.text, Number(t.attrs["font-size"]));
    assert.ok(right <= Number(box.attrs.x) + Number(box.attrs.width), `${t.text} ends inside the legend box`);
  }
});

test("graphs: a gradient edge carries its own share; shares of a node used twice add up to its gradient", async () => {
  const { lineModelGraph, lineModelDot, neuronGraph } = await import("../src/report/index.js");
  const { edgeGradients } = await import("../src/plot/index.js");
  for (const g of [lineModelGraph({ w: 0.5, x: 2, b: 3, y: 5 }), neuronGraph({ w: -0.5, x: 2, b: 1, y: 0.8 })]) {
    const shares = edgeGradients(g);
    for (const n of g.nodes) {
      const out = g.edges.filter((e) => e.from === n.id);
      if (typeof n.grad !== "number" || out.length === 0) continue;
      const sum = out.reduce((s, e) => s + shares.get(e)!, 0);
      assert.ok(Math.abs(sum - n.grad) < 1e-12, `${n.label}: shares add to ${sum}, gradient ${n.grad}`);
    }
  }
  // L = r·r with r = ŷ − y = −1: each of the two edges carries −1 (together −2), not −2 each
  const dot = lineModelDot({ w: 0.5, x: 2, b: 3, y: 5 });
  const rLabels = [...dot.matchAll(/label="(∂L\/∂\(ŷ − y\)[^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(rLabels, ["∂L/∂(ŷ − y) += -1", "∂L/∂(ŷ − y) += -1"]);
  assert.match(dot, /label="∂L\/∂w = -4"/);
});

test("graphs: a long chain is drawn top to bottom so its text stays ≥ 9 px at a report's 880 px", async () => {
  const { neuronGraph, graphFigure } = await import("../src/report/index.js");
  const { renderGraphSVG, MAX_GRAPH_WIDTH } = await import("../src/plot/index.js");
  const g = neuronGraph({ w: -0.5, x: 2, b: 1, y: 0.8 });
  const fig = graphFigure("graph", "neuron", "", g);
  const smallest = Math.min(...select(parseSvg(fig.svg), "text").map((t) => Number(t.attrs["font-size"] ?? 12)).filter(Number.isFinite));
  const shown = smallest * Math.min(1, 880 / fig.width);
  assert.ok(shown >= 9, `smallest text ${smallest} px in a ${fig.width} px figure shows at ${shown.toFixed(1)} px`);
  assert.ok(fig.width <= MAX_GRAPH_WIDTH);
  // forced horizontal it is wider than that; every node is still drawn in both directions
  const wide = renderGraphSVG(g, { direction: "horizontal" });
  assert.ok(Number(/width="([\d.]+)"/.exec(wide)![1]) > MAX_GRAPH_WIDTH);
  for (const svg of [wide, fig.svg]) assert.equal(select(parseSvg(svg), "g").filter((e) => e.attrs.class === "node").length, g.nodes.length);
});

test("explicit ticks label every class of a confusion matrix", async () => {
  const f = new Figure({ width: 600, height: 560 });
  const classes = Array.from({ length: 10 }, (_, i) => i);
  f.axes({ aspect: "equal", xticks: classes, yticks: classes }).heatmap({ xs: classes, ys: classes, z: classes.map(() => classes) });
  const labels = select(parseSvg(f.toSVG()), "text").map((t) => t.text);
  for (const c of classes) assert.equal(labels.filter((l) => l === String(c)).length, 2, `class ${c} on both axes`);
});
