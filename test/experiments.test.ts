// The classic experiments (tensorgrad/examples) against published numbers and independent derivations:
// the line-fit table, the tanh neuron's chain rule, the quadrant classifier, the optimizer race,
// the digits MLP and the depth/initialization study, plus run-to-run determinism.

import { test } from "node:test";
import assert from "node:assert/strict";

import * as tg from "../src/index.js";
import { loadDigits, loadLineFit } from "../src/data/parse/node.js";
import { runLineFit } from "../src/examples/node.js";
import * as examples from "../src/examples/index.js";

const { lineFit, neuron, quadrant, quadrantOf, optimizerRace, digits, depthGradients } = examples;

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} differs from ${expected} by more than ${tol}`);
}

// ---- 1. line fit ----

// The published table: iteration, w, b, loss, dL/dw, dL/db (parameters before update i).
const PUBLISHED_ROWS: [number, string, string, string, string, string][] = [
  [0, "0.5000", "3.0000", "11.3245", "-15.4209", "-1.0538"],
  [1, "1.2710", "3.0527", "3.5241", "-4.8334", "1.3647"],
  [2, "1.5127", "2.9845", "2.6131", "-1.7692", "1.9533"],
  [19, "1.8901", "1.8121", "0.6658", "-0.1813", "0.7408"],
];

test("lineFit: every method reproduces the published table to 4 decimals", async () => {
  const data = await loadLineFit();
  for (const method of ["manual", "backward", "grad"] as const) {
    const r = lineFit(data, { steps: 50, lr: 0.05, w0: 0.5, b0: 3.0, method });
    assert.equal(r.rows.length, 51);
    for (const [i, w, b, loss, dw, db] of PUBLISHED_ROWS) {
      const row = r.rows[i];
      assert.equal(row.iteration, i);
      assert.deepEqual(
        [row.w, row.b, row.loss, row.dLdw, row.dLdb].map((v) => v.toFixed(4)),
        [w, b, loss, dw, db],
        `${method}, row ${i}`,
      );
    }
    // after 50 steps: 11.32 → 0.44, a 96.1% drop
    assert.equal(r.finalLoss.toFixed(2), "0.44", method);
    assert.equal(r.initialLoss.toFixed(2), "11.32", method);
    assert.equal((100 * r.lossDrop).toFixed(1), "96.1", method);
    assert.equal(r.final, r.rows[50]);
  }
});

test("lineFit: hand-derived gradients, backward() and tg.grad agree to 1e-12", async () => {
  const data = await loadLineFit();
  const [manual, backward, grad] = (["manual", "backward", "grad"] as const).map((method) => lineFit(data, { method }));
  for (let i = 0; i < manual.rows.length; i++) {
    for (const key of ["w", "b", "loss", "dLdw", "dLdb"] as const) {
      close(backward.rows[i][key], manual.rows[i][key], 1e-12, `backward row ${i} ${key}`);
      close(grad.rows[i][key], manual.rows[i][key], 1e-12, `grad row ${i} ${key}`);
    }
  }
});

test("lineFit: the rows follow plain gradient descent written out with loops", async () => {
  const { x, y, n } = await loadLineFit();
  const r = lineFit({ x, y }, { steps: 50 });
  let w = 0.5;
  let b = 3;
  for (let i = 0; i <= 50; i++) {
    let loss = 0;
    let gw = 0;
    let gb = 0;
    for (let k = 0; k < n; k++) {
      const e = w * x[k] + b - y[k];
      loss += e * e;
      gw += 2 * x[k] * e;
      gb += 2 * e;
    }
    close(r.rows[i].loss, loss / n, 1e-12, `loss ${i}`);
    close(r.rows[i].dLdw, gw / n, 1e-12, `dL/dw ${i}`);
    close(r.rows[i].dLdb, gb / n, 1e-12, `dL/db ${i}`);
    w -= 0.05 * (gw / n);
    b -= 0.05 * (gb / n);
  }
});

test("lineFit: loss surface, path, snapshots and least-squares line", async () => {
  const { x, y, n } = await loadLineFit();
  const r = await runLineFit();
  const mse = (w: number, b: number) => {
    let s = 0;
    for (let k = 0; k < n; k++) s += (w * x[k] + b - y[k]) ** 2;
    return s / n;
  };
  const { surface } = r;
  assert.equal(surface.w.length, 41);
  assert.equal(surface.loss.length, surface.b.length);
  for (const [i, j] of [[0, 0], [7, 30], [20, 20], [40, 3]])
    close(surface.loss[i][j], mse(surface.w[j], surface.b[i]), 1e-10, `surface[${i}][${j}]`);
  // the grid covers the whole path
  for (let i = 0; i < r.path.w.length; i++) {
    assert.ok(r.path.w[i] >= surface.w[0] && r.path.w[i] <= surface.w.at(-1)!);
    assert.ok(r.path.b[i] >= surface.b[0] && r.path.b[i] <= surface.b.at(-1)!);
  }
  assert.deepEqual(r.path.loss, r.rows.map((row) => row.loss));
  assert.deepEqual(r.snapshots.map((s) => s.iteration), [0, 5, 10, 20, 50]);
  for (const s of r.snapshots) {
    assert.equal(s.w, r.rows[s.iteration].w);
    close(s.y[1], s.w * s.x[1] + s.b, 1e-12, "snapshot line");
  }
  // least squares: zero gradient, and no grid point does better
  const ls = r.leastSquares;
  let gw = 0;
  let gb = 0;
  for (let k = 0; k < n; k++) {
    gw += x[k] * (ls.w * x[k] + ls.b - y[k]);
    gb += ls.w * x[k] + ls.b - y[k];
  }
  close(gw, 0, 1e-9, "least-squares dL/dw");
  close(gb, 0, 1e-9, "least-squares dL/db");
  assert.ok(Math.min(...surface.loss.flat()) >= ls.loss - 1e-12);
  assert.ok(r.finalLoss > ls.loss && r.finalLoss - ls.loss < 0.01);
  assert.match(r.summary, /\n +19 \| +1\.8901 \| +1\.8121 \| +0\.6658 \| +-0\.1813 \| +0\.7408\n/);
  assert.match(r.summary, /11\.3245 → 0\.4401 after 50 steps \(96\.1% lower\)/);
});

// ---- 2. the tanh neuron ----

test("neuron: one example, the chain rule by hand", () => {
  const r = neuron();
  const s = r.scalar;
  for (const [key, expected] of [["z", 0], ["a", 0], ["loss", 0.32], ["dLda", -0.8], ["dLdz", -0.8], ["dLdw", -1.6], ["dLdb", -0.8]] as const)
    close(s[key], expected, 1e-12, key);
  // one SGD step with lr 0.1: w = −0.5 + 0.1·1.6, b = 1 + 0.1·0.8
  close(s.after.w, -0.34, 1e-12, "w after");
  close(s.after.b, 1.08, 1e-12, "b after");
  close(s.after.loss, 0.5 * (Math.tanh(-0.34 * 2 + 1.08) - 0.8) ** 2, 1e-12, "loss after");
});

test("neuron: batch gradient is the mean of the per-example gradients", () => {
  const r = neuron();
  const X = [2.0, 1.5, -1.0];
  const Y = [0.8, 0.5, -0.3];
  const w = -0.5;
  const b = 1.0;
  let loss = 0;
  let dw = 0;
  let db = 0;
  X.forEach((x, i) => {
    const a = Math.tanh(w * x + b);
    const dz = (a - Y[i]) * (1 - a * a);
    const ex = r.batch.perExample[i];
    close(ex.a, a, 1e-12, `a[${i}]`);
    close(ex.loss, 0.5 * (a - Y[i]) ** 2, 1e-12, `loss[${i}]`);
    close(ex.dLdw, dz * x, 1e-12, `dL/dw[${i}]`);
    close(ex.dLdb, dz, 1e-12, `dL/db[${i}]`);
    loss += 0.5 * (a - Y[i]) ** 2;
    dw += dz * x;
    db += dz;
  });
  close(r.batch.loss, loss / 3, 1e-12, "batch loss");
  close(r.batch.dLdw, dw / 3, 1e-12, "batch dL/dw");
  close(r.batch.dLdb, db / 3, 1e-12, "batch dL/db");
  close(r.batch.dLdw, r.batch.meanOfPerExample.dLdw, 1e-12, "mean of per-example dL/dw");
  close(r.batch.dLdb, r.batch.meanOfPerExample.dLdb, 1e-12, "mean of per-example dL/db");
  close(r.batch.after.w, w - 0.1 * r.batch.dLdw, 1e-12, "w after");
  assert.ok(r.batch.after.loss < r.batch.loss);
});

// ---- 3. the quadrant classifier ----

test("quadrant: starts near ln 4, passes 95% mini-batch accuracy, generalizes", () => {
  for (const hidden of [[16], [16, 16, 16]]) {
    const r = quadrant({ seed: 0, hidden });
    assert.deepEqual(r.sizes, [2, ...hidden, 4]);
    assert.equal(r.loss.length, 500);
    close(r.loss[0], Math.log(4), 0.1, `initial loss, hidden ${hidden}`);
    assert.ok(r.stepTo95 >= 0 && r.stepTo95 < 300, `95% reached at step ${r.stepTo95}`);
    const last50 = r.accuracy.slice(-50).reduce((s, a) => s + a, 0) / 50;
    assert.ok(last50 > 0.95, `mini-batch accuracy over the last 50 steps ${last50}`);
    assert.equal(r.test.size, 1000);
    assert.ok(r.test.accuracy > 0.9, `held-out accuracy ${r.test.accuracy}`);
    // away from the axes the decision regions are the quadrants
    let agree = 0;
    let total = 0;
    r.grid.y.forEach((gy, i) =>
      r.grid.x.forEach((gx, j) => {
        if (Math.abs(gx) < 0.5 || Math.abs(gy) < 0.5) return;
        total++;
        if (r.grid.classes[i][j] === quadrantOf(gx, gy)) agree++;
      }),
    );
    assert.ok(agree / total > 0.95, `grid agreement ${agree}/${total}`);
  }
});

test("quadrant: labels, and the same seed gives identical runs", () => {
  assert.deepEqual([quadrantOf(1, 1), quadrantOf(-1, 1), quadrantOf(-1, -1), quadrantOf(1, -1)], [0, 1, 2, 3]);
  const a = quadrant({ seed: 7, steps: 40, gridSize: 5 });
  const b = quadrant({ seed: 7, steps: 40, gridSize: 5 });
  assert.deepEqual(a, b);
  const c = quadrant({ seed: 8, steps: 40, gridSize: 5 });
  assert.notDeepEqual(a.loss, c.loss);
});

// ---- 4. the optimizer race ----

test("optimizerRace: trajectories on x² + 10y² and MLP curves from one initialization", () => {
  const r = optimizerRace({ steps: 100, mlpSteps: 60, gridSize: 5 });
  assert.deepEqual(r.bowl.runs.map((run) => run.optimizer), ["sgd", "momentum", "adam", "adamw"]);
  for (const run of r.bowl.runs) {
    assert.equal(run.x.length, 101);
    assert.equal(run.f[0], 49);
    close(run.f[100], run.x[100] ** 2 + 10 * run.y[100] ** 2, 1e-12, "f along the path");
    assert.ok(run.f[100] < 1e-2, `${run.label} ends at f = ${run.f[100]}`);
  }
  // plain SGD on a separable quadratic: each coordinate shrinks by (1 − 2·c·lr) per step
  const sgd = r.bowl.runs[0];
  for (const t of [1, 10, 100]) {
    close(sgd.x[t], -3 * (1 - 2 * sgd.lr) ** t, 1e-12, `SGD x[${t}]`);
    close(sgd.y[t], 2 * (1 - 20 * sgd.lr) ** t, 1e-12, `SGD y[${t}]`);
  }
  // heavy ball, PyTorch's form: v ← μv + ∇f, p ← p − lr·v
  const mom = r.bowl.runs[1];
  let p = [-3, 2];
  let v = [0, 0];
  for (let t = 1; t <= 100; t++) {
    const g = [2 * p[0], 20 * p[1]];
    v = t === 1 ? g : [0.9 * v[0] + g[0], 0.9 * v[1] + g[1]];
    p = [p[0] - mom.lr * v[0], p[1] - mom.lr * v[1]];
    if (t % 25 === 0) {
      close(mom.x[t], p[0], 1e-12, `momentum x[${t}]`);
      close(mom.y[t], p[1], 1e-12, `momentum y[${t}]`);
    }
  }
  const { surface } = r.bowl;
  close(surface.f[1][3], surface.x[3] ** 2 + 10 * surface.y[1] ** 2, 1e-12, "bowl surface");

  const initial = r.mlp.runs[0].loss[0];
  for (const run of r.mlp.runs) {
    assert.equal(run.loss.length, 60);
    assert.equal(run.loss[0], initial, `${run.label} starts from the same weights and batch`);
    const tail = run.loss.slice(-10).reduce((s, l) => s + l, 0) / 10;
    assert.ok(tail < 0.6 * initial, `${run.label}: loss ${initial} → ${tail}`);
  }
});

// ---- 5. digits ----

test("digits: at least 97% held-out accuracy, repeatable", async () => {
  const data = await loadDigits();
  const t0 = performance.now();
  const r = digits(data, { seed: 0 });
  const ms = performance.now() - t0;
  assert.equal(r.trainSize + r.testSize, 1797);
  assert.equal(r.testSize, Math.round(1797 * 0.2));
  assert.ok(r.testAccuracy >= 0.97, `held-out accuracy ${r.testAccuracy}`);
  const correct = r.confusion.reduce((s, row, t) => s + row[t], 0);
  assert.equal(r.confusion.flat().reduce((s, c) => s + c, 0), r.testSize);
  close(r.testAccuracy, correct / r.testSize, 1e-12, "accuracy from the confusion matrix");
  close(r.epochs.at(-1)!.testAccuracy, r.testAccuracy, 1e-12, "last epoch's accuracy");
  for (const m of r.mistakes) assert.equal(data.labels[m.index], m.label);
  console.log(`# digits: held-out accuracy ${(100 * r.testAccuracy).toFixed(1)}% in ${(ms / 1000).toFixed(1)} s`);

  const a = digits(data, { seed: 3, epochs: 2 });
  const b = digits(data, { seed: 3, epochs: 2 });
  assert.deepEqual(a, b);
});

