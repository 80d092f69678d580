// Walk the computational graph of L = act(a·b + c): forward stages fill in values (cyan),
// backward stages fill in gradients (amber). Values, gradients and the backward rules all come
// from tensorgrad: `tg.trace` records the graph with every value and gradient, and each node's
// rule is its primitive's `formula` and `vjp` from the primitive table.

import * as tg from "../../../src/index.js";
import { PRIMITIVES } from "../../../src/prims/table.js";
import { field, h, intParam, num, numParam, s, stepper, writeHash } from "../ui.js";
import type { Widget } from "../widget.js";

type Act = "relu" | "tanh";
interface Placed {
  key: "a" | "b" | "c" | "d" | "e" | "L";
  x: number;
  y: number;
}
const LAYOUT: Placed[] = [
  { key: "a", x: 15, y: 18 },
  { key: "b", x: 15, y: 54 },
  { key: "c", x: 38, y: 86 },
  { key: "d", x: 40, y: 36 },
  { key: "e", x: 62, y: 64 },
  { key: "L", x: 85, y: 36 },
];
const EDGES: [Placed["key"], Placed["key"]][] = [["a", "d"], ["b", "d"], ["d", "e"], ["c", "e"], ["e", "L"]];
/** The stage at which each node's value, then its gradient, appears. */
const VALUE_AT: Record<Placed["key"], number> = { a: 1, b: 1, c: 1, d: 2, e: 3, L: 4 };
const GRAD_AT: Record<Placed["key"], number> = { L: 5, e: 6, d: 7, c: 7, a: 8, b: 8 };
const STAGES = 8;
/** A number for a product: negative ones in parentheses. */
const pn = (v: number) => (num(v).startsWith("−") ? `(${num(v)})` : num(v));
const STAGE_TEXT = [
  "Nothing computed yet. Step forward to evaluate the graph.",
  "Forward: the leaves a, b and c hold their values.",
  "Forward: d = a·b.",
  "Forward: e = d + c.",
  "Forward: L = {act}(e). The forward pass is done.",
  "Backward: seed ∂L/∂L = 1.",
  "Backward: through {act}, ∂L/∂e = ∂L/∂L · {act}′(e).",
  "Backward: through +, the gradient is copied to d and c.",
  "Backward: through ·, each factor gets the gradient times the other factor.",
];

interface Computed {
  value: Record<Placed["key"], number>;
  grad: Record<Placed["key"], number>;
  formula: Record<string, string>;
  op: Record<string, string>;
}

/** Traces L = act(a·b + c) with tensorgrad and names its nodes a, b, c, d, e, L. */
function compute(a: number, b: number, c: number, act: Act): Computed {
  const leaf = (v: number) => tg.scalar(v, "float64").setRequiresGrad();
  const g = tg.trace(
    ({ a, b, c }) => {
      const e = a.mul(b).add(c);
      return act === "relu" ? e.relu() : e.tanh();
    },
    { a: leaf(a), b: leaf(b), c: leaf(c) },
  );
  const byOp: Record<string, Placed["key"]> = { mul: "d", add: "e", relu: "L", tanh: "L" };
  const value = {} as Record<Placed["key"], number>;
  const grad = {} as Record<Placed["key"], number>;
  const formula: Record<string, string> = {};
  const op: Record<string, string> = {};
  for (const n of g.nodes) {
    const key = (n.op ? byOp[n.op] : n.label) as Placed["key"] | undefined;
    if (!key) continue;
    value[key] = n.value as number;
    grad[key] = n.grad as number;
    if (n.formula) formula[key] = n.formula;
    if (n.op) op[key] = n.op;
  }
  return { value, grad, formula, op };
}

