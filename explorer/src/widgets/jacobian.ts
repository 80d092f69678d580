// Gradients through a 3-layer MLP, x ∈ R³ → 4 ReLU → 4 ReLU → y ∈ R², L = ½‖y − t‖². The
// forward stages light the edges violet layer by layer; the backward stages carry ∂L/∂y from
// the right to ∂L/∂x at the left in pink, multiplied by Wᵀ at each linear layer and gated by
// the ReLU derivative 1[z > 0], with the chain-rule step each layer applies written beside it
// with the live numbers (each step a `tg.vjp` of that layer, see jacobian-net.ts). A second
// panel builds the network's full Jacobian by forward mode (one JVP per input) and by reverse
// mode (one VJP per output) and compares what each costs.

import { field, h, intParam, num, numParam, s, stepper, writeHash } from "../ui.js";
import type { Widget } from "../widget.js";
import { HIDDEN, backprop, costPoint, jacobianBothWays, type Backprop } from "./jacobian-net.js";

const STAGES = 10;
const STAGE_TEXT = [
  "Nothing computed yet.",
  "Forward: the input x enters.",
  "Forward, layer 1: z₁ = x·W₁ + b₁, then h₁ = relu(z₁).",
  "Forward, layer 2: z₂ = h₁·W₂ + b₂, then h₂ = relu(z₂).",
  "Forward, layer 3: y = h₂·W₃ + b₃, and the loss L = ½‖y − t‖².",
  "Backward: the loss hands back its gradient ∂L/∂y = y − t.",
  "Backward, layer 3: ∂L/∂h₂ = ∂L/∂y · W₃ᵀ (the VJP of a linear layer multiplies by Wᵀ).",
  "Backward, ReLU 2: ∂L/∂z₂ = ∂L/∂h₂ ⊙ 1[z₂ > 0] (units that were off pass no gradient).",
  "Backward, layer 2: ∂L/∂h₁ = ∂L/∂z₂ · W₂ᵀ.",
  "Backward, ReLU 1: ∂L/∂z₁ = ∂L/∂h₁ ⊙ 1[z₁ > 0].",
  "Backward, layer 1: ∂L/∂x = ∂L/∂z₁ · W₁ᵀ, the gradient at the input.",
];
const WIDTHS = [1, 2, 3, 4, 8, 16, 32, 64, 128];
const SHOW = 6;

const sub = (i: number) => "₀₁₂₃₄₅₆₇₈₉"[i];
const sup = (k: number) => String(k).replace(/\d/g, (d) => "⁰¹²³⁴⁵⁶⁷⁸⁹"[Number(d)]);
/** A number for a product: negative ones in parentheses. */
const pn = (v: number, digits = 2) => (num(v, digits).startsWith("−") ? `(${num(v, digits)})` : num(v, digits));
const vecText = (v: number[], digits = 2) => `[${v.map((u) => num(u, digits)).join(", ")}]`;
const mask = (z: number[]) => `[${z.map((u) => (u > 0 ? 1 : 0)).join(", ")}]`;

type Col = "x" | "h1" | "h2" | "y";