// ---- stopping early through onStep ----

test("onStep: every step is reported, and a hook that never stops changes nothing", async () => {
  const data = await loadLineFit();
  const seen: examples.TrainingStep[] = [];
  const hooked = lineFit(data, { steps: 20, onStep: (info) => void seen.push(info) });
  assert.deepEqual(seen.map((s) => s.step), Array.from({ length: 20 }, (_, i) => i + 1));
  assert.ok(seen.every((s, i) => s.total === 20 && s.loss === hooked.rows[i + 1].loss));
  assert.deepEqual(hooked, lineFit(data, { steps: 20 }));
  assert.equal(hooked.stoppedEarly, false);

  const q: examples.TrainingStep[] = [];
  const a = quadrant({ seed: 2, steps: 30, gridSize: 5, onStep: (info) => void q.push(info) });
  assert.deepEqual(a, quadrant({ seed: 2, steps: 30, gridSize: 5 }));
  assert.deepEqual(q.map((s) => [s.step, s.total, s.loss, s.accuracy]), a.loss.map((l, i) => [i + 1, 30, l, a.accuracy[i]]));
});

test("onStep: returning false stops line fit and quadrant with consistent partial results", async () => {
  const data = await loadLineFit();
  const l = lineFit(data, { steps: 50, onStep: (info) => info.step < 12 });
  assert.equal(l.stoppedEarly, true);
  assert.equal(l.steps, 12);
  assert.equal(l.rows.length, 13);
  assert.equal(l.final, l.rows[12]);
  assert.deepEqual(l.path.loss, l.rows.map((r) => r.loss));
  assert.deepEqual(l.snapshots.map((s) => s.iteration), [0, 5, 10]);
  assert.deepEqual(l.rows, lineFit(data, { steps: 12 }).rows, "the steps done are those of a 12-step run");
  assert.match(l.summary, /12 of 50 steps \(stopped early\)/);
  assert.match(l.summary, /after 12 steps/);

  const q = quadrant({ seed: 0, steps: 200, gridSize: 11, onStep: (info) => info.step < 50 });
  const full50 = quadrant({ seed: 0, steps: 50, gridSize: 11 });
  assert.equal(q.stoppedEarly, true);
  assert.equal(q.steps, 200, "steps keeps the number asked for");
  assert.equal(q.loss.length, 50);
  assert.equal(q.accuracy.length, 50);
  assert.deepEqual(q.loss, full50.loss);
  assert.deepEqual(q.grid, full50.grid, "the decision grid is that of the network after 50 steps");
  assert.deepEqual(q.test, full50.test);
  assert.match(q.summary, /50 of 200 steps \(stopped early\)/);
  // stopping at the last step is no early stop
  assert.equal(quadrant({ seed: 0, steps: 20, gridSize: 5, onStep: () => false }).loss.length, 1);
  assert.equal(quadrant({ seed: 0, steps: 1, gridSize: 5, onStep: () => false }).stoppedEarly, false);
});