export const graphWidget: Widget = {
  id: "graph",
  title: "Walk the computational graph",
  short: "Graph",
  mount(root, params) {
    let a = numParam(params, "a", 2);
    let b = numParam(params, "b", -3);
    let c = numParam(params, "c", 10);
    let act: Act = params.get("act") === "tanh" ? "tanh" : "relu";
    let data = compute(a, b, c, act);
    let stage = intParam(params, "step", 0, 0, STAGES);
    let focused: Placed["key"] | undefined;

    root.append(
      h("p", { class: "lede" }, "d = a·b, e = d + c, L = relu(e). Step forward to fill in values (cyan), then backward to fill in gradients ∂L/∂· (amber). Hover or focus a node for its backward rule."),
    );
    const inputs = (["a", "b", "c"] as const).map((k) => {
      const el = h("input", { type: "number", step: "0.5", value: String({ a, b, c }[k]), "aria-label": `leaf ${k}` });
      return { k, el };
    });
    const tanh = h("input", { type: "checkbox", checked: act === "tanh" });
    const form = h("div", { class: "controls" }, ...inputs.map(({ k, el }) => field(k, el)), field("tanh instead of relu", tanh));
    root.append(form);

    const area = h("div", { class: "stagearea panel", style: "height: 300px" });
    const svg = s("svg", { viewBox: "0 0 100 100", preserveAspectRatio: "none", "aria-hidden": "true" });
    area.append(svg);
    const edgeEls = EDGES.map(([from, to]) => {
      const p = LAYOUT.find((n) => n.key === from)!;
      const q = LAYOUT.find((n) => n.key === to)!;
      const line = s("line", { x1: p.x, y1: p.y, x2: q.x, y2: q.y, class: "edge", "vector-effect": "non-scaling-stroke" });
      svg.append(line);
      return { from, to, line };
    });
    const nodeEls = LAYOUT.map((n) => {
      const btn = h("button", { type: "button", class: "node", style: `left: ${n.x}%; top: ${n.y}%`, "data-node": n.key });
      btn.addEventListener("mouseenter", () => show(n.key));
      btn.addEventListener("focus", () => show(n.key));
      btn.addEventListener("click", () => show(n.key));
      area.append(btn);
      return { key: n.key, btn };
    });
    const stageText = h("p", { class: "status", "aria-live": "polite" });
    const detail = h("div", { class: "panel detail", "aria-live": "polite" });
    const bar = stepper({
      total: STAGES,
      start: stage,
      label: "Graph stages",
      onStage(k) {
        stage = k;
        render();
      },
    });
    root.append(bar.el, area, stageText, h("h3", {}, "Backward rule"), detail);

    const names: Record<Placed["key"], string> = { a: "a", b: "b", c: "c", d: "d = a·b", e: "e = d + c", L: "L = relu(e)" };
    function show(key: Placed["key"]) {
      focused = key;
      renderDetail();
    }
    function renderDetail() {
      detail.replaceChildren();
      const key = focused;
      if (!key) {
        detail.append(h("p", { class: "status" }, "Hover or focus a node to see how it passes its gradient back."));
        return;
      }
      const v = data.value;
      const gr = data.grad;
      const op = data.op[key];
      if (!op) {
        detail.append(
          h("p", { class: "math" }, `${key} is a leaf: its gradient ∂L/∂${key} = ${num(gr[key])} is the sum of what its consumers send back.`),
        );
        return;
      }
      const prim = PRIMITIVES[op as keyof typeof PRIMITIVES];
      const live: Record<string, string> = {
        d: `ā = ḡ·b = ${num(gr.d)} · ${pn(v.b)} = ${num(gr.d * v.b)},  b̄ = ḡ·a = ${num(gr.d)} · ${pn(v.a)} = ${num(gr.d * v.a)}`,
        e: `ā = ḡ = ${num(gr.e)} (to d),  b̄ = ḡ = ${num(gr.e)} (to c)`,
        L:
          op === "relu"
            ? `x̄ = ḡ·[x > 0] = ${num(gr.L)} · [${num(v.e)} > 0] = ${num(gr.e)}`
            : `x̄ = ḡ·(1 − y²) = ${num(gr.L)} · (1 − ${num(v.L, 4)}²) = ${num(gr.e, 6)}`,
      };
      detail.append(
        h("p", { class: "math" }, h("strong", {}, `${op}: `), prim.formula.vjp),
        h("p", { class: "math" }, `with the numbers: ${live[key]}`),
        h("p", { class: "hint" }, `the vjp rule of the ${op} primitive in tensorgrad's primitive table:`),
        h("pre", {}, h("code", {}, prim.vjp ? prim.vjp.toString() : "(no vjp)")),
      );
    }
    function render() {
      names.L = `L = ${act}(e)`;
      for (const { key, btn } of nodeEls) {
        const hasV = stage >= VALUE_AT[key];
        const hasG = stage >= GRAD_AT[key];
        btn.classList.toggle("fwd", hasV && !hasG);
        btn.classList.toggle("bwd", hasG);
        const vText = hasV ? num(data.value[key]) : "?";
        const gText = hasG ? num(data.grad[key]) : "?";
        btn.replaceChildren(
          h("span", { class: "name" }, names[key]),
          " ",
          h("span", { class: "val" }, vText),
          " · ",
          h("span", { class: "grad" }, `g ${gText}`),
        );
        btn.setAttribute("aria-label", `${names[key]} ${vText} · g ${gText}${hasV ? "" : " (value not computed yet)"}${hasG ? "" : " (gradient not computed yet)"}`);
      }
      for (const e of edgeEls) {
        const fwd = stage >= VALUE_AT[e.to];
        const bwd = stage >= GRAD_AT[e.from];
        e.line.setAttribute("class", `edge${bwd ? " bwd" : fwd ? " fwd" : ""}`);
      }
      stageText.textContent = STAGE_TEXT[stage].replaceAll("{act}", act);
      renderDetail();
      writeHash("graph", { a, b, c, act, step: stage });
    }
    const recompute = () => {
      const vals = inputs.map(({ el }) => Number(el.value));
      if (vals.some((x) => !Number.isFinite(x))) return;
      [a, b, c] = vals;
      act = tanh.checked ? "tanh" : "relu";
      data = compute(a, b, c, act);
      render();
    };
    for (const { el } of inputs) el.addEventListener("input", recompute);
    tanh.addEventListener("change", recompute);
    return () => bar.stop();
  },
};
