// Depth and gradient flow: the per-layer weight-gradient norms of a deep ReLU MLP after one
// backward pass, for too-small, He and too-large initializations, with and without residual
// connections (src/examples' depthGradients, run in the page); the stages reveal the norms
// layer by layer from the output back, as the backward pass computes them. A second panel
// computes the gradient of a 3-layer MLP's loss both ways, reverse mode (one `tg.grad` pass)
// and forward mode (one `tg.jvp` pass per parameter), and compares their results and cost.

import * as tg from "../../../src/index.js";
import { depthGradients, type DepthRun } from "../../../src/examples/index.js";
import { field, h, intParam, num, s, stepper, writeHash } from "../ui.js";
import type { Widget } from "../widget.js";

const COLORS: Record<string, string> = { small: "#6fa8ff", he: "#5ee08a", large: "#ff7b72" };
const label = (r: DepthRun) => `${r.init === "he" ? "He" : r.init}${r.residual ? " + residual" : ""}`;

export const depthWidget: Widget = {
  id: "depth",
  title: "Depth and gradient flow",
  short: "Depth",
  mount(root, params) {
    const depth = intParam(params, "depth", 30, 4, 60);
    const seed = intParam(params, "seed", 0, 0, 1e9);
    root.append(
      h("p", { class: "lede" }, "One backward pass through a deep ReLU MLP (width 32). Too small weights make the gradient vanish towards the input, too large ones make it explode; He initialization keeps it level, and residual connections keep every initialization in range. Step to watch the backward pass reach each layer."),
    );
    const depthIn = h("input", { type: "range", min: "4", max: "60", step: "1", value: String(depth) });
    const depthOut = h("output", {}, String(depth));
    const seedIn = h("input", { type: "number", min: "0", step: "1", value: String(seed) });
    root.append(h("div", { class: "controls" }, field("layers", depthIn), depthOut, field("seed", seedIn)));
    depthIn.addEventListener("input", () => (depthOut.textContent = depthIn.value));
    const reload = () => (location.hash = `#depth?depth=${depthIn.value}&seed=${seedIn.value}`);
    depthIn.addEventListener("change", reload);
    seedIn.addEventListener("change", reload);

    const result = depthGradients({ depth, seed, powerIterations: 10 });
    const runs = result.runs;
    const bar = stepper({ total: depth, start: intParam(params, "step", depth, 0, depth), label: "Backward pass through the layers", intervalMs: 60, onStage: () => draw() });
    const W = 560;
    const H = 300;
    const plot = s("svg", { class: "plot", viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", "aria-label": "weight-gradient norm per layer, log scale" });
    const tbody = h("tbody", {});
    root.append(
      bar.el,
      h(
        "div",
        { class: "row" },
        h(
          "div",
          { class: "col panel" },
          h("h3", {}, "‖∂L/∂Wₗ‖ per layer (log scale; input on the left)"),
          plot,
          h("div", { class: "legend" }, ...["small", "he", "large"].map((k) => h("span", {}, h("span", { class: "swatch", style: `background:${COLORS[k]}` }), k === "he" ? "He" : k)), h("span", {}, "dashed: residual")),
        ),
        h(
          "div",
          { class: "col panel" },
          h("h3", {}, "First layer vs last"),
          h("table", { "aria-label": "gradient norms" }, h("thead", {}, h("tr", {}, ...["network", "‖∂L/∂W₁‖", `‖∂L/∂W${depth}‖`, "ratio"].map((c) => h("th", { scope: "col" }, c)))), tbody),
        ),
      ),
    );
    const logs = runs.flatMap((r) => r.weightGradNorm.map((v) => Math.log10(Math.max(v, 1e-300))));
    const lo = Math.floor(Math.min(...logs));
    const hi = Math.ceil(Math.max(...logs));
    const px = (l: number) => 50 + (l / Math.max(1, depth - 1)) * (W - 60);
    const py = (v: number) => 10 + (1 - (Math.log10(Math.max(v, 1e-300)) - lo) / Math.max(1, hi - lo)) * (H - 40);
    tbody.append(
      ...runs.map((r) =>
        h("tr", {}, ...[label(r), r.weightGradNorm[0].toExponential(2), r.weightGradNorm[depth - 1].toExponential(2), (r.weightGradNorm[0] / r.weightGradNorm[depth - 1]).toExponential(1)].map((c) => h("td", {}, c))),
      ),
    );
    function draw() {
      const k = bar.stage;
      plot.replaceChildren();
      const step = Math.max(1, Math.ceil((hi - lo) / 8));
      for (let e = lo; e <= hi; e += step) {
        plot.append(s("line", { x1: 50, y1: py(10 ** e), x2: W - 10, y2: py(10 ** e), stroke: "#2a343e" }), s("text", { x: 4, y: py(10 ** e) + 4, fill: "#a9b4bf", "font-size": 11 }, `1e${e}`));
      }
      plot.append(s("text", { x: 50, y: H - 6, fill: "#a9b4bf", "font-size": 11 }, "layer 1"), s("text", { x: W - 60, y: H - 6, fill: "#a9b4bf", "font-size": 11 }, `layer ${depth}`));
      // the backward pass has reached the last k layers
      const from = depth - k;
      for (const r of runs) {
        let d = "";
        for (let l = from; l < depth; l++) d += `${l === from ? "M" : "L"}${px(l).toFixed(1)},${py(r.weightGradNorm[l]).toFixed(1)}`;
        if (d) plot.append(s("path", { d, fill: "none", stroke: COLORS[r.init], "stroke-width": 2, "stroke-dasharray": r.residual ? "6 4" : undefined }));
      }
      if (k < depth && k > 0) plot.append(s("line", { x1: px(from), y1: 10, x2: px(from), y2: H - 30, stroke: "#ffb02e", "stroke-dasharray": "3 3" }));
      writeHash("depth", { depth, seed, step: k });
    }

    // ---- forward vs reverse mode on a 3-layer MLP ----
    const sizes = [2, 8, 8, 1];
    const shapes = sizes.slice(1).flatMap((n, i) => [[sizes[i], n], [n]]);
    const P = shapes.reduce((a, sh) => a + sh.reduce((u, v) => u * v, 1), 0);
    const gen = tg.random.generator(seed);
    const theta = tg.randn([P], { generator: gen, dtype: "float64" }).mul(0.5);
    const X = tg.randn([32, 2], { generator: gen, dtype: "float64" });
    const Y = X.square().sum(1, { keepdims: true });
    const loss = (th: tg.Tensor) => {
      let off = 0;
      const take = (sh: number[]) => {
        const n = sh.reduce((u, v) => u * v, 1);
        const t = th.slice([off, off + n]).reshape(sh);
        off += n;
        return t;
      };
      let a = X;
      for (let l = 0; l < 3; l++) {
        a = a.matmul(take(shapes[2 * l])).add(take(shapes[2 * l + 1]));
        if (l < 2) a = a.tanh();
      }
      return a.sub(Y).square().mean();
    };
    const cost = h("div", { class: "panel", style: "margin-top: 12px", "data-cost": "" });
    root.append(cost);
    const runCost = h("button", { type: "button" }, "Compute the gradient both ways");
    cost.append(
      h("h3", {}, `Forward vs reverse mode: the gradient of a 3-layer MLP's loss (${sizes.join(" → ")}, ${P} parameters)`),
      h("p", { class: "lede" }, `Reverse mode gets all ${P} partial derivatives from one backward pass; forward mode gets one per pass (a JVP along each basis direction), so it needs ${P} passes.`),
      runCost,
    );
    const out = h("p", { class: "math", "aria-live": "polite" });
    cost.append(out);
    runCost.addEventListener("click", () => {
      const t0 = performance.now();
      const g = tg.grad(loss)(theta);
      const rev = Array.from(g.data());
      const t1 = performance.now();
      const fwd: number[] = [];
      for (let i = 0; i < P; i++) {
        const e = tg.oneHot(tg.tensor([i], { dtype: "int32" }), P, { dtype: "float64" }).reshape([P]);
        fwd.push(tg.jvp(loss, [theta], [e])[1].item());
      }
      const t2 = performance.now();
      const diff = Math.max(...rev.map((v, i) => Math.abs(v - fwd[i])));
      out.textContent = `reverse mode: 1 pass, ${num(t1 - t0, 1)} ms; forward mode: ${P} passes, ${num(t2 - t1, 1)} ms (${num((t2 - t1) / Math.max(t1 - t0, 0.01), 0)}× longer); largest difference between the two gradients: ${(diff).toExponential(1)}`;
      out.dataset.diff = String(diff);
    });
    return () => bar.stop();
  },
};