test("onStep: the optimizer race stops after a round, every optimizer at the same step", () => {
  const kinds = 4;
  const infos: examples.TrainingStep[] = [];
  const full = optimizerRace({ steps: 10, mlpSteps: 20, gridSize: 5, onStep: (info) => void infos.push(info) });
  assert.equal(full.stoppedEarly, false);
  assert.deepEqual(infos.map((i) => i.step), Array.from({ length: 30 }, (_, t) => kinds * (t + 1)));
  assert.ok(infos.every((i) => i.total === kinds * 30));
  assert.ok(infos.slice(0, 10).every((i) => i.accuracy === undefined) && infos.slice(10).every((i) => i.accuracy !== undefined));

  // stopped on the bowl: the paths are cut at one step, the MLP is untrained
  const bowl = optimizerRace({ steps: 10, mlpSteps: 20, gridSize: 5, onStep: (info) => info.step < 6 * kinds });
  assert.equal(bowl.stoppedEarly, true);
  assert.equal(bowl.bowl.steps, 6);
  assert.equal(bowl.mlp.steps, 0);
  for (const [k, run] of bowl.bowl.runs.entries()) {
    assert.equal(run.x.length, 7);
    assert.deepEqual(run.f, full.bowl.runs[k].f.slice(0, 7));
  }
  assert.ok(bowl.mlp.runs.every((run) => run.loss.length === 0 && run.accuracy.length === 0));
  assert.match(bowl.summary, /6 of 10 steps \(stopped early\)/);

  // stopped on the MLP: the bowl is complete, every MLP curve has the same length
  const mlp = optimizerRace({ steps: 10, mlpSteps: 20, gridSize: 5, onStep: (info) => info.step < (10 + 7) * kinds });
  assert.equal(mlp.stoppedEarly, true);
  assert.equal(mlp.bowl.steps, 10);
  assert.equal(mlp.mlp.steps, 7);
  for (const [k, run] of mlp.mlp.runs.entries()) {
    assert.deepEqual(run.loss, full.mlp.runs[k].loss.slice(0, 7));
    assert.equal(run.accuracy.length, 7);
  }
  assert.match(mlp.summary, /stopped early at step 68 of 120/);
});

