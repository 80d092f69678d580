// Optimiser race: SGD, SGD with momentum, Adam and AdamW train the quadrant MLP in the page
// (the same setup, weights and mini-batches as `tensorgrad run optimizer-race`, through
// src/examples' quadrantSetup/quadrantTrainer), with loss curves and each one's decision
// boundary scrubbed by a time slider; and a second race on f(x, y) = x² + 10y² with the paths
// drawn on its contours.

import * as tg from "../../../src/index.js";
import { decisionGrid, makeOptimizer, OPTIMIZER_KINDS, optimizerLabel, quadrantSetup, quadrantTrainer, type OptimizerKind } from "../../../src/examples/index.js";
import { CLASS_COLORS, field, h, intParam, num, numParam, pause, s, stepper, writeHash } from "../ui.js";
import type { Widget } from "../widget.js";

const MLP_LR: Record<OptimizerKind, number> = { sgd: 0.2, momentum: 0.02, adam: 0.01, adamw: 0.01 };
const BOWL_LR: Record<OptimizerKind, number> = { sgd: 0.08, momentum: 0.01, adam: 0.2, adamw: 0.2 };
const COLORS: Record<OptimizerKind, string> = { sgd: "#6fa8ff", momentum: "#ffb02e", adam: "#5ee08a", adamw: "#e879f9" };
const SNAPSHOTS = 30;
const GRID = 36;

