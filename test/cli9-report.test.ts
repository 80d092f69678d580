// Reports that must say what ran: optimizer-race columns named by the steps that ran, a race
// stopped before its MLP phase, a diverging line fit, snapshot steps chosen from the run's
// length, readable large numbers, and report folders written with the umask's mode, refusing
// unwritable targets up front and leaving nothing behind when aborted.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadLineFit } from "../src/data/parse/node.js";
import * as examples from "../src/examples/index.js";
import { fixed, percent } from "../src/examples/format.js";
import { lineFitReport, optimizerRaceReport, reportJSON, reportMarkdown } from "../src/report/index.js";
import { checkOutputDir, OutputError, writeReport } from "../src/report/node.js";
import { parseSvg, select } from "./golden/svg-tools.js";

/** The header row of the first plain-text table after `heading` in a summary. */
function headerAfter(summary: string, heading: RegExp): string[] {
  const lines = summary.split("\n");
  const i = lines.findIndex((l) => heading.test(l));
  assert.ok(i >= 0, `no line matching ${heading}`);
  return lines[i + 1].split("|").map((c) => c.trim());
}

test("optimizer race: the summary's columns name steps that ran (20 steps: f(10), f(20); loss(0) only)", () => {
  const r = examples.optimizerRace({ steps: 20, mlpSteps: 20, gridSize: 5 });
  assert.deepEqual(headerAfter(r.summary, /on f\(x, y\)/), ["optimizer", "lr", "f(10)", "f(20)", "end point"]);
  assert.deepEqual(headerAfter(r.summary, /on the quadrant MLP/).slice(0, 3), ["optimizer", "lr", "loss(0)"]);
  assert.doesNotMatch(r.summary, /f\(50\)|loss\(50\)/);
  const long = examples.optimizerRace({ steps: 60, mlpSteps: 60, gridSize: 5, optimizers: ["sgd"] });
  assert.deepEqual(headerAfter(long.summary, /on f\(x, y\)/), ["optimizer", "lr", "f(10)", "f(50)", "f(60)", "end point"]);
  assert.deepEqual(headerAfter(long.summary, /on the quadrant MLP/).slice(2, 4), ["loss(0)", "loss(50)"]);
  // the f(k) cells are the bowl's values at step k
  const row = long.summary.split("\n").find((l) => l.trim().startsWith("SGD"))!.split("|").map((c) => c.trim());
  assert.equal(row[2], long.bowl.runs[0].f[10].toExponential(2));
  assert.equal(row[3], long.bowl.runs[0].f[50].toExponential(2));
});

test("optimizer race stopped during the bowl: the MLP phase is reported as not run, nothing of it is drawn", () => {
  const r = examples.optimizerRace({ steps: 10, mlpSteps: 20, gridSize: 5, onStep: (i) => i.step < 4 * 3 });
  assert.equal(r.mlp.steps, 0);
  assert.doesNotMatch(r.summary, /NaN/);
  assert.match(r.summary, /quadrant MLP.*not run/);
  const report = optimizerRaceReport(r, { seed: 0 });
  assert.deepEqual(report.figures.map((f) => f.name), ["bowl-paths", "bowl-loss", "non-convex"]);
  assert.deepEqual(report.tables.map((t) => t.name), ["metrics"]);
  assert.ok(report.status.notRun?.length === 1 && /MLP/.test(report.status.notRun[0]));
  assert.ok(Object.keys(report.results).every((k) => !/held-out/.test(k)));
  const md = reportMarkdown(report);
  assert.match(md, /\*\*Not run\*\*.*MLP/);
  assert.doesNotMatch(md, /NaN|held-out/);
  assert.doesNotMatch(reportJSON(report), /held-out/);
  // the full race still has every figure
  const full = optimizerRaceReport(examples.optimizerRace({ steps: 5, mlpSteps: 5, gridSize: 5 }), { seed: 0 });
  assert.deepEqual(full.figures.map((f) => f.name), ["bowl-paths", "bowl-loss", "non-convex", "mlp-curves", "mlp-regions"]);
  assert.equal(full.status.notRun, undefined);
});

