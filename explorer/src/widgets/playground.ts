// A neural-network playground: a small MLP (up to 6 hidden layers of 8) trained by tensorgrad
// in the page on 2-D data sets (circle, XOR, Gaussian clusters, spiral, 4-class quadrant), with
// per-neuron heatmaps, train/test loss curves, a backward-pass view (each neuron's weight
// gradient) and rewind: every epoch's parameters are kept, so Back returns to them exactly.

import * as tg from "../../../src/index.js";
import { makeOptimizer, optimizerLabel, OPTIMIZER_KINDS, quadrantOf, type OptimizerKind, type Stepper as Opt } from "../../../src/examples/index.js";
import { CLASS_COLORS, field, h, intParam, num, numParam, s, stepper, writeHash } from "../ui.js";
import type { Widget } from "../widget.js";

type DataKind = "circle" | "xor" | "gauss" | "spiral" | "quadrant";
const DATASETS: Record<DataKind, string> = { circle: "circle", xor: "XOR", gauss: "Gaussian clusters", spiral: "spiral", quadrant: "4-class quadrant" };
type Act = "relu" | "tanh" | "sigmoid";
const MAX_EPOCHS = 200;
const N_POINTS = 300;
const GRID = 40;

interface Data {
  x: number[][];
  y: number[];
  classes: number;
}

/** Draws a data set from tensorgrad's seeded generator; coordinates in [−3, 3]². */
function makeData(kind: DataKind, noise: number, seed: number): Data {
  const gen = tg.random.generator(seed);
  const u = tg.rand([N_POINTS, 2], { generator: gen, dtype: "float64" }).data();
  const z = tg.randn([N_POINTS, 2], { generator: gen, dtype: "float64" }).data();
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < N_POINTS; i++) {
    const a = u[2 * i];
    const b = u[2 * i + 1];
    let px: number;
    let py: number;
    let label: number;
    if (kind === "circle") {
      label = i % 2;
      const r = label === 0 ? 1.4 * a : 2 + 0.9 * a;
      const t = 2 * Math.PI * b;
      [px, py] = [r * Math.cos(t), r * Math.sin(t)];
    } else if (kind === "xor") {
      [px, py] = [6 * a - 3, 6 * b - 3];
      label = px * py >= 0 ? 0 : 1;
    } else if (kind === "gauss") {
      label = i % 2;
      const c = label === 0 ? 1.4 : -1.4;
      [px, py] = [c + 0.7 * z[2 * i], c + 0.7 * z[2 * i + 1]];
    } else if (kind === "spiral") {
      label = i % 2;
      const r = 2.8 * a;
      const t = 1.75 * a * 2 * Math.PI + label * Math.PI;
      [px, py] = [r * Math.sin(t), r * Math.cos(t)];
    } else {
      [px, py] = [z[2 * i] * 1.2, z[2 * i + 1] * 1.2];
      label = quadrantOf(px, py);
    }
    // noise moves the points after labelling, so classes overlap
    x.push([px + noise * z[2 * i + 1] * 0.5, py + noise * z[2 * i] * 0.5]);
    y.push(label);
  }
  return { x, y, classes: kind === "quadrant" ? 4 : 2 };
}

