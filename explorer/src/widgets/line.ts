// Fit a line y ≈ w·x + b by gradient descent on the mean squared error. Each step evaluates the
// loss and its gradient with tensorgrad in float64, by the same formulas as `tensorgrad run
// line-fit` (src/examples/line-fit.ts), so the iteration table matches the CLI's digit for digit.
// Two data sets: the 20 points of the line-fit tutorial, and the 15 points of the "lines to
// neurons" tutorial started at w = −1, b = 8.

import * as tg from "../../../src/index.js";
import line20 from "../../../data/line-fit-20.json" with { type: "json" };
import neuron15 from "../../../data/neuron-line-15.json" with { type: "json" };
import { field, h, intParam, num, numParam, s, stepper, writeHash } from "../ui.js";
import type { Widget } from "../widget.js";

interface Preset {
  label: string;
  x: number[];
  y: number[];
  w0: number;
  b0: number;
  lr: number;
  steps: number;
  wRange: [number, number];
  bRange: [number, number];
}
const PRESETS: Record<string, Preset> = {
  line20: { label: "20 points (line-fit tutorial)", x: line20.x, y: line20.y, w0: 0.5, b0: 3, lr: 0.05, steps: 50, wRange: [-1, 4], bRange: [-2, 5] },
  neuron15: { label: "15 points (lines to neurons)", x: neuron15.x, y: neuron15.y, w0: -1, b0: 8, lr: 0.02, steps: 500, wRange: [-2, 4], bRange: [-1, 9] },
};

interface Row {
  iteration: number;
  w: number;
  b: number;
  loss: number;
  dLdw: number;
  dLdb: number;
}

/** `x` with 4 decimals, −0 as 0: the CLI's table format. */
function fixed4(v: number): string {
  const t = v.toFixed(4);
  return /^-0\.?0*$/.test(t) ? t.slice(1) : t;
}