test("line fit: a learning rate that diverges stops, says so, and formats large numbers readably", async () => {
  const data = await loadLineFit();
  const r = examples.lineFit(data, { steps: 50, lr: 0.5 });
  assert.ok(r.diverged, "divergence detected");
  assert.ok(r.steps < 10, `stopped at step ${r.steps}`);
  assert.ok(r.diverged.maxStableLr > 0.05 && r.diverged.maxStableLr < 0.5, `stable lr bound ${r.diverged.maxStableLr}`);
  assert.match(r.summary, /diverged/);
  assert.doesNotMatch(r.summary, /e\+\d{2,}%|\d{12,}/, "no 49-digit numbers");
  const report = lineFitReport(r, { trueLine: { w: 2, b: 1 }, stepsRequested: 50 });
  assert.equal(report.status.completed, false);
  assert.match(report.status.stopReason ?? "", /^diverged: .*lr 0\.5 is too large/);
  assert.match(reportMarkdown(report), /\*\*Stopped after \d+ of 50 steps\*\*: diverged/);
  // the contour view still draws the path (a polyline with every iterate)
  const contours = report.figures.find((f) => f.name === "contours")!;
  const paths = select(parseSvg(contours.svg), "path").filter((p) => p.attrs.stroke === "#d62728");
  assert.ok(paths.length >= 1 && /L/.test(paths[0].attrs.d ?? ""), "descent path drawn");
  // a stable lr is not flagged
  assert.equal(examples.lineFit(data, { steps: 50, lr: 0.05 }).diverged, undefined);
  assert.equal(fixed(-1.27245666253688e49), "-1.272e+49");
  assert.equal(percent(-1.27245666253688e47), "-1.27e+49%");
  assert.equal(fixed(2.5), "2.5000");
});

test("line fit: lr 1e308 overflows at the first step and still gives a complete report", async () => {
  const r = examples.lineFit(await loadLineFit(), { steps: 3, lr: 1e308 });
  assert.ok(r.diverged);
  assert.equal(r.steps, 1);
  const report = lineFitReport(r, { stepsRequested: 3 });
  assert.deepEqual(report.figures.map((f) => f.name), ["data", "loss-surface", "contours", "snapshots", "loss"]);
  for (const f of report.figures) assert.ok(parseSvg(f.svg).length > 0, f.name);
  assert.ok(r.surface.loss.flat().every(Number.isFinite), "surface over the finite part of the path");
});

test("snapshot steps follow the run's length", async () => {
  assert.deepEqual(examples.snapshotSteps(50), [0, 5, 10, 20, 50]);
  assert.deepEqual(examples.snapshotSteps(200), [0, 20, 50, 100, 200]);
  assert.deepEqual(examples.snapshotSteps(3), [0, 1, 2, 3]);
  const r = examples.lineFit(await loadLineFit(), { steps: 200, gridSize: 5 });
  assert.deepEqual(r.snapshots.map((s) => s.iteration), [0, 20, 50, 100, 200]);
});

test("report folders: mode follows the umask, an unwritable target is refused up front, an aborted write leaves nothing", async () => {
  const base = mkdtempSync(join(tmpdir(), "tg-report-"));
  const old = process.umask(0o022);
  try {
    const report = lineFitReport(examples.lineFit({ x: [0, 1, 2], y: [1, 3, 5] }, { steps: 2, gridSize: 5 }));
    const { dir } = await writeReport(report, join(base, "out"), { pngScale: 0.5 });
    assert.equal(statSync(dir).mode & 0o777, 0o755);
    assert.equal(statSync(join(dir, "figures")).mode & 0o777, 0o755);

    await assert.rejects(checkOutputDir("/proc/tensorgrad-report"), (e: Error) => e instanceof OutputError && /cannot/.test(e.message));

    const ac = new AbortController();
    ac.abort();
    await assert.rejects(writeReport(report, join(base, "aborted"), { signal: ac.signal }), (e: Error) => e instanceof OutputError && (e as OutputError).aborted);
    assert.equal(existsSync(join(base, "aborted")), false);
    assert.deepEqual(readdirSync(base).filter((n) => n.startsWith(".")), [], "no hidden temporary folder left");
  } finally {
    process.umask(old);
    rmSync(base, { recursive: true, force: true });
  }
});

test("linear neuron: nn.Linear(1, 1) from w = −1, b = 8 by SGD lr 0.02 ends at w ≈ 1.95, b ≈ 1.18, as plain gradient descent does", async () => {
  const { readFileSync } = await import("node:fs");
  const data = JSON.parse(readFileSync(new URL("../data/neuron-line-15.json", import.meta.url), "utf8")) as { x: number[]; y: number[] };
  const r = examples.neuronLine(data);
  assert.ok(Math.abs(r.final.w - 1.95) < 0.005 && Math.abs(r.final.b - 1.18) < 0.005, `w ${r.final.w}, b ${r.final.b}`);
  // the same descent written out: dL/dw = (2/n) Σ x(ŷ − y), dL/db = (2/n) Σ (ŷ − y)
  let w = -1;
  let b = 8;
  const n = data.x.length;
  for (let e = 0; e < 500; e++) {
    let gw = 0;
    let gb = 0;
    for (let i = 0; i < n; i++) {
      const d = w * data.x[i] + b - data.y[i];
      gw += (2 / n) * d * data.x[i];
      gb += (2 / n) * d;
    }
    w -= 0.02 * gw;
    b -= 0.02 * gb;
  }
  assert.ok(Math.abs(w - r.final.w) < 1e-10 && Math.abs(b - r.final.b) < 1e-10);
  assert.deepEqual(r.snapshots.map((s) => s.epoch), [0, 10, 50, 100, 200, 500]);
  assert.ok(r.loss.every((l, i) => i === 0 || l <= r.loss[i - 1] + 1e-12), "the loss never rises");

  const { neuronReport } = await import("../src/report/index.js");
  const report = neuronReport(examples.neuron(), { line: r });
  assert.deepEqual(report.figures.map((f) => f.name), ["scalar-vs-matrix", "graph", "tanh", "batch-gradients", "neuron-line", "neuron-line-loss"]);
  const lineFig = parseSvg(report.figures.find((f) => f.name === "neuron-line")!.svg);
  const legend = select(lineFig, "text").map((t) => t.text).filter((t) => t.startsWith("epoch "));
  assert.deepEqual(legend.map((t) => t.split(":")[0]), ["epoch 0", "epoch 10", "epoch 50", "epoch 100", "epoch 200", "epoch 500"]);
  assert.match(legend[5], /ŷ = 1\.95x \+ 1\.18/);
  assert.ok(report.tables.some((t) => t.name === "line" && t.rows.length === 501));
  // without the linear neuron the report is as before
  assert.equal(neuronReport(examples.neuron()).figures.length, 4);
});