export const jacobianWidget: Widget = {
  id: "jacobian",
  title: "Gradients through a 3-layer MLP",
  short: "Jacobian",
  mount(root, params) {
    let x = [numParam(params, "x0", 1), numParam(params, "x1", -0.5), numParam(params, "x2", 0.8)];
    let t = [numParam(params, "t0", 1), numParam(params, "t1", 0)];
    let seed = intParam(params, "seed", 3, 0, 1e9);
    let stage = intParam(params, "step", 0, 0, STAGES);
    let n = intParam(params, "n", 3, 1, 128);
    let m = intParam(params, "m", 2, 1, 128);
    if (!WIDTHS.includes(n)) n = 3;
    if (!WIDTHS.includes(m)) m = 2;
    let net: Backprop = backprop(x, t, seed);
    let focused: (() => (string | Node)[]) | undefined;

    root.append(
      h(
        "p",
        { class: "lede" },
        "x ∈ R³ → 4 ReLU → 4 ReLU → y ∈ R², loss L = ½‖y − t‖². Forward edges turn violet (width |W|), backward ones pink (width |gradient carried|): ∂L/∂y flows right to left, times Wᵀ at each linear layer, gated by the ReLU derivative. Hover or focus a node for its sums.",
      ),
    );
    const xIn = x.map((v) => h("input", { type: "number", step: "0.1", value: String(v) }));
    const tIn = t.map((v) => h("input", { type: "number", step: "0.1", value: String(v) }));
    const seedIn = h("input", { type: "number", min: "0", step: "1", value: String(seed) });
    root.append(h("div", { class: "controls jaccontrols" }, ...xIn.map((el, i) => field(`x${sub(i)}`, el)), ...tIn.map((el, i) => field(`target t${sub(i)}`, el)), field("weights seed", seedIn)));

    // ---- the network diagram ----
    const area = h("div", { class: "stagearea panel jac", style: "height: 360px" });
    const svg = s("svg", { viewBox: "0 0 100 100", preserveAspectRatio: "none", "aria-hidden": "true" });
    area.append(svg);
    const colX: Record<Col, number> = { x: 11, h1: 37, h2: 63, y: 89 };
    const ys = (k: number) => Array.from({ length: k }, (_, i) => ((i + 1) * 100) / (k + 1));
    const size: Record<Col, number> = { x: 3, h1: HIDDEN, h2: HIDDEN, y: 2 };

    type Edge = { layer: 1 | 2 | 3; i: number; j: number; line: SVGLineElement };
    const edges: Edge[] = [];
    const pairs: [1 | 2 | 3, Col, Col][] = [
      [1, "x", "h1"],
      [2, "h1", "h2"],
      [3, "h2", "y"],
    ];
    for (const [layer, a, b] of pairs)
      for (let i = 0; i < size[a]; i++)
        for (let j = 0; j < size[b]; j++) {
          const line = s("line", { x1: colX[a], y1: ys(size[a])[i], x2: colX[b], y2: ys(size[b])[j], class: "edge", "vector-effect": "non-scaling-stroke" });
          svg.append(line);
          edges.push({ layer, i, j, line });
        }

    type NodeEl = { col: Col; i: number; btn: HTMLButtonElement };
    const nodes: NodeEl[] = [];
    for (const col of ["x", "h1", "h2", "y"] as Col[])
      ys(size[col]).forEach((top, i) => {
        const btn = h("button", { type: "button", class: "node", style: `left: ${colX[col]}%; top: ${top}%`, "data-node": `${col}-${i}` });
        const nd: NodeEl = { col, i, btn };
        const showIt = () => show(() => nodeMath(nd));
        btn.addEventListener("mouseenter", showIt);
        btn.addEventListener("focus", showIt);
        btn.addEventListener("click", showIt);
        area.append(btn);
        nodes.push(nd);
      });

    const lossBox = h("div", { class: "panel", style: "margin-top: 6px", "aria-live": "polite", "data-loss": "" });
    const stageText = h("p", { class: "status", "aria-live": "polite" });

    // ---- the chain rule beside each layer ----
    type Line = { at: number; el: HTMLElement; formula: string; values(): string };
    const lines: Line[] = [];
    const card = (title: string, spec: [number, "fwd" | "bwd", string, () => string][]) => {
      const box = h("div", { class: "col panel layercard" }, h("h3", {}, title));
      for (const [at, dir, formula, values] of spec) {
        const el = h("p", { class: `fline ${dir}`, "data-at": at });
        lines.push({ at, el, formula, values });
        box.append(el);
      }
      return box;
    };
    const layer1 = card("Layer 1: W₁ (3×4), ReLU", [
      [2, "fwd", "z₁ = x·W₁ + b₁", () => vecText(net.z1)],
      [2, "fwd", "h₁ = relu(z₁)", () => vecText(net.h1)],
      [9, "bwd", "∂L/∂z₁ = ∂L/∂h₁ ⊙ 1[z₁ > 0]", () => `${vecText(net.gh1)} ⊙ ${mask(net.z1)} = ${vecText(net.gz1, 3)}`],
      [10, "bwd", "∂L/∂x = ∂L/∂z₁ · W₁ᵀ", () => vecText(net.gx, 3)],
    ]);
    const layer2 = card("Layer 2: W₂ (4×4), ReLU", [
      [3, "fwd", "z₂ = h₁·W₂ + b₂", () => vecText(net.z2)],
      [3, "fwd", "h₂ = relu(z₂)", () => vecText(net.h2)],
      [7, "bwd", "∂L/∂z₂ = ∂L/∂h₂ ⊙ 1[z₂ > 0]", () => `${vecText(net.gh2)} ⊙ ${mask(net.z2)} = ${vecText(net.gz2, 3)}`],
      [8, "bwd", "∂L/∂h₁ = ∂L/∂z₂ · W₂ᵀ", () => vecText(net.gh1, 3)],
    ]);
    const layer3 = card("Layer 3: W₃ (4×2), then the loss", [
      [4, "fwd", "y = h₂·W₃ + b₃", () => vecText(net.y)],
      [5, "bwd", "∂L/∂y = y − t", () => `${vecText(net.y)} − ${vecText(net.t)} = ${vecText(net.gy, 3)}`],
      [6, "bwd", "∂L/∂h₂ = ∂L/∂y · W₃ᵀ", () => vecText(net.gh2, 3)],
    ]);
    const check = h("p", { class: "math", "aria-live": "polite", "data-check": "" });
    const detail = h("div", { class: "panel detail", "aria-live": "polite" });

    const bar = stepper({
      total: STAGES,
      start: stage,
      label: "Jacobian stages",
      onStage(k) {
        stage = k;
        render();
      },
    });
    root.append(
      bar.el,
      area,
      lossBox,
      stageText,
      h("h3", {}, "The chain rule, layer by layer (each step is a tg.vjp of that layer)"),
      h("div", { class: "row layercards" }, layer1, layer2, layer3),
      check,
      h("h3", {}, "Math at the focused node"),
      detail,
    );

    function show(f: () => (string | Node)[]) {
      focused = f;
      detail.replaceChildren(...f());
    }
    const P = (...parts: (string | Node)[]) => h("p", { class: "math" }, ...parts);
    // Σⱼ g[j]·W[i,j]: the i-th entry of g·Wᵀ
    const backSum = (name: string, i: number, gName: string, g: number[], wName: string, W: number[][], value: number) =>
      P(`${name}[${i}] = Σⱼ ${gName}[j]·${wName}[${i},j] = ${g.map((gj, j) => `${pn(gj, 3)}·${pn(W[i][j])}`).join(" + ")} = ${num(value, 4)}`);
    const fwdSum = (name: string, i: number, inName: string, v: number[], wName: string, W: number[][], b: number[], value: number) =>
      P(`${name}[${i}] = Σₖ ${inName}[k]·${wName}[k,${i}] + b[${i}] = ${v.map((vk, k) => `${pn(vk)}·${pn(W[k][i])}`).join(" + ")} + ${pn(b[i])} = ${num(value, 4)}`);
    function nodeMath(nd: NodeEl): (string | Node)[] {
      const i = nd.i;
      if (nd.col === "x") return [P(`x[${i}] = ${num(net.x[i])} (input)`), backSum("∂L/∂x", i, "∂L/∂z₁", net.gz1, "W₁", net.W1, net.gx[i])];
      if (nd.col === "y")
        return [fwdSum("y", i, "h₂", net.h2, "W₃", net.W3, net.b3, net.y[i]), P(`∂L/∂y[${i}] = y[${i}] − t[${i}] = ${num(net.y[i], 4)} − ${pn(net.t[i])} = ${num(net.gy[i], 4)}`)];
      const [l, xin, W, b, z, hv, gh, gz, gNext, WNext, gNextName, WNextName] =
        nd.col === "h1"
          ? (["₁", "x", net.W1, net.b1, net.z1, net.h1, net.gh1, net.gz1, net.gz2, net.W2, "∂L/∂z₂", "W₂"] as const)
          : (["₂", "h₁", net.W2, net.b2, net.z2, net.h2, net.gh2, net.gz2, net.gy, net.W3, "∂L/∂y", "W₃"] as const);
      const inV = nd.col === "h1" ? net.x : net.h1;
      const on = z[i] > 0 ? 1 : 0;
      return [
        fwdSum(`z${l}`, i, xin, inV, `W${l}`, W, b, z[i]),
        P(`h${l}[${i}] = relu(z${l}[${i}]) = ${num(hv[i], 4)}; ReLU derivative 1[z${l}[${i}] > 0] = ${on}`),
        backSum(`∂L/∂h${l}`, i, gNextName, gNext, WNextName, WNext, gh[i]),
        P(`∂L/∂z${l}[${i}] = ∂L/∂h${l}[${i}] · 1[z${l}[${i}] > 0] = ${pn(gh[i], 4)} · ${on} = ${num(gz[i], 4)}`),
      ];
    }

    function render() {
      const at = stage;
      for (const nd of nodes) {
        const i = nd.i;
        let name = "";
        let value = "?";
        let grad = "";
        let fwd = false;
        let bwd = false;
        if (nd.col === "x") {
          name = `x${sub(i)}`;
          fwd = at >= 1;
          if (fwd) value = num(net.x[i]);
          bwd = at >= 10;
          if (bwd) grad = `g ${num(net.gx[i])}`;
        } else if (nd.col === "y") {
          name = `y${sub(i)}`;
          fwd = at >= 4;
          if (fwd) value = num(net.y[i]);
          bwd = at >= 5;
          if (bwd) grad = `g ${num(net.gy[i])}`;
        } else {
          const two = nd.col === "h2";
          const [z, hv, gh, gz] = two ? [net.z2, net.h2, net.gh2, net.gz2] : [net.z1, net.h1, net.gh1, net.gz1];
          const [fAt, gAt] = two ? [3, 6] : [2, 8];
          name = `h${two ? "₂" : "₁"}[${i}]`;
          fwd = at >= fAt;
          if (fwd) value = num(hv[i]);
          if (fwd && z[i] <= 0) name += " off";
          bwd = at >= gAt;
          if (at >= gAt + 1) grad = `δ ${num(gz[i])}`;
          else if (bwd) grad = `g ${num(gh[i])}`;
        }
        nd.btn.classList.toggle("fwd", fwd && !bwd);
        nd.btn.classList.toggle("bwd", bwd);
        nd.btn.replaceChildren(h("span", { class: "name" }, name), " ", h("span", { class: "val" }, value), ...(grad ? [" ", h("span", { class: "grad" }, grad)] : []));
        nd.btn.setAttribute("aria-label", `${name} ${value}${grad ? ` ${grad}` : ""}${value === "?" ? " (not computed yet)" : ""}`);
      }
      const Ws = [net.W1, net.W2, net.W3];
      // backward, the edge i → j of a layer carries g[j]·W[i,j] of the gradient at its input,
      // g the (ReLU-gated) gradient at the layer's output: an edge into an off unit carries none
      const gOut = [net.gz1, net.gz2, net.gy];
      for (const e of edges) {
        const fwd = at >= e.layer + 1;
        const bwd = at >= [10, 8, 6][e.layer - 1];
        const w = Ws[e.layer - 1][e.i][e.j];
        const carried = gOut[e.layer - 1][e.j] * w;
        const dead = bwd && carried === 0;
        e.line.setAttribute("class", `edge${dead ? " dead" : bwd ? " bwd" : fwd ? " fwd" : ""}`);
        const width = bwd ? 1 + 3 * Math.min(1, Math.abs(carried)) : 1 + 2.2 * Math.min(1.5, Math.abs(w));
        e.line.style.strokeWidth = `${width.toFixed(2)}px`;
      }
      lossBox.textContent =
        at >= 4 ? `loss L = ½‖y − t‖² = ½(${pn(net.y[0] - net.t[0], 4)}² + ${pn(net.y[1] - net.t[1], 4)}²) = ${num(net.loss, 4)}` : "loss L = ?";
      stageText.textContent = `Stage ${at}: ${STAGE_TEXT[at]}`;
      for (const ln of lines) {
        const done = at >= ln.at;
        ln.el.classList.toggle("done", done);
        ln.el.classList.toggle("now", at === ln.at);
        ln.el.textContent = `${ln.formula} = ${done ? ln.values() : "?"}`;
      }
      if (at >= 10) {
        const diff = Math.max(...net.gx.map((v, i) => Math.abs(v - net.gxDirect[i])));
        check.textContent = `Check: the whole chain is ∂L/∂x = ∂L/∂y · W₃ᵀ · D₂ · W₂ᵀ · D₁ · W₁ᵀ with Dₗ = diag(1[zₗ > 0]); tg.grad(L)(x) in one call gives ${vecText(net.gxDirect, 3)}, largest difference from the layer-by-layer VJPs ${diff.toExponential(1)}.`;
        check.dataset.diff = String(diff);
      } else {
        check.textContent = "Check: step to stage 10 to compare the layer-by-layer result with tg.grad of the whole loss.";
        delete check.dataset.diff;
      }
      if (focused) detail.replaceChildren(...focused());
      else detail.replaceChildren(h("p", { class: "status" }, "Hover or focus a node."));
      save();
    }
    const save = () => writeHash("jacobian", { x0: x[0], x1: x[1], x2: x[2], t0: t[0], t1: t[1], seed, step: stage, n, m });

    // ---- forward vs reverse mode for the whole Jacobian ----
    const nSel = h("select", {}, ...WIDTHS.map((v) => h("option", { value: String(v), selected: v === n }, String(v))));
    const mSel = h("select", {}, ...WIDTHS.map((v) => h("option", { value: String(v), selected: v === m }, String(v))));
    const costHead = h("h3", {});
    const costBody = h("tbody", {});
    const verdict = h("p", { class: "math", "aria-live": "polite", "data-verdict": "" });
    const timing = h("p", { class: "status", "data-jac-timing": "" });
    const jacs = h("div", { class: "row" });
    const cost = h(
      "div",
      { class: "panel", style: "margin-top: 12px", "data-cost": "" },
      costHead,
      h("p", { class: "lede" }, "The Jacobian J = ∂y/∂x has m rows and n columns. Forward mode pushes one tangent eⱼ through the network per pass (a JVP gives column j); reverse mode pulls one cotangent eᵢ back per pass (a VJP gives row i). Change the widths to see which mode wins when; n = 3, m = 2 is the network above."),
      h("div", { class: "controls" }, field("input width n", nSel), field("output width m", mSel)),
      h(
        "table",
        { "aria-label": "cost of forward and reverse mode" },
        h("thead", {}, h("tr", {}, ...["mode", "passes", "multiply-adds", "time per J"].map((c) => h("th", { scope: "col" }, c)))),
        costBody,
      ),
      verdict,
      timing,
      jacs,
    );
    root.append(cost);
    const jacTable = (label: string, J: number[][], by: "column" | "row") => {
      const rows = J.slice(0, SHOW).map((r, i) => h("tr", {}, h("th", { scope: "row" }, `y${i < 10 ? sub(i) : i}`), ...r.slice(0, SHOW).map((v) => h("td", { class: by === "column" ? "fwdcell" : "bwdcell" }, num(v, 3)))));
      const cols = Math.min(SHOW, J[0].length);
      return h(
        "div",
        { class: "col" },
        h("h3", {}, label),
        h("table", { "aria-label": label }, h("thead", {}, h("tr", {}, h("td", {}), ...Array.from({ length: cols }, (_, j) => h("th", { scope: "col" }, `x${j < 10 ? sub(j) : j}`)))), h("tbody", {}, ...rows)),
      );
    };
    function runCost() {
      const r = jacobianBothWays(n, m, seed, costPoint(n, seed, x));
      costHead.textContent = `Forward vs reverse mode for the whole Jacobian of f: R${sup(n)} → R${sup(m)} (${n} → 4 → 4 → ${m})`;
      costBody.replaceChildren(
        ...[
          ["forward (tg.jvp)", r.forward, `${n} JVP${n === 1 ? "" : "s"}`],
          ["reverse (tg.vjp)", r.reverse, `${m} VJP${m === 1 ? "" : "s"}`],
        ].map(([label, c, passes]) => {
          const mc = c as typeof r.forward;
          return h("tr", { "data-mode": String(label).split(" ")[0] }, h("td", {}, String(label)), h("td", {}, String(passes)), h("td", {}, mc.macs.toLocaleString("en-US")), h("td", { "data-jac-timing": "" }, `${num(mc.ms, 3)} ms`));
        }),
      );
      const winner = n < m ? "forward mode needs fewer passes" : m < n ? "reverse mode needs fewer passes" : "both need the same number of passes";
      verdict.textContent = `${n} JVPs vs ${m} VJPs: ${winner}. The two Jacobians agree to ${r.maxDiff.toExponential(1)} (largest difference).`;
      verdict.dataset.diff = String(r.maxDiff);
      if (n === 3 && m === 2) {
        // the network above: its input gradient is one more VJP, ∂L/∂x = ∂L/∂y · J
        const viaJ = [0, 1, 2].map((j) => net.gy[0] * r.reverse.J[0][j] + net.gy[1] * r.reverse.J[1][j]);
        verdict.append(h("br", {}), `For the network above, ∂L/∂x = ∂L/∂y · J = ${vecText(net.gy, 3)} · J = ${vecText(viaJ, 3)}, as the backward pass found.`);
      }
      const ratio = r.forward.ms / r.reverse.ms;
      timing.textContent = `Measured live in this page: reverse mode ran ${ratio >= 1 ? `${num(ratio, 1)}× faster` : `${num(1 / ratio, 1)}× slower`} than forward mode (the mean of ${r.forward.reps} and ${r.reverse.reps} runs). Multiply-adds count the matmuls: a JVP carries its tangent beside the primal (2 forward passes' worth), the VJPs share one forward pass and each pull is one backward pass.`;
      const note = n > SHOW || m > SHOW ? ` (the first ${SHOW} rows and columns of ${m}×${n})` : ` (${m}×${n})`;
      jacs.replaceChildren(jacTable(`J by forward mode, column by column${note}`, r.forward.J, "column"), jacTable(`J by reverse mode, row by row${note}`, r.reverse.J, "row"));
    }
    nSel.addEventListener("change", () => {
      n = Number(nSel.value);
      runCost();
      save();
    });
    mSel.addEventListener("change", () => {
      m = Number(mSel.value);
      runCost();
      save();
    });
    runCost();

    const recompute = () => {
      const nx = xIn.map((el) => Number(el.value));
      const nt = tIn.map((el) => Number(el.value));
      const ns = Number(seedIn.value);
      if ([...nx, ...nt].some((v) => !Number.isFinite(v)) || !Number.isInteger(ns) || ns < 0) return;
      x = nx;
      t = nt;
      seed = ns;
      net = backprop(x, t, seed);
      runCost();
      render();
    };
    for (const el of [...xIn, ...tIn, seedIn]) el.addEventListener("input", recompute);
    return () => bar.stop();
  },
};