test("onStep: digits stops mid-epoch and evaluates the network it has", async () => {
  const data = await loadDigits();
  const seen: examples.TrainingStep[] = [];
  const r = digits(data, { seed: 0, epochs: 3, onStep: (info) => (seen.push(info), info.step < 30) });
  assert.equal(r.stoppedEarly, true);
  assert.equal(r.steps, 30);
  assert.equal(seen.length, 30);
  assert.ok(seen.every((s) => s.total === 3 * r.stepsPerEpoch && s.accuracy! >= 0 && s.accuracy! <= 1));
  assert.equal(r.stepsPerEpoch, Math.ceil(r.trainSize / 64));
  // one full epoch and the one under way
  assert.equal(r.epochs.length, 2);
  close(r.epochs[1].testAccuracy, r.testAccuracy, 1e-12, "the last epoch's held-out accuracy is the final one");
  assert.equal(r.confusion.flat().reduce((s, c) => s + c, 0), r.testSize);
  assert.match(r.summary, /stopped early at step 30 of \d+: epoch 2 ran \d+ of its \d+ mini-batches/);
});

// ---- 6. depth and initialization ----

test("depthGradients: vanishing, healthy and exploding gradients; residuals stay bounded", () => {
  const r = depthGradients({ depth: 50, seed: 0 });
  const last = 49;
  const run = (init: string, residual: boolean) => r.runs.find((x) => x.init === init && x.residual === residual)!;
  const spread = (v: number[]) => Math.max(...v) / Math.min(...v);
  assert.equal(r.runs.length, 6);
  for (const x of r.runs) {
    assert.equal(x.weightGradNorm.length, 50);
    assert.ok(x.weightGradNorm.every((g) => Number.isFinite(g) && g > 0));
  }

  // too small: the gradients vanish toward the input by many orders of magnitude
  const small = run("small", false);
  assert.ok(small.weightGradNorm[0] / small.weightGradNorm[last] < 1e-8, `small: weight grads ${small.weightGradNorm[0]} … ${small.weightGradNorm[last]}`);
  assert.ok(small.inputGradNorm[0] / small.inputGradNorm[last] < 1e-8);

  // too large: the backpropagated gradient explodes toward the input, and every weight
  // gradient is astronomically larger than with He init
  const large = run("large", false);
  const he = run("he", false);
  assert.ok(large.inputGradNorm[0] / large.inputGradNorm[last] > 1e8, `large: input grads ${large.inputGradNorm[0]} … ${large.inputGradNorm[last]}`);
  assert.ok(Math.min(...large.weightGradNorm) > 1e8 * Math.max(...he.weightGradNorm));

  // He: within a modest band across all 50 layers
  assert.ok(spread(he.weightGradNorm) < 30, `He weight-gradient spread ${spread(he.weightGradNorm)}`);
  assert.ok(spread(he.inputGradNorm) < 30, `He input-gradient spread ${spread(he.inputGradNorm)}`);

  // residual connections keep every initialization bounded
  for (const init of ["small", "he", "large"]) {
    const res = run(init, true);
    assert.ok(spread(res.weightGradNorm) < 30, `residual ${init}: weight-gradient spread ${spread(res.weightGradNorm)}`);
    assert.ok(spread(res.inputGradNorm) < 30, `residual ${init}: input-gradient spread ${spread(res.inputGradNorm)}`);
  }

  // the singular-value argument: ‖∂L/∂hᵢ‖ ≤ Π σ_max(Jₖ)·‖∂L/∂h_top‖, and the product of the
  // root-mean-square gains predicts the actual growth to within a few orders of magnitude
  for (const x of r.runs) {
    for (let i = 0; i < 50; i++) {
      const actual = Math.log10(x.exampleInputGradNorm[i] / x.topGradNorm);
      assert.ok(actual <= x.boundLog10[i] + 1e-9, `${x.init}/${x.residual}: layer ${i} ${actual} > bound ${x.boundLog10[i]}`);
    }
    const actual0 = Math.log10(x.exampleInputGradNorm[0] / x.topGradNorm);
    assert.ok(Math.abs(actual0 - x.typicalLog10[0]) < 3, `${x.init}/${x.residual}: ${actual0} vs predicted ${x.typicalLog10[0]}`);
  }
  // He scales the weights so that a plain layer's root-mean-square gain is about 1
  const meanGain = he.jacobianRmsGain.reduce((s, g) => s + g, 0) / 50;
  close(meanGain, 1, 0.2, "mean He gain");
});

test("depthGradients: the same seed gives identical results", () => {
  const a = depthGradients({ depth: 8, width: 6, batchSize: 4, seed: 5 });
  const b = depthGradients({ depth: 8, width: 6, batchSize: 4, seed: 5 });
  assert.deepEqual(a, b);
});