export const playgroundWidget: Widget = {
  id: "playground",
  title: "Playground",
  short: "Playground",
  mount(root, params) {
    const kindP = params.get("data") as DataKind;
    const state = {
      data: (kindP in DATASETS ? kindP : "circle") as DataKind,
      layers: (params.get("layers") ?? "4,4")
        .split(",")
        .map((v) => Math.round(Number(v)))
        .filter((v) => Number.isFinite(v) && v >= 1)
        .slice(0, 6)
        .map((v) => Math.min(8, v)),
      act: (["relu", "tanh", "sigmoid"].includes(params.get("act") ?? "") ? params.get("act") : "tanh") as Act,
      lr: numParam(params, "lr", 0.03, 1e-5, 5),
      batch: intParam(params, "batch", 10, 1, N_POINTS),
      reg: (["none", "l1", "l2"].includes(params.get("reg") ?? "") ? params.get("reg") : "none") as "none" | "l1" | "l2",
      rate: numParam(params, "rate", 0.001, 0, 1),
      noise: numParam(params, "noise", 0, 0, 2),
      ratio: intParam(params, "ratio", 50, 10, 90),
      seed: intParam(params, "seed", 0, 0, 1e9),
      opt: (OPTIMIZER_KINDS.includes(params.get("opt") as OptimizerKind) ? params.get("opt") : "sgd") as OptimizerKind,
    };
    if (state.layers.length === 0 && params.get("layers") !== "") state.layers = [4, 4];

    root.append(h("p", { class: "lede" }, "Pick a data set and a network, then Step or Play to train it epoch by epoch; Back rewinds to the parameters of an earlier epoch. Each small map shows one neuron's output over the plane; the bar under it is the size of its weight gradient (the backward pass)."));
    const sel = <T extends string>(opts: Record<string, string>, value: T) => h("select", {}, ...Object.entries(opts).map(([k, v]) => h("option", { value: k, selected: k === value }, v)));
    const c = {
      data: sel(DATASETS, state.data),
      layers: h("input", { type: "text", value: state.layers.join(","), size: 12, "aria-describedby": "layers-hint" }),
      act: sel({ relu: "ReLU", tanh: "tanh", sigmoid: "sigmoid" }, state.act),
      opt: sel(Object.fromEntries(OPTIMIZER_KINDS.map((k) => [k, optimizerLabel(k)])), state.opt),
      lr: h("input", { type: "number", step: "any", min: "0.00001", value: String(state.lr) }),
      batch: h("input", { type: "number", step: "1", min: "1", value: String(state.batch) }),
      reg: sel({ none: "none", l1: "L1", l2: "L2" }, state.reg),
      rate: h("input", { type: "number", step: "any", min: "0", value: String(state.rate) }),
      noise: h("input", { type: "range", min: "0", max: "2", step: "0.1", value: String(state.noise) }),
      ratio: h("input", { type: "range", min: "10", max: "90", step: "10", value: String(state.ratio) }),
      seed: h("input", { type: "number", step: "1", min: "0", value: String(state.seed) }),
    };
    const settings = h(
      "details",
      { open: true, class: "settings" },
      h("summary", {}, "Data and network settings"),
      h(
        "div",
        { class: "controls" },
        field("data", c.data),
        field("hidden layers", c.layers),
        h("span", { class: "hint", id: "layers-hint" }, "widths, e.g. 4,4 (≤ 6 layers of ≤ 8)"),
        field("activation", c.act),
        field("optimiser", c.opt),
        field("learning rate", c.lr),
        field("batch size", c.batch),
        field("regularisation", c.reg),
        field("reg. rate", c.rate),
        field("noise", c.noise),
        field("train %", c.ratio),
        field("seed", c.seed),
      ),
    );
    // on a phone the settings fold away so the network is on screen; one tap opens them
    if (window.innerWidth < 600) settings.open = false;
    root.append(settings);
    const apply = () => {
      const p = new URLSearchParams({
        data: c.data.value, layers: c.layers.value.replace(/\s/g, ""), act: c.act.value, opt: c.opt.value, lr: c.lr.value, batch: c.batch.value,
        reg: c.reg.value, rate: c.rate.value, noise: c.noise.value, ratio: c.ratio.value, seed: c.seed.value, step: "0",
      });
      location.hash = `#playground?${p.toString()}`;
    };
    for (const el of Object.values(c)) el.addEventListener("change", apply);

    // ---- data, model, training ----
    const data = makeData(state.data, state.noise, state.seed);
    const nTrain = Math.round((N_POINTS * state.ratio) / 100);
    const X = tg.tensor(data.x, { dtype: "float32" });
    const Y = tg.tensor(data.y, { dtype: "int32" });
    const Xtr = X.slice([0, nTrain]);
    const Ytr = Y.slice([0, nTrain]);
    const Xte = X.slice([nTrain, N_POINTS]);
    const Yte = Y.slice([nTrain, N_POINTS]);
    const sizes = [2, ...state.layers, data.classes];
    const gen = tg.random.generator(state.seed + 1);
    const layers = sizes.slice(1).map((n, i) => new tg.nn.Linear(sizes[i], n, { generator: gen }));
    const params_ = layers.flatMap((l) => l.parameters());
    const opt: Opt = makeOptimizer(state.opt, params_, state.lr);
    const act = (t: tg.Tensor) => (state.act === "relu" ? t.relu() : state.act === "tanh" ? t.tanh() : t.sigmoid());
    const forwardAll = (x: tg.Tensor): tg.Tensor[] => {
      const outs: tg.Tensor[] = [];
      let v = x;
      layers.forEach((l, i) => {
        v = l.forward(v);
        if (i < layers.length - 1) v = act(v);
        outs.push(v);
      });
      return outs;
    };
    const penalty = () => {
      if (state.reg === "none" || state.rate === 0) return undefined;
      const terms = layers.map((l) => (state.reg === "l1" ? l.weight.abs().sum() : l.weight.square().sum()));
      return terms.reduce((a, b) => a.add(b)).mul(state.rate);
    };
    const lossOn = (x: tg.Tensor, y: tg.Tensor) => tg.noGrad(() => tg.nn.functional.crossEntropy(forwardAll(x).at(-1)!, y).item());
    const snapshot = () => params_.map((p) => Float32Array.from(p.data() as Float32Array));
    const restore = (snap: Float32Array[]) =>
      tg.noGrad(() => params_.forEach((p, i) => tg.nn.assignParameter(p, tg.tensor(snap[i], { shape: p.shape, dtype: p.dtype }))));
    const history: Float32Array[][] = [snapshot()];
    const curves = { train: [lossOn(Xtr, Ytr)], test: [lossOn(Xte, Yte)] };
    // one update on the mini-batch `idx`, compiled: traced on the first batch (and once more for a
    // shorter last batch), then run as a plan with the weights and optimiser state kept resident
    const update = tg.compile(
      (idx: tg.Tensor) => {
        const xb = Xtr.indexSelect(0, idx);
        const yb = Ytr.indexSelect(0, idx);
        opt.zeroGrad();
        let l = tg.nn.functional.crossEntropy(forwardAll(xb).at(-1)!, yb);
        const pen = penalty();
        if (pen) l = l.add(pen);
        l.backward();
        opt.step();
        return l;
      },
      { name: "playground step" },
    );
    const order = tg.random.generator(state.seed + 2);
    let stepsDone = 0;
    const trainEpoch = () => {
      // a shuffled order of the training points from the seeded generator (Fisher–Yates)
      const perm = Array.from({ length: nTrain }, (_, i) => i);
      for (let i = nTrain - 1; i > 0; i--) {
        const j = order.nextUint32() % (i + 1);
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      for (let i = 0; i < nTrain; i += state.batch) {
        update(tg.tensor(perm.slice(i, i + state.batch), { dtype: "int32" }));
        stepsDone++;
      }
      history.push(snapshot());
      curves.train.push(lossOn(Xtr, Ytr));
      curves.test.push(lossOn(Xte, Yte));
    };

    // ---- views ----
    const status = h("p", { class: "status", "aria-live": "polite" });
    const bar = stepper({ total: MAX_EPOCHS, start: 0, label: "Training epochs", intervalMs: 60, onStage: (k) => show(k) });
    root.append(bar.el, status);
    const out = h("canvas", { width: 320, height: 320, role: "img", "aria-label": "network output over the plane with the data (train filled, test outlined)" });
    const lossSvg = s("svg", { class: "plot", viewBox: "0 0 300 160", width: 300, height: 160, role: "img", "aria-label": "train and test loss per epoch" });
    const neuronBox = h("div", { class: "neurons" });
    root.append(
      h(
        "div",
        { class: "row" },
        h("div", { class: "col panel" }, h("h3", {}, "Output"), out, h("h3", {}, "Loss per epoch"), lossSvg, h("div", { class: "legend" }, h("span", {}, h("span", { class: "swatch", style: "background:#35d0e0" }), "train"), h("span", {}, h("span", { class: "swatch", style: "background:#ffb02e" }), "test"))),
        h("div", { class: "col panel" }, h("h3", {}, `Neurons (${sizes.join(" → ")})`), neuronBox),
      ),
    );
    // a GRID × GRID scratch canvas: maps are painted there a pixel per cell, then drawn scaled
    const cellCanvas = h("canvas", { width: GRID, height: GRID });
    const cellCtx = cellCanvas.getContext("2d")!;
    const axis = Array.from({ length: GRID }, (_, i) => -3 + (6 * (i + 0.5)) / GRID);
    const gridPts = tg.tensor(axis.flatMap((yv) => axis.map((xv) => [xv, yv])), { dtype: "float32" });
    const neuronCanvases = state.layers.map((n, li) =>
      Array.from({ length: n }, (_, j) => {
        const cv = h("canvas", { width: 56, height: 56, role: "img", "aria-label": `layer ${li + 1} neuron ${j + 1}` });
        const gbar = h("div", { style: "height: 4px; background: #ffb02e; width: 0" });
        return { cv, gbar, box: h("div", {}, cv, gbar) };
      }),
    );
    state.layers.forEach((_, li) => neuronBox.append(h("div", { class: "layer" }, h("span", { class: "hint" }, `layer ${li + 1}`), ...neuronCanvases[li].map((n) => n.box))));

    function show(k: number) {
      while (history.length <= k) trainEpoch();
      restore(history[k]);
      // each layer's activations over the grid, row-major [GRID², width], read as flat arrays
      const acts = tg.noGrad(() => forwardAll(gridPts).map((t) => t.data() as Float32Array));
      // backward-pass view: the gradient of the training loss with respect to each neuron's weights
      for (const p of params_) p.grad = null;
      tg.nn.functional.crossEntropy(forwardAll(Xtr).at(-1)!, Ytr).backward();
      const gnorm = layers.map((l) => {
        const g = l.weight.grad!.data();
        const [rows, cols] = l.weight.shape;
        return Array.from({ length: rows }, (_, r) => {
          let sq = 0;
          for (let c = 0; c < cols; c++) sq += g[r * cols + c] * g[r * cols + c];
          return Math.sqrt(sq);
        });
      });
      const gmax = Math.max(1e-12, ...gnorm.slice(0, -1).flat());
      // output map: the predicted class, shaded by confidence, one pixel per grid cell scaled up
      const logits = acts.at(-1)!;
      const C = data.classes;
      const ctx = out.getContext("2d")!;
      const map = cellCtx.createImageData(GRID, GRID);
      const e = new Float64Array(C);
      for (let i = 0; i < GRID; i++)
        for (let j = 0; j < GRID; j++) {
          const q = (i * GRID + j) * C;
          let m = -Infinity;
          let cls = 0;
          for (let c = 0; c < C; c++) if (logits[q + c] > m) (m = logits[q + c]), (cls = c);
          let sum = 0;
          for (let c = 0; c < C; c++) sum += e[c] = Math.exp(logits[q + c] - m);
          const conf = (e[cls] / sum - 1 / C) / (1 - 1 / C);
          const [R, G, B] = CLASS_COLORS[cls];
          const t = 0.25 + 0.6 * conf;
          const o = 4 * ((GRID - 1 - i) * GRID + j);
          map.data[o] = Math.round(24 + (R - 24) * t);
          map.data[o + 1] = Math.round(32 + (G - 32) * t);
          map.data[o + 2] = Math.round(40 + (B - 40) * t);
          map.data[o + 3] = 255;
        }
      cellCtx.putImageData(map, 0, 0);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(cellCanvas, 0, 0, out.width, out.height);
      data.x.forEach(([px, py], i) => {
        const [R, G, B] = CLASS_COLORS[data.y[i]];
        ctx.beginPath();
        ctx.arc(((px + 3) / 6) * out.width, out.height - ((py + 3) / 6) * out.height, 3, 0, 2 * Math.PI);
        // train points filled in their class colour, test points as rings; both edged dark
        ctx.fillStyle = i < nTrain ? `rgb(${R},${G},${B})` : "#0b0f14";
        ctx.fill();
        ctx.strokeStyle = i < nTrain ? "#0b0f14" : `rgb(${R},${G},${B})`;
        ctx.lineWidth = i < nTrain ? 1 : 2;
        ctx.stroke();
      });
      // neuron maps
      state.layers.forEach((n, li) => {
        const a = acts[li];
        let lo = Infinity;
        let hi = -Infinity;
        for (const v of a) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
        neuronCanvases[li].forEach(({ cv, gbar }, j) => {
          const cx = cv.getContext("2d")!;
          const img = cellCtx.createImageData(GRID, GRID);
          for (let i = 0; i < GRID * GRID; i++) {
            const t = hi > lo ? (a[i * n + j] - lo) / (hi - lo) : 0.5;
            const r = Math.floor(i / GRID);
            const o = 4 * ((GRID - 1 - r) * GRID + (i % GRID));
            img.data[o] = 40 + 195 * t;
            img.data[o + 1] = 110 + 20 * t;
            img.data[o + 2] = 200 - 160 * t;
            img.data[o + 3] = 255;
          }
          cellCtx.putImageData(img, 0, 0);
          cx.drawImage(cellCanvas, 0, 0, cv.width, cv.height);
          gbar.style.width = `${(100 * gnorm[li][j]) / gmax}%`;
          gbar.title = `‖∂L/∂w‖ = ${num(gnorm[li][j], 4)}`;
        });
      });
      // loss curves
      lossSvg.replaceChildren();
      const ymax = Math.max(0.1, ...curves.train.slice(0, history.length), ...curves.test.slice(0, history.length));
      const px = (i: number) => 30 + (i / Math.max(10, history.length - 1)) * 260;
      const py = (v: number) => 10 + (1 - v / ymax) * 130;
      lossSvg.append(s("line", { x1: 30, y1: 140, x2: 295, y2: 140, stroke: "#3a4652" }), s("text", { x: 2, y: 14, fill: "#a9b4bf", "font-size": 10 }, num(ymax, 2)));
      for (const [name, color] of [["train", "#35d0e0"], ["test", "#ffb02e"]] as const) {
        const v = curves[name];
        const d = v.slice(0, history.length).map((l, i) => `${i === 0 ? "M" : "L"}${px(i).toFixed(1)},${py(l).toFixed(1)}`).join("");
        lossSvg.append(s("path", { d, fill: "none", stroke: color, "stroke-width": 2 }));
      }
      lossSvg.append(s("line", { x1: px(k), y1: 10, x2: px(k), y2: 140, stroke: "#ffe066", "stroke-dasharray": "3 3" }));
      status.textContent = `epoch ${k}: train loss ${num(curves.train[k], 4)}, test loss ${num(curves.test[k], 4)} (${stepsDone} updates trained so far)`;
      writeHash("playground", { data: state.data, layers: state.layers.join(","), act: state.act, opt: state.opt, lr: state.lr, batch: state.batch, reg: state.reg, rate: state.rate, noise: state.noise, ratio: state.ratio, seed: state.seed, step: k });
    }
    const start = intParam(params, "step", 0, 0, MAX_EPOCHS);
    if (start > 0) queueMicrotask(() => bar.set(start));
    return () => {
      bar.stop();
      update.close();
    };
  },
};