export const lineWidget: Widget = {
  id: "line",
  title: "Fit a line by gradient descent",
  short: "Line fit",
  mount(root, params) {
    const key = params.get("data") === "neuron15" ? "neuron15" : "line20";
    const P = PRESETS[key];
    let w0 = numParam(params, "w", P.w0, -10, 10);
    let b0 = numParam(params, "b", P.b0, -20, 20);
    let lr = numParam(params, "lr", P.lr, 1e-5, 1);
    const x = tg.tensor(P.x, { dtype: "float64" });
    const y = tg.tensor(P.y, { dtype: "float64" });

    /** Loss and gradient at (w, b), as in src/examples/line-fit.ts. */
    const evaluate = (w: number, b: number, iteration: number): Row => {
      const residual = x.mul(w).add(b).sub(y);
      return {
        iteration,
        w,
        b,
        loss: residual.square().mean().item(),
        dLdw: x.mul(residual).mean().mul(2).item(),
        dLdb: residual.mean().mul(2).item(),
      };
    };
    let rows: Row[] = [evaluate(w0, b0, 0)];
    const rowAt = (k: number): Row => {
      while (rows.length <= k) {
        const r = rows[rows.length - 1];
        rows.push(evaluate(r.w - lr * r.dLdw, r.b - lr * r.dLdb, rows.length));
      }
      return rows[k];
    };

    root.append(
      h("p", { class: "lede" }, "L(w, b) = (1/n) Σ (w·xᵢ + b − yᵢ)². Drag on the loss map or use the sliders to place the line, then step gradient descent: w ← w − lr·∂L/∂w, b ← b − lr·∂L/∂b."),
    );
    const dataSel = h("select", {}, ...Object.entries(PRESETS).map(([k, p]) => h("option", { value: k, selected: k === key }, p.label)));
    const wSlider = h("input", { type: "range", min: String(P.wRange[0]), max: String(P.wRange[1]), step: "0.01", value: String(w0) });
    const bSlider = h("input", { type: "range", min: String(P.bRange[0]), max: String(P.bRange[1]), step: "0.01", value: String(b0) });
    const wOut = h("output", {});
    const bOut = h("output", {});
    const lrIn = h("input", { type: "number", min: "0.0001", max: "1", step: "0.005", value: String(lr) });
    root.append(
      h("div", { class: "controls" }, field("data", dataSel), field("start w", wSlider), wOut, field("start b", bSlider), bOut, field("learning rate", lrIn)),
    );
    const bar = stepper({
      total: P.steps,
      start: intParam(params, "step", 0, 0, P.steps),
      label: "Gradient-descent steps",
      intervalMs: P.steps > 100 ? 20 : 60,
      onStage: () => render(),
    });
    root.append(bar.el);

    // scatter plot with the line and residuals
    const W = 420;
    const Hh = 300;
    const xr = [Math.min(...P.x) - 0.5, Math.max(...P.x) + 0.5];
    const yr = [Math.min(...P.y) - 2, Math.max(...P.y) + 2];
    const sx = (v: number) => 30 + ((v - xr[0]) / (xr[1] - xr[0])) * (W - 40);
    const sy = (v: number) => Hh - 20 - ((v - yr[0]) / (yr[1] - yr[0])) * (Hh - 30);
    const scatter = s("svg", { class: "plot", viewBox: `0 0 ${W} ${Hh}`, width: W, height: Hh, role: "img", "aria-label": "data points, fitted line and residuals" });
    scatter.append(
      s("line", { x1: 30, y1: sy(0), x2: W - 10, y2: sy(0), stroke: "#3a4652" }),
      s("line", { x1: sx(0), y1: 10, x2: sx(0), y2: Hh - 20, stroke: "#3a4652" }),
    );
    const residuals = P.x.map(() => s("line", { stroke: "#ffb02e", "stroke-width": 1.5, "stroke-dasharray": "3 2" }));
    scatter.append(...residuals);
    P.x.forEach((xv, i) => scatter.append(s("circle", { cx: sx(xv), cy: sy(P.y[i]), r: 3.5, fill: "#35d0e0" })));
    const fitLine = s("line", { stroke: "#e8edf2", "stroke-width": 2.5 });
    scatter.append(fitLine);

    // loss map
    const G = 61;
    const canvas = h("canvas", { width: 320, height: 300, role: "img", "aria-label": "loss over (w, b) with the descent path; drag to move the start" });
    const ctx = canvas.getContext("2d")!;
    const surface = (() => {
      const wv = tg.linspace(P.wRange[0], P.wRange[1], G, { dtype: "float64" });
      const bv = tg.linspace(P.bRange[0], P.bRange[1], G, { dtype: "float64" });
      const pred = wv.reshape([1, G, 1]).mul(x.reshape([1, 1, -1])).add(bv.reshape([G, 1, 1]));
      return pred.sub(y.reshape([1, 1, -1])).square().mean(2).log().data();
    })();
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of surface) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const heat = document.createElement("canvas");
    heat.width = G;
    heat.height = G;
    const hctx = heat.getContext("2d")!;
    const img = hctx.createImageData(G, G);
    for (let i = 0; i < G; i++)
      for (let j = 0; j < G; j++) {
        const t = (surface[i * G + j] - lo) / (hi - lo);
        const band = Math.floor(t * 14) % 2 === 0 ? 1 : 0.85;
        const o = 4 * ((G - 1 - i) * G + j);
        img.data[o] = (20 + 200 * t) * band;
        img.data[o + 1] = (40 + 90 * (1 - t)) * band;
        img.data[o + 2] = (90 + 120 * (1 - t)) * band;
        img.data[o + 3] = 255;
      }
    hctx.putImageData(img, 0, 0);
    const cw = (w: number) => ((w - P.wRange[0]) / (P.wRange[1] - P.wRange[0])) * canvas.width;
    const cb = (b: number) => canvas.height - ((b - P.bRange[0]) / (P.bRange[1] - P.bRange[0])) * canvas.height;

    const readout = h("p", { class: "math", "aria-live": "polite" });
    const tbody = h("tbody", {});
    const table = h(
      "table",
      { "aria-label": "iterations" },
      h("thead", {}, h("tr", {}, ...["iter", "w", "b", "loss", "dL/dw", "dL/db"].map((c) => h("th", { scope: "col" }, c)))),
      tbody,
    );
    const scroll = h("div", { class: "scroll", tabindex: 0, role: "region", "aria-label": "iteration table" }, table);
    root.append(
      h(
        "div",
        { class: "row" },
        h("div", { class: "col panel" }, h("h3", {}, "Data and line"), scatter, readout),
        h("div", { class: "col panel" }, h("h3", {}, "Loss map log L(w, b), descent path"), canvas),
        h("div", { class: "col panel" }, h("h3", {}, "Iterations"), scroll),
      ),
    );

    function render() {
      const k = bar.stage;
      const r = rowAt(k);
      wOut.textContent = `w₀ = ${num(w0)}`;
      bOut.textContent = `b₀ = ${num(b0)}`;
      fitLine.setAttribute("x1", String(sx(xr[0])));
      fitLine.setAttribute("x2", String(sx(xr[1])));
      fitLine.setAttribute("y1", String(sy(r.w * xr[0] + r.b)));
      fitLine.setAttribute("y2", String(sy(r.w * xr[1] + r.b)));
      P.x.forEach((xv, i) => {
        const e = residuals[i];
        e.setAttribute("x1", String(sx(xv)));
        e.setAttribute("x2", String(sx(xv)));
        e.setAttribute("y1", String(sy(P.y[i])));
        e.setAttribute("y2", String(sy(r.w * xv + r.b)));
      });
      readout.textContent = `iteration ${k}: w = ${num(r.w, 4)}, b = ${num(r.b, 4)}, loss = ${num(r.loss, 4)}, ∂L/∂w = ${num(r.dLdw, 4)}, ∂L/∂b = ${num(r.dLdb, 4)}`;
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(heat, 0, 0, canvas.width, canvas.height);
      ctx.strokeStyle = "#ffe066";
      ctx.lineWidth = 2;
      ctx.beginPath();
      for (let i = 0; i <= k; i++) {
        const q = rows[i];
        if (i === 0) ctx.moveTo(cw(q.w), cb(q.b));
        else ctx.lineTo(cw(q.w), cb(q.b));
      }
      ctx.stroke();
      ctx.fillStyle = "#ffffff";
      ctx.beginPath();
      ctx.arc(cw(r.w), cb(r.b), 4, 0, 2 * Math.PI);
      ctx.fill();
      // the table grows with the steps taken
      while (tbody.children.length > k + 1) tbody.lastElementChild!.remove();
      for (let i = tbody.children.length; i <= k; i++) {
        const q = rows[i];
        tbody.append(h("tr", {}, ...[String(q.iteration), fixed4(q.w), fixed4(q.b), fixed4(q.loss), fixed4(q.dLdw), fixed4(q.dLdb)].map((c) => h("td", {}, c))));
      }
      scroll.scrollTop = scroll.scrollHeight;
      writeHash("line", { data: key, w: w0, b: b0, lr, step: k });
    }
    const restart = () => {
      rows = [evaluate(w0, b0, 0)];
      tbody.replaceChildren();
      bar.stop();
      bar.set(0);
    };
    wSlider.addEventListener("input", () => {
      w0 = Number(wSlider.value);
      restart();
    });
    bSlider.addEventListener("input", () => {
      b0 = Number(bSlider.value);
      restart();
    });
    lrIn.addEventListener("change", () => {
      const v = Number(lrIn.value);
      if (!(v > 0) || !Number.isFinite(v)) return;
      lr = v;
      restart();
    });
    dataSel.addEventListener("change", () => {
      location.hash = `#line?data=${dataSel.value}`;
    });
    let dragging = false;
    const place = (ev: PointerEvent) => {
      const rect = canvas.getBoundingClientRect();
      const fx = (ev.clientX - rect.left) / rect.width;
      const fy = (ev.clientY - rect.top) / rect.height;
      w0 = +(P.wRange[0] + fx * (P.wRange[1] - P.wRange[0])).toFixed(2);
      b0 = +(P.bRange[1] - fy * (P.bRange[1] - P.bRange[0])).toFixed(2);
      wSlider.value = String(w0);
      bSlider.value = String(b0);
      restart();
    };
    canvas.addEventListener("pointerdown", (ev) => {
      dragging = true;
      canvas.setPointerCapture(ev.pointerId);
      place(ev);
    });
    canvas.addEventListener("pointermove", (ev) => dragging && place(ev));
    canvas.addEventListener("pointerup", () => (dragging = false));
    return () => bar.stop();
  },
};
