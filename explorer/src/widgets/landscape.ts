// Loss landscapes: a convex quadratic and the non-convex Himmelblau function (four minima, found
// in the page by Newton's method with `tg.hessian`). Click the map (or type a start) to set
// gradient descent, momentum and Adam off from the same point; each step is a tensorgrad
// `backward()` and optimiser update.

import * as tg from "../../../src/index.js";
import { makeOptimizer, optimizerLabel, type OptimizerKind } from "../../../src/examples/index.js";
import { field, h, intParam, num, numParam, stepper, writeHash } from "../ui.js";
import type { Widget } from "../widget.js";

type Surface = "convex" | "himmelblau";
const KINDS: OptimizerKind[] = ["sgd", "momentum", "adam"];
const COLORS: Record<string, string> = { sgd: "#6fa8ff", momentum: "#ffb02e", adam: "#5ee08a" };
const LR: Record<Surface, Record<string, number>> = {
  convex: { sgd: 0.05, momentum: 0.01, adam: 0.1 },
  himmelblau: { sgd: 0.005, momentum: 0.001, adam: 0.1 },
};
const STEPS = 150;
const RANGE: [number, number] = [-5, 5];

/** f(p) for p = [x, y] as a tensorgrad function. */
function f(kind: Surface, p: tg.Tensor): tg.Tensor {
  const x = p.slice([0, 1]).sum();
  const y = p.slice([1, 2]).sum();
  if (kind === "convex") return x.square().add(y.square().mul(4)).add(x.mul(y).mul(1.5)).mul(0.5);
  return x.square().add(y).sub(11).square().add(x.add(y.square()).sub(7).square()).div(10);
}

/** The local minima: Newton's method from near each one, with the Hessian by tensorgrad. */
function minima(kind: Surface): [number, number][] {
  const starts: [number, number][] = kind === "convex" ? [[0.5, 0.5]] : [[3, 2], [-2.8, 3.1], [-3.8, -3.3], [3.6, -1.8]];
  const grad = tg.grad((p: tg.Tensor) => f(kind, p));
  const hess = tg.hessian((p: tg.Tensor) => f(kind, p));
  return starts.map(([x0, y0]) => {
    let p = [x0, y0];
    for (let i = 0; i < 20; i++) {
      const t = tg.tensor(p, { dtype: "float64" });
      const [gx, gy] = grad(t).data();
      const [a, b, c, d] = hess(t).data();
      const det = a * d - b * c;
      p = [p[0] - (d * gx - b * gy) / det, p[1] - (-c * gx + a * gy) / det];
    }
    return p as [number, number];
  });
}