export const raceWidget: Widget = {
  id: "race",
  title: "Optimiser race",
  short: "Optimisers",
  mount(root, params) {
    const steps = intParam(params, "steps", 1500, 10, 5000);
    const seed = intParam(params, "seed", 0, 0, 1e9);
    const lr = {} as Record<OptimizerKind, number>;
    const blr = {} as Record<OptimizerKind, number>;
    for (const k of OPTIMIZER_KINDS) {
      lr[k] = numParam(params, `lr_${k}`, MLP_LR[k], 1e-5, 5);
      blr[k] = numParam(params, `blr_${k}`, BOWL_LR[k], 1e-5, 1);
    }
    let cancelled = false;

    root.append(
      h("p", { class: "lede" }, `Four optimisers train the quadrant MLP 2 → 16 → 4 from the same weights on the same mini-batches for ${steps} steps each, in your browser. Scrub the time slider to see each decision boundary grow.`),
    );
    const lrInputs = OPTIMIZER_KINDS.map((k) => {
      const el = h("input", { type: "number", min: "0.00001", step: "any", value: String(lr[k]) });
      return field(`${optimizerLabel(k)} lr`, el);
    });
    const seedIn = h("input", { type: "number", min: "0", step: "1", value: String(seed) });
    const stepsIn = h("input", { type: "number", min: "10", max: "5000", step: "10", value: String(steps) });
    const rerun = h("button", { type: "button" }, "Restart race");
    root.append(h("div", { class: "controls" }, ...lrInputs, field("seed", seedIn), field("steps", stepsIn), rerun));
    rerun.addEventListener("click", () => {
      const p = new URLSearchParams({ steps: stepsIn.value, seed: seedIn.value });
      OPTIMIZER_KINDS.forEach((k, i) => p.set(`lr_${k}`, (lrInputs[i].querySelector("input") as HTMLInputElement).value));
      location.hash = `#race?${p.toString()}`;
    });

    const status = h("p", { class: "status", "aria-live": "polite", "data-race-status": "" }, "Training…");
    const slider = h("input", { type: "range", min: "0", max: String(SNAPSHOTS), step: "1", value: "0" });
    const sliderOut = h("output", {}, "step 0");
    const bar = stepper({
      total: SNAPSHOTS,
      start: intParam(params, "t", SNAPSHOTS, 0, SNAPSHOTS),
      label: "Race time",
      intervalMs: 200,
      onStage: (k) => {
        slider.value = String(k);
        draw();
      },
    });
    slider.addEventListener("input", () => bar.set(Number(slider.value)));
    root.append(status, bar.el, h("div", { class: "controls" }, field("time", slider), sliderOut));

    const boards = OPTIMIZER_KINDS.map((k) => {
      const c = h("canvas", { width: GRID * 3, height: GRID * 3, role: "img", "aria-label": `${optimizerLabel(k)} decision regions`, "data-board": k });
      const cap = h("div", { class: "hint" }, "");
      return { k, c, cap, box: h("div", { class: "layer" }, h("strong", { style: `color: ${COLORS[k]}` }, optimizerLabel(k)), c, cap) };
    });
    const curves = s("svg", { class: "plot", viewBox: "0 0 480 220", width: 480, height: 220, role: "img", "aria-label": "mini-batch loss curves" });
    const legend = h("div", { class: "legend" }, ...OPTIMIZER_KINDS.map((k) => h("span", {}, h("span", { class: "swatch", style: `background: ${COLORS[k]}` }), optimizerLabel(k))));
    root.append(
      h(
        "div",
        { class: "row" },
        h("div", { class: "col panel" }, h("h3", {}, "Decision regions over [−3, 3]²"), h("div", { class: "neurons" }, ...boards.map((b) => b.box))),
        h("div", { class: "col panel" }, h("h3", {}, "Mini-batch loss (mean of 20 steps)"), curves, legend),
      ),
    );

    // ---- the MLP race ----
    const setup = quadrantSetup({ seed, steps });
    const trainers = OPTIMIZER_KINDS.map((k) => quadrantTrainer(setup, k, lr[k]));
    const snaps: number[][][][] = OPTIMIZER_KINDS.map(() => []); // [optimizer][snapshot] → classes grid
    const snapStep: number[] = [];
    const every = steps / SNAPSHOTS;
    const takeSnapshot = (atStep: number) => {
      snapStep.push(atStep);
      trainers.forEach((tr, i) => snaps[i].push(decisionGrid(tr.model, GRID, setup.dtype).classes));
    };
    let done = 0;
    let trainMs = 0;
    const run = async () => {
      takeSnapshot(0);
      draw();
      while (done < steps && !cancelled) {
        const t0 = performance.now();
        const target = Math.min(steps, done + 25);
        for (; done < target; done++) for (const tr of trainers) tr.step();
        while (snapStep.length <= SNAPSHOTS && Math.round(snapStep.length * every) <= done) takeSnapshot(Math.round(snapStep.length * every));
        trainMs += performance.now() - t0;
        status.textContent = `Training… step ${done} / ${steps}`;
        draw();
        await pause();
      }
      if (cancelled) return;
      status.textContent = `Done: ${steps} steps × 4 optimisers in ${(trainMs / 1000).toFixed(2)} s. Final mini-batch loss: ${OPTIMIZER_KINDS.map((k, i) => `${optimizerLabel(k)} ${num(trainers[i].loss[steps - 1], 3)}`).join(", ")}.`;
      status.dataset.raceStatus = "done";
      status.dataset.trainMs = trainMs.toFixed(0);
      draw();
    };

    const smooth = (v: number[]) => {
      const out: number[] = [];
      let sum = 0;
      for (let i = 0; i < v.length; i++) {
        sum += v[i] - (i >= 20 ? v[i - 20] : 0);
        out.push(sum / Math.min(i + 1, 20));
      }
      return out;
    };
    function draw() {
      const k = Math.min(bar.stage, snapStep.length - 1);
      if (k < 0) return;
      sliderOut.textContent = `step ${snapStep[k]}`;
      boards.forEach((b, i) => {
        const ctx = b.c.getContext("2d")!;
        const g = snaps[i][k];
        const cell = b.c.width / GRID;
        for (let r = 0; r < GRID; r++)
          for (let c = 0; c < GRID; c++) {
            const [R, G, B] = CLASS_COLORS[g[r][c]];
            ctx.fillStyle = `rgb(${R},${G},${B})`;
            ctx.fillRect(c * cell, (GRID - 1 - r) * cell, cell + 0.5, cell + 0.5);
          }
        ctx.strokeStyle = "rgba(255,255,255,0.7)";
        ctx.beginPath();
        ctx.moveTo(b.c.width / 2, 0);
        ctx.lineTo(b.c.width / 2, b.c.height);
        ctx.moveTo(0, b.c.height / 2);
        ctx.lineTo(b.c.width, b.c.height / 2);
        ctx.stroke();
        b.c.dataset.step = String(snapStep[k]);
        const l = trainers[i].loss;
        b.cap.textContent = snapStep[k] > 0 && l.length ? `loss ${num(l[Math.min(l.length, snapStep[k]) - 1], 3)}` : "untrained";
      });
      // loss curves
      curves.replaceChildren();
      const W = 480;
      const Hh = 220;
      const ymax = 1.6;
      const px = (i: number) => 40 + (i / Math.max(1, steps - 1)) * (W - 50);
      const py = (v: number) => 10 + (1 - Math.min(v, ymax) / ymax) * (Hh - 40);
      curves.append(s("line", { x1: 40, y1: py(0), x2: W - 10, y2: py(0), stroke: "#3a4652" }), s("line", { x1: 40, y1: 10, x2: 40, y2: py(0), stroke: "#3a4652" }));
      for (const v of [0, 0.5, 1, 1.5]) curves.append(s("text", { x: 6, y: py(v) + 4, fill: "#a9b4bf", "font-size": 11 }, num(v, 1)));
      curves.append(s("text", { x: W - 80, y: Hh - 8, fill: "#a9b4bf", "font-size": 11 }, `step ${steps}`));
      trainers.forEach((tr, i) => {
        const sm = smooth(tr.loss);
        const stride = Math.max(1, Math.floor(sm.length / 300));
        let d = "";
        for (let j = 0; j < sm.length; j += stride) d += `${j === 0 ? "M" : "L"}${px(j).toFixed(1)},${py(sm[j]).toFixed(1)}`;
        if (d) curves.append(s("path", { d, fill: "none", stroke: COLORS[OPTIMIZER_KINDS[i]], "stroke-width": 2, "data-curve": OPTIMIZER_KINDS[i] }));
      });
      const tx = px(Math.max(0, snapStep[k] - 1));
      curves.append(s("line", { x1: tx, y1: 10, x2: tx, y2: py(0), stroke: "#ffe066", "stroke-dasharray": "3 3" }));
      writeHash("race", { steps, seed, ...Object.fromEntries(OPTIMIZER_KINDS.map((o) => [`lr_${o}`, lr[o]])), ...Object.fromEntries(OPTIMIZER_KINDS.map((o) => [`blr_${o}`, blr[o]])), t: bar.stage });
    }

    // ---- the bowl race ----
    const bowlSteps = 100;
    const bowlInputs = OPTIMIZER_KINDS.map((k) => h("input", { type: "number", min: "0.00001", step: "any", value: String(blr[k]) }));
    const bowlCanvas = h("canvas", { width: 420, height: 300, role: "img", "aria-label": "paths of the four optimisers on the contours of x² + 10y²" });
    const bowlTable = h("tbody", {});
    root.append(
      h(
        "div",
        { class: "panel", style: "margin-top: 12px" },
        h("h3", {}, `f(x, y) = x² + 10y² from (−3, 2), ${bowlSteps} steps`),
        h("div", { class: "controls" }, ...bowlInputs.map((el, i) => field(`${optimizerLabel(OPTIMIZER_KINDS[i])} lr (bowl)`, el))),
        h(
          "div",
          { class: "row" },
          bowlCanvas,
          h("table", { "aria-label": "bowl race results" }, h("thead", {}, h("tr", {}, ...["optimiser", "lr", "f(10)", "f(100)", "end point"].map((c) => h("th", { scope: "col" }, c)))), bowlTable),
        ),
      ),
    );
    const bctx = bowlCanvas.getContext("2d")!;
    const X = [-3.5, 3.5];
    const Y = [-2.5, 2.5];
    const bx = (v: number) => ((v - X[0]) / (X[1] - X[0])) * bowlCanvas.width;
    const by = (v: number) => bowlCanvas.height - ((v - Y[0]) / (Y[1] - Y[0])) * bowlCanvas.height;
    const curvature = tg.tensor([1, 10], { dtype: "float64" });
    const bowlRace = () => {
      const paths = OPTIMIZER_KINDS.map((k, i) => {
        const rate = Number(bowlInputs[i].value);
        blr[k] = rate > 0 ? rate : BOWL_LR[k];
        const p = tg.tensor([-3, 2], { dtype: "float64" }).setRequiresGrad();
        const opt = makeOptimizer(k, [p], blr[k]);
        const xs: number[] = [];
        const ys: number[] = [];
        const fs: number[] = [];
        for (let t = 0; t <= bowlSteps; t++) {
          opt.zeroGrad();
          const f = p.square().mul(curvature).sum();
          const [px, py] = p.data();
          xs.push(px);
          ys.push(py);
          fs.push(f.item());
          if (t < bowlSteps) {
            f.backward();
            opt.step();
          }
        }
        return { k, xs, ys, fs };
      });
      // contours of f by tensorgrad on a grid
      const G = 70;
      const gx = tg.linspace(X[0], X[1], G, { dtype: "float64" });
      const gy = tg.linspace(Y[0], Y[1], G, { dtype: "float64" });
      const f = gy.reshape([G, 1]).square().mul(10).add(gx.reshape([1, G]).square()).data();
      const cell = [bowlCanvas.width / G, bowlCanvas.height / G];
      for (let i = 0; i < G; i++)
        for (let j = 0; j < G; j++) {
          const band = Math.floor(Math.sqrt(f[i * G + j]) * 2);
          const t = Math.min(1, Math.sqrt(f[i * G + j]) / 8);
          const shade = band % 2 === 0 ? 1 : 0.8;
          bctx.fillStyle = `rgb(${(30 + 90 * t) * shade},${(45 + 40 * t) * shade},${(70 + 40 * (1 - t)) * shade})`;
          bctx.fillRect(j * cell[0], bowlCanvas.height - (i + 1) * cell[1], cell[0] + 0.5, cell[1] + 0.5);
        }
      for (const p of paths) {
        bctx.strokeStyle = COLORS[p.k];
        bctx.lineWidth = 2;
        bctx.beginPath();
        p.xs.forEach((v, t) => (t === 0 ? bctx.moveTo(bx(v), by(p.ys[t])) : bctx.lineTo(bx(v), by(p.ys[t]))));
        bctx.stroke();
      }
      bowlTable.replaceChildren(
        ...paths.map((p) =>
          h("tr", {}, ...[optimizerLabel(p.k), String(blr[p.k]), p.fs[10].toExponential(2), p.fs[bowlSteps].toExponential(2), `(${num(p.xs[bowlSteps], 3)}, ${num(p.ys[bowlSteps], 3)})`].map((c) => h("td", {}, c))),
        ),
      );
      draw();
    };
    for (const el of bowlInputs) el.addEventListener("change", bowlRace);
    bowlRace();
    void run();
    return () => {
      cancelled = true;
      bar.stop();
    };
  },
};