test("teaching figures: scalar-vs-matrix diagram, tanh with its derivative, non-convex minima, surface colour bar", async () => {
  const plot = await import("../src/plot/index.js");
  const diagram = select(parseSvg(plot.scalarVsMatrixDiagram().toSVG()), "text").map((t) => t.text);
  for (const label of ["x", "w·x", "+ b", "ŷ", "x = [x₁ x₂ x₃]", "W", "z = [z₁ z₂]"]) assert.ok(diagram.includes(label), label);

  const tanh = plot.tanhFigure({ mark: 0.5 });
  const tanhEls = parseSvg(tanh.toSVG());
  const curves = select(tanhEls, "path").filter((p) => p.attrs.fill === "none" && (p.attrs.d ?? "").split("L").length > 100);
  assert.equal(curves.length, 2, "tanh and its derivative");
  assert.ok(select(tanhEls, "text").some((t) => t.text === "tanh′(z) = 1 − tanh²(z)"));

  const minima = plot.sampledMinima(plot.nonConvexLoss, [-4.5, 4.5]);
  assert.equal(minima.length, 3);
  const values = minima.map(plot.nonConvexLoss);
  const g = values.indexOf(Math.min(...values));
  assert.equal(g, 1, "the global minimum is the middle well");
  for (const m of minima) assert.ok(Math.abs((plot.nonConvexLoss(m + 1e-5) - plot.nonConvexLoss(m - 1e-5)) / 2e-5) < 1e-4, `f′(${m}) ≈ 0`);
  const land = select(parseSvg(plot.nonConvexFigure().toSVG()), "text").map((t) => t.text);
  assert.equal(land.filter((t) => t.startsWith("local θ")).length, 2);
  assert.equal(land.filter((t) => t.startsWith("global θ")).length, 1);

  const data = await loadLineFit();
  const lf = lineFitReport(examples.lineFit(data, { steps: 5, gridSize: 9 }));
  const surface = lf.figures.find((f) => f.name === "loss-surface")!.svg;
  assert.match(surface, /class="colorbar"/);
});

test("optimizer race: each optimizer's decision regions at four moments, and the non-convex landscape", () => {
  const r = examples.optimizerRace({ steps: 5, mlpSteps: 40, gridSize: 5, regionGridSize: 9 });
  for (const run of r.mlp.runs) assert.deepEqual(run.regions.map((g) => g.step), [0, 5, 10, 40]);
  // step 0 is the same untrained network for every optimizer; later they differ by the update rule only
  assert.deepEqual(r.mlp.runs[1].regions[0].grid.classes, r.mlp.runs[0].regions[0].grid.classes);
  const report = optimizerRaceReport(r, { seed: 0 });
  assert.deepEqual(report.figures.map((f) => f.name), ["bowl-paths", "bowl-loss", "non-convex", "mlp-curves", "mlp-regions"]);
  const titles = select(parseSvg(report.figures.find((f) => f.name === "mlp-regions")!.svg), "text").map((t) => t.text).filter((t) => /, step \d+$/.test(t));
  assert.equal(titles.length, 16);
  assert.ok(titles.includes("Adam, step 40") && titles.includes("SGD, step 0"));
  // stopped on the MLP at step 7: the regions end where it stopped
  const stopped = examples.optimizerRace({ steps: 5, mlpSteps: 40, gridSize: 5, regionGridSize: 9, onStep: (i) => i.step < (5 + 7) * 4 });
  assert.deepEqual(stopped.mlp.runs[0].regions.map((g) => g.step), [0, 5, 7]);
});