export const landscapeWidget: Widget = {
  id: "landscape",
  title: "Loss landscapes",
  short: "Landscapes",
  mount(root, params) {
    const kind: Surface = params.get("f") === "himmelblau" ? "himmelblau" : "convex";
    // on Himmelblau's function this start sends Adam to a different minimum than SGD and momentum
    const home: [number, number] = kind === "convex" ? [-4, 4] : [0, -1];
    let start: [number, number] = [numParam(params, "x", home[0], ...RANGE), numParam(params, "y", home[1], ...RANGE)];
    const lr: Record<string, number> = {};
    for (const k of KINDS) lr[k] = numParam(params, `lr_${k}`, LR[kind][k], 1e-5, 2);

    root.append(
      h("p", { class: "lede" }, "A convex bowl has one minimum that every optimiser reaches; Himmelblau's function has four, and where you start decides which one you get. Click the map (or type a start) and step."),
    );
    const fSel = h("select", {}, h("option", { value: "convex", selected: kind === "convex" }, "convex: ½(x² + 4y² + 1.5xy)"), h("option", { value: "himmelblau", selected: kind === "himmelblau" }, "non-convex: Himmelblau / 10"));
    const xIn = h("input", { type: "number", step: "0.1", min: "-5", max: "5", value: String(start[0]) });
    const yIn = h("input", { type: "number", step: "0.1", min: "-5", max: "5", value: String(start[1]) });
    const lrIns = KINDS.map((k) => h("input", { type: "number", step: "any", min: "0.00001", value: String(lr[k]) }));
    root.append(
      h("div", { class: "controls" }, field("function", fSel), field("start x", xIn), field("start y", yIn), ...lrIns.map((el, i) => field(`${optimizerLabel(KINDS[i])} lr`, el))),
    );
    fSel.addEventListener("change", () => (location.hash = `#landscape?f=${fSel.value}`));

    const mins = minima(kind);
    let paths: Record<string, { x: number[]; y: number[]; f: number[] }> = {};
    const run = () => {
      paths = {};
      for (const [i, k] of KINDS.entries()) {
        const rate = Number(lrIns[i].value);
        lr[k] = rate > 0 ? rate : LR[kind][k];
        const p = tg.tensor(start, { dtype: "float64" }).setRequiresGrad();
        const opt = makeOptimizer(k, [p], lr[k]);
        const path = { x: [] as number[], y: [] as number[], f: [] as number[] };
        for (let t = 0; t <= STEPS; t++) {
          opt.zeroGrad();
          const v = f(kind, p);
          const [px, py] = p.data();
          path.x.push(px);
          path.y.push(py);
          path.f.push(v.item());
          if (t === STEPS || !Number.isFinite(path.f[t]) || Math.abs(px) > 50 || Math.abs(py) > 50) break;
          v.backward();
          opt.step();
        }
        paths[k] = path;
      }
    };
    run();

    const bar = stepper({ total: STEPS, start: intParam(params, "step", STEPS, 0, STEPS), label: "Optimiser steps", intervalMs: 15, onStage: () => draw() });
    const canvas = h("canvas", { width: 400, height: 400, role: "img", "aria-label": "contours of the function with the minima and the three paths; click to start there" });
    const table = h("tbody", {});
    const legend = h("div", { class: "legend" }, ...KINDS.map((k) => h("span", {}, h("span", { class: "swatch", style: `background: ${COLORS[k]}` }), optimizerLabel(k))), h("span", {}, "✕ minima"));
    root.append(
      bar.el,
      h(
        "div",
        { class: "row" },
        h("div", { class: "col panel" }, canvas, legend),
        h(
          "div",
          { class: "col panel" },
          h("h3", {}, "Where each optimiser is"),
          h("table", { "aria-label": "optimiser positions" }, h("thead", {}, h("tr", {}, ...["optimiser", "lr", "x", "y", "f"].map((c) => h("th", { scope: "col" }, c)))), table),
          h("h3", {}, "Minima (Newton's method with tg.hessian)"),
          h("ul", { "data-minima": "" }, ...mins.map(([x, y]) => h("li", {}, `(${num(x, 4)}, ${num(y, 4)}), f = ${num(f(kind, tg.tensor([x, y], { dtype: "float64" })).item(), 6)}`))),
        ),
      ),
    );

    // the surface on a grid, by tensorgrad, as a banded heat map
    const G = 100;
    const axis = tg.linspace(RANGE[0], RANGE[1], G, { dtype: "float64" });
    const gx = axis.reshape([1, G]);
    const gy = axis.reshape([G, 1]);
    const surf = (kind === "convex"
      ? gx.square().add(gy.square().mul(4)).add(gx.mul(gy).mul(1.5)).mul(0.5)
      : gx.square().add(gy).sub(11).square().add(gx.add(gy.square()).sub(7).square()).div(10)
    ).add(1).log().data();
    let hi = -Infinity;
    for (const v of surf) hi = Math.max(hi, v);
    const heat = document.createElement("canvas");
    heat.width = G;
    heat.height = G;
    const hctx = heat.getContext("2d")!;
    const img = hctx.createImageData(G, G);
    for (let i = 0; i < G; i++)
      for (let j = 0; j < G; j++) {
        const t = surf[i * G + j] / hi;
        const band = Math.floor(t * 16) % 2 === 0 ? 1 : 0.82;
        const o = 4 * ((G - 1 - i) * G + j);
        img.data[o] = (25 + 170 * t) * band;
        img.data[o + 1] = (45 + 60 * (1 - t)) * band;
        img.data[o + 2] = (95 + 90 * (1 - t)) * band;
        img.data[o + 3] = 255;
      }
    hctx.putImageData(img, 0, 0);
    const ctx = canvas.getContext("2d")!;
    const cx = (v: number) => ((v - RANGE[0]) / (RANGE[1] - RANGE[0])) * canvas.width;
    const cy = (v: number) => canvas.height - ((v - RANGE[0]) / (RANGE[1] - RANGE[0])) * canvas.height;

    function draw() {
      const k = bar.stage;
      ctx.drawImage(heat, 0, 0, canvas.width, canvas.height);
      ctx.strokeStyle = "#ffffff";
      ctx.lineWidth = 2;
      for (const [x, y] of mins) {
        ctx.beginPath();
        ctx.moveTo(cx(x) - 5, cy(y) - 5);
        ctx.lineTo(cx(x) + 5, cy(y) + 5);
        ctx.moveTo(cx(x) + 5, cy(y) - 5);
        ctx.lineTo(cx(x) - 5, cy(y) + 5);
        ctx.stroke();
      }
      const rows: HTMLElement[] = [];
      for (const o of KINDS) {
        const p = paths[o];
        const n = Math.min(k, p.x.length - 1);
        ctx.strokeStyle = COLORS[o];
        ctx.lineWidth = 2;
        ctx.beginPath();
        for (let t = 0; t <= n; t++) (t === 0 ? ctx.moveTo : ctx.lineTo).call(ctx, cx(p.x[t]), cy(p.y[t]));
        ctx.stroke();
        ctx.fillStyle = COLORS[o];
        ctx.beginPath();
        ctx.arc(cx(p.x[n]), cy(p.y[n]), 4, 0, 2 * Math.PI);
        ctx.fill();
        rows.push(h("tr", { "data-opt": o }, ...[optimizerLabel(o), String(lr[o]), num(p.x[n], 4), num(p.y[n], 4), num(p.f[n], 5)].map((c) => h("td", {}, c))));
      }
      table.replaceChildren(...rows);
      writeHash("landscape", { f: kind, x: start[0], y: start[1], ...Object.fromEntries(KINDS.map((o) => [`lr_${o}`, lr[o]])), step: k });
    }
    const restart = () => {
      run();
      bar.stop();
      bar.set(0);
      draw();
    };
    canvas.addEventListener("click", (ev) => {
      const r = canvas.getBoundingClientRect();
      start = [
        +(RANGE[0] + ((ev.clientX - r.left) / r.width) * (RANGE[1] - RANGE[0])).toFixed(2),
        +(RANGE[1] - ((ev.clientY - r.top) / r.height) * (RANGE[1] - RANGE[0])).toFixed(2),
      ];
      xIn.value = String(start[0]);
      yIn.value = String(start[1]);
      restart();
    });
    for (const el of [xIn, yIn]) {
      el.addEventListener("change", () => {
        const v: [number, number] = [Number(xIn.value), Number(yIn.value)];
        if (v.some((u) => !Number.isFinite(u))) return;
        start = v;
        restart();
      });
    }
    for (const el of lrIns) el.addEventListener("change", restart);
    return () => bar.stop();
  },
};
