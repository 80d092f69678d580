import { test } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError } from "../src/core/errors.js";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  Figure, sampleGrid, contourLevels, isolines, isobands, linearTicks, logTicks, niceStep,
  formatNumber, readPNGSize, svgToPNG, PALETTE,
} from "../src/plot/index.js";
import { parseSvg, select, byClass, structuralDiff, pngHeader, type SvgElement } from "./golden/svg-tools.js";

const texts = (els: SvgElement[]) => select(els, "text").map((t) => t.text);

function shoelace(poly: Array<[number, number]>): number {
  let a = 0;
  for (let i = 0; i < poly.length; i++) {
    const [x0, y0] = poly[i];
    const [x1, y1] = poly[(i + 1) % poly.length];
    a += x0 * y1 - x1 * y0;
  }
  return Math.abs(a) / 2;
}

test("nice ticks: 1-2-5 steps, clean labels, no float noise", () => {
  assert.equal(niceStep(0.23), 0.5);
  assert.equal(niceStep(7), 10);
  assert.deepEqual(linearTicks(0, 1, 5).map((t) => t.label), ["0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
  assert.deepEqual(linearTicks(-0.3, 0.3, 6).map((t) => t.label), ["-0.3", "-0.2", "-0.1", "0", "0.1", "0.2", "0.3"]);
  assert.deepEqual(linearTicks(0, 2e6, 4).map((t) => t.label), ["0", "5e5", "1e6", "1.5e6", "2e6"]);
  const lt = logTicks(1e-4, 2, 6).filter((t) => t.label);
  assert.deepEqual(lt.map((t) => t.label), ["10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "10⁰"]);
  assert.equal(formatNumber(0.12345), "0.123");
  assert.equal(formatNumber(1234.5), "1235");
});

test("marching squares: iso-line of a cone is a closed ring at the right radius", () => {
  const g = sampleGrid((x, y) => Math.hypot(x, y), [-2, 2], [-2, 2], 41);
  const iso = isolines(g, 1);
  assert.equal(iso.lines.length, 1);
  const ring = iso.lines[0];
  assert.deepEqual(ring[0], ring[ring.length - 1], "closed loop");
  for (const [x, y] of ring) assert.ok(Math.abs(Math.hypot(x, y) - 1) < 0.02);
});

test("filled bands tile the grid: band areas sum to the domain area", () => {
  const g = sampleGrid((x, y) => x * x + 3 * y * y + Math.sin(3 * x), [-2, 2], [-1, 1], 30, 20);
  const levels = contourLevels(0, 12, 8);
  const bands = isobands(g, levels);
  assert.equal(bands.length, levels.length + 1);
  const total = bands.reduce((a, b) => a + b.polygons.reduce((s, p) => s + shoelace(p), 0), 0);
  assert.ok(Math.abs(total - 8) < 1e-6, `area ${total}`);
  // The disc x^2 + y^2 < 1 has area pi.
  const disc = isobands(sampleGrid((x, y) => x * x + y * y, [-1.5, 1.5], [-1.5, 1.5], 121), [1])[0];
  const area = disc.polygons.reduce((s, p) => s + shoelace(p), 0);
  assert.ok(Math.abs(area - Math.PI) < 0.01, `disc area ${area}`);
  assert.deepEqual(contourLevels(0, 1, 4), [0.2, 0.4, 0.6, 0.8]);
  const logLv = contourLevels(0.01, 1000, 5, "log");
  assert.ok(logLv.every((v, i) => i === 0 || v / logLv[i - 1] > 2), "geometric spacing");
});

test("line plot (log y) with several series: legend, ticks, dashes", () => {
  const fig = new Figure({ width: 600, height: 400, title: "Loss" });
  const steps = [1, 2, 3, 4, 5, 6, 7, 8];
  fig.axes({ xlabel: "step", ylabel: "loss", yscale: "log" })
    .line(steps, steps.map((s) => Math.exp(-s)), { label: "sgd" })
    .line(steps, steps.map((s) => 1 / s), { label: "adam", dash: "dashed" });
  const els = parseSvg(fig.toSVG());
  assert.equal(els[0].attrs.width, "600");
  const lines = select(els, "path", "line");
  assert.equal(lines.length, 2);
  assert.equal(lines[0].attrs.stroke, PALETTE[0]);
  assert.equal(lines[1].attrs.stroke, PALETTE[1]);
  assert.ok(lines[1].attrs["stroke-dasharray"]);
  assert.deepEqual(texts(select(els, "text", "legend")), ["sgd", "adam"]);
  const tickLabels = texts(select(els, "text", "tick-labels"));
  assert.ok(tickLabels.includes("10⁻³") && tickLabels.includes("10⁻¹"), tickLabels.join(","));
  assert.ok(texts(els).includes("Loss") && texts(els).includes("step") && texts(els).includes("loss"));
  // Lines stay inside the clip region.
  assert.equal(select(els, "clipPath").length, 1);
});

test("single labelled series has no legend; legend: false hides it", () => {
  const one = new Figure();
  one.axes().line([0, 1], [0, 1], { label: "only" });
  assert.equal(byClass(parseSvg(one.toSVG()), "legend").length, 0);
  const off = new Figure();
  off.axes({ legend: false }).line([0, 1], [0, 1], { label: "a" }).line([0, 1], [1, 0], { label: "b" });
  assert.equal(byClass(parseSvg(off.toSVG()), "legend").length, 0);
});

test("scatter by class, residual segments and a fitted line", () => {
  const xs = [0, 1, 2, 3, 4, 5];
  const ys = [0.2, 1.1, 1.8, 3.3, 3.9, 5.2];
  const fig = new Figure({ width: 500, height: 360 });
  fig.axes({ title: "fit" })
    .residuals(xs, ys, (x) => x, { label: "residuals" })
    .scatter(xs, ys, { classes: [0, 0, 1, 1, 2, 2], classLabels: ["a", "b", "c"] })
    .line([0, 5], [0, 5], { label: "ŷ = x" });
  const els = parseSvg(fig.toSVG());
  const dots = select(els, "circle", "scatter");
  assert.equal(dots.length, 6);
  assert.equal(new Set(dots.map((d) => d.attrs.fill)).size, 3);
  assert.equal(dots[0].attrs.fill, PALETTE[0]);
  assert.equal(dots[5].attrs.fill, PALETTE[2]);
  const segs = select(els, "line", "residuals");
  assert.equal(segs.length, 6);
  const group = byClass(els, "residuals")[0];
  assert.ok(group.attrs["stroke-dasharray"], "residuals are dashed");
  for (const s of segs) assert.equal(s.attrs.x1, s.attrs.x2, "vertical");
  assert.deepEqual(texts(select(els, "text", "legend")), ["residuals", "a", "b", "c", "ŷ = x"]);
});

test("contour plot: filled bands, iso-lines, colour bar, paths with start/end markers", () => {
  const g = sampleGrid((x, y) => (1 - x) ** 2 + 10 * (y - x * x) ** 2, [-2, 2], [-1, 3], 50);
  const fig = new Figure({ width: 560, height: 480 });
  fig.axes({ aspect: "equal" })
    .contour(g, { levels: 10, levelSpacing: "log", colorbar: true })
    .path([-1.5, -1, 0, 0.8, 1], [2.5, 1, 0, 0.6, 1], { label: "gd" })
    .path([1.5, 1.2, 1], [0, 0.8, 1], { label: "adam" });
  const els = parseSvg(fig.toSVG());
  const fills = select(els, "path", "contour-fill");
  const lines = select(els, "path", "contour-lines");
  assert.ok(fills.length >= 8, `fills ${fills.length}`);
  assert.ok(lines.length >= 8, `lines ${lines.length}`);
  assert.ok(fills.every((p) => /^M[-\d.]+,[-\d.]+L/.test(p.attrs.d)));
  assert.equal(byClass(els, "colorbar").length, 1);
  assert.equal(byClass(els, "start").length, 2);
  assert.equal(byClass(els, "end").length, 2);
  assert.deepEqual(texts(select(els, "text", "legend")), ["gd", "adam"]);
  // No grid lines over a filled field by default.
  assert.equal(byClass(els, "grid").length, 0);
});

test("3-D surface: shaded quads sorted back to front, path drawn on top", () => {
  const g = sampleGrid((x, y) => x * x - y * y, [-1, 1], [-1, 1], 12);
  const fig = new Figure({ width: 500, height: 420 });
  fig.axes3d({ title: "saddle", xlabel: "x", ylabel: "y", zlabel: "z" })
    .surface(g)
    .path([-0.8, 0, 0.8], [0.5, 0, -0.5]);
  const els = parseSvg(fig.toSVG());
  const quads = select(els, "path", "surface").filter((p) => !p.attrs.class);
  assert.equal(quads.length, 11 * 11);
  assert.ok(new Set(quads.map((q) => q.attrs.fill)).size > 20, "shading varies");
  assert.ok(byClass(els, "path3d").length >= 2);
  assert.equal(byClass(els, "start").length, 1);
  assert.ok(texts(els).includes("saddle") && texts(els).includes("z"));
});

test("decision regions: class heatmap merges runs, points on top", () => {
  const g = sampleGrid((x, y) => (x > y ? 1 : 0), [0, 1], [0, 1], 40);
  const fig = new Figure({ width: 400, height: 400 });
  fig.axes()
    .heatmap(g, { classes: true, classLabels: ["neg", "pos"] })
    .scatter([0.2, 0.8], [0.7, 0.1], { classes: [0, 1] });
  const els = parseSvg(fig.toSVG());
  const cells = select(els, "rect", "heatmap");
  // A diagonal boundary gives at most two runs per row.
  assert.ok(cells.length <= 80 && cells.length >= 40, `cells ${cells.length}`);
  assert.equal(new Set(cells.map((c) => c.attrs.fill)).size, 2);
  assert.equal(select(els, "circle", "scatter").length, 2);
  assert.deepEqual(texts(select(els, "text", "legend")), ["neg", "pos"]);
  // Continuous heatmap with colour bar.
  const f2 = new Figure();
  f2.axes().heatmap(sampleGrid((x, y) => x + y, [0, 1], [0, 1], 10), { colorbar: true });
  assert.equal(byClass(parseSvg(f2.toSVG()), "colorbar").length, 1);
});

test("grouped bar chart with category ticks and value labels", () => {
  const fig = new Figure({ width: 500, height: 320 });
  fig.axes({ title: "acc" }).bar(
    ["sgd", "adam", "rmsprop"],
    [{ label: "train", values: [0.9, 0.95, 0.93] }, { label: "test", values: [0.85, 0.9, 0.88] }],
    { valueLabels: true },
  );
  const els = parseSvg(fig.toSVG());
  assert.equal(select(els, "rect", "bars").length, 6);
  const ticks = texts(select(els, "text", "tick-labels"));
  for (const c of ["sgd", "adam", "rmsprop"]) assert.ok(ticks.includes(c));
  assert.ok(texts(els).includes("0.95"));
  assert.deepEqual(texts(select(els, "text", "legend")), ["train", "test"]);
  // Bars rise from y = 0: all bars share the same bottom edge.
  const bottoms = select(els, "rect", "bars").map((r) => Number(r.attrs.y) + Number(r.attrs.height));
  assert.ok(bottoms.every((b) => Math.abs(b - bottoms[0]) < 0.02));
});

test("subplots: five panels side by side, each with its own clip path", () => {
  const fig = new Figure({ width: 1200, height: 260, title: "snapshots" });
  const axs = fig.subplots(1, 5);
  assert.equal(axs.length, 5);
  axs.forEach((ax, k) => ax.line([0, 1, 2], [0, k, 2 * k]));
  const els = parseSvg(fig.toSVG());
  assert.equal(byClass(els, "axes").length, 5);
  const clips = select(els, "clipPath").map((c) => c.attrs.id);
  assert.equal(new Set(clips).size, 5);
  const xs = select(els, "rect", "frame").map((r) => Number(r.attrs.x));
  assert.ok(xs.every((x, i) => i === 0 || x > xs[i - 1]), "left to right");
  assert.throws(() => fig.axes(), ArgumentError);
});

test("PNG: signature, IHDR dimensions follow the scale, text is rasterized", async () => {
  const fig = new Figure({ width: 320, height: 200, title: "png" });
  fig.axes().line([0, 1, 2], [1, 0, 1]);
  const png = await fig.toPNG();
  const h = pngHeader(png);
  assert.deepEqual(h.signature, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(h.chunk, "IHDR");
  assert.deepEqual([h.width, h.height], [640, 400]);
  assert.deepEqual(readPNGSize(await fig.toPNG({ scale: 1 })), { width: 320, height: 200 });
  // Text must actually render: a label-only image differs from an empty one.
  const blank = '<svg xmlns="http://www.w3.org/2000/svg" width="80" height="30"><rect width="80" height="30" fill="#fff"/></svg>';
  const withText = blank.replace("</svg>", '<text x="5" y="20" font-family="DejaVu Sans, sans-serif" font-size="14">Ab1</text></svg>');
  const [a, b] = await Promise.all([svgToPNG(blank, { scale: 1 }), svgToPNG(withText, { scale: 1 })]);
  assert.notDeepEqual(a, b);
});

// Golden test: a small deterministic plot compared structurally (tags,
// nesting, text, attribute shapes, numbers within tolerance) against the
// checked-in SVG. Regenerate with UPDATE_GOLDEN=1 after intended changes.
const GOLDEN = fileURLToPath(new URL("./golden/line-scatter.svg", import.meta.url));

function goldenFigure(): string {
  const fig = new Figure({ width: 480, height: 320, title: "Golden" });
  fig.axes({ xlabel: "x", ylabel: "y" })
    .scatter([0, 1, 2, 3, 4], [0.5, 1.4, 2.1, 3.6, 4.2], { label: "data" })
    .residuals([0, 1, 2, 3, 4], [0.5, 1.4, 2.1, 3.6, 4.2], (x) => x + 0.3)
    .line([0, 4], [0.3, 4.3], { label: "fit", dash: "dashed" });
  return fig.toSVG();
}

test("golden: line + scatter plot matches the checked-in SVG structurally", () => {
  const svg = goldenFigure();
  if (process.env.UPDATE_GOLDEN === "1" || !existsSync(GOLDEN)) {
    if (process.env.UPDATE_GOLDEN !== "1") assert.fail(`missing golden ${GOLDEN}; run with UPDATE_GOLDEN=1`);
    writeFileSync(GOLDEN, svg + "\n");
  }
  const expected = parseSvg(readFileSync(GOLDEN, "utf8"));
  const actual = parseSvg(svg);
  assert.deepEqual(structuralDiff(actual, expected), []);
  // The golden is meaningful: it contains the data, labels and legend.
  assert.equal(select(expected, "circle", "scatter").length, 5);
  assert.deepEqual(texts(select(expected, "text", "legend")), ["data", "fit"]);
  // And the comparison is sensitive: moving one point is detected.
  const moved = parseSvg(svg.replace(/(<circle cx=")([\d.]+)/, (_, p, v) => `${p}${Number(v) + 3}`));
  assert.notDeepEqual(structuralDiff(moved, expected), []);
});
