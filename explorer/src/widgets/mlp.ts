// Backprop through a 2-layer MLP: x [2] → 4 ReLU units → 3 softmax outputs, cross-entropy on a
// target class. Row-vector convention: z₁ = x·W₁ + b₁, a₁ = relu(z₁), z₂ = a₁·W₂ + b₂,
// p = softmax(z₂), L = −log p_y. Every value and gradient is computed by tensorgrad:
// the parameter gradients by `tg.valueAndGrad`, the intermediate ones (δ₂ = ∂L/∂z₂,
// ∂L/∂a₁, δ₁ = ∂L/∂z₁) by `tg.grad` of the rest of the network at those points.

import * as tg from "../../../src/index.js";
import { field, h, intParam, num, numParam, s, stepper, writeHash } from "../ui.js";
import type { Widget } from "../widget.js";

const PRESETS: [number, number][] = [
  [1.2, -0.8],
  [-1.0, 0.5],
  [0.3, 1.5],
  [-0.9, -1.1],
];
const H = 4;
const K = 3;
const STAGES = 10;
const STAGE_TEXT = [
  "Nothing computed yet.",
  "Forward: the input x enters.",
  "Forward: z₁ = x·W₁ + b₁ (hidden pre-activations).",
  "Forward: a₁ = relu(z₁).",
  "Forward: z₂ = a₁·W₂ + b₂ (logits).",
  "Forward: p = softmax(z₂) and L = −log p_y.",
  "Backward: δ₂ = ∂L/∂z₂ = p − y (y one-hot).",
  "Backward: ∂L/∂W₂ = a₁ᵀδ₂ and ∂L/∂b₂ = δ₂.",
  "Backward: ∂L/∂a₁ = δ₂·W₂ᵀ.",
  "Backward: δ₁ = ∂L/∂a₁ ⊙ [z₁ > 0] (the ReLU mask).",
  "Backward: ∂L/∂W₁ = xᵀδ₁ and ∂L/∂b₁ = δ₁.",
];

interface Net {
  x: number[];
  target: number;
  W1: number[][];
  b1: number[];
  W2: number[][];
  b2: number[];
  z1: number[];
  a1: number[];
  z2: number[];
  p: number[];
  loss: number;
  d2: number[];
  da1: number[];
  d1: number[];
  gW1: number[][];
  gb1: number[];
  gW2: number[][];
  gb2: number[];
}

const f64 = { dtype: "float64" as const };
const vec = (t: tg.Tensor) => Array.from(t.data());
const mat = (t: tg.Tensor) => t.toArray() as number[][];

/** Draws the weights from `seed` and runs the forward and backward pass with tensorgrad. */
function compute(x: number[], target: number, seed: number): Net {
  const gen = tg.random.generator(seed);
  const W1 = tg.randn([2, H], { generator: gen, ...f64 }).mul(0.9);
  const b1 = tg.randn([H], { generator: gen, ...f64 }).mul(0.3);
  const W2 = tg.randn([H, K], { generator: gen, ...f64 }).mul(0.8);
  const b2 = tg.randn([K], { generator: gen, ...f64 }).mul(0.2);
  const xt = tg.tensor([x], f64);
  const y = tg.tensor([target], { dtype: "int32" });
  const head = (z2: tg.Tensor) => tg.nn.functional.crossEntropy(z2, y);
  const fromA1 = (a1: tg.Tensor) => head(a1.matmul(W2).add(b2));
  const fromZ1 = (z1: tg.Tensor) => fromA1(z1.relu());
  const lossOf = (w1: tg.Tensor, c1: tg.Tensor, w2: tg.Tensor, c2: tg.Tensor) =>
    head(xt.matmul(w1).add(c1).relu().matmul(w2).add(c2));
  const z1 = xt.matmul(W1).add(b1);
  const a1 = z1.relu();
  const z2 = a1.matmul(W2).add(b2);
  const p = z2.softmax(-1);
  const [loss, grads] = tg.valueAndGrad(lossOf, { argnums: [0, 1, 2, 3] })(W1, b1, W2, b2) as [tg.Tensor, tg.Tensor[]];
  return {
    x,
    target,
    W1: mat(W1),
    b1: vec(b1),
    W2: mat(W2),
    b2: vec(b2),
    z1: vec(z1),
    a1: vec(a1),
    z2: vec(z2),
    p: vec(p),
    loss: loss.item(),
    d2: vec(tg.grad(head)(z2)),
    da1: vec(tg.grad(fromA1)(a1)),
    d1: vec(tg.grad(fromZ1)(z1)),
    gW1: mat(grads[0]),
    gb1: vec(grads[1]),
    gW2: mat(grads[2]),
    gb2: vec(grads[3]),
  };
}

const sub = (i: number) => "₀₁₂₃₄₅₆₇₈₉"[i];
/** A number for a product: negative ones in parentheses. */
const pn = (v: number, digits = 2) => (num(v, digits).startsWith("−") ? `(${num(v, digits)})` : num(v, digits));

export const mlpWidget: Widget = {
  id: "mlp",
  title: "Backprop through a 2-layer MLP",
  short: "MLP",
  mount(root, params) {
    let x = [numParam(params, "x0", PRESETS[0][0]), numParam(params, "x1", PRESETS[0][1])];
    let target = intParam(params, "y", 0, 0, K - 1);
    let seed = intParam(params, "seed", 1, 0, 1e9);
    let stage = intParam(params, "step", 0, 0, STAGES);
    let net = compute(x, target, seed);
    let focused: (() => (string | Node)[]) | undefined;

    root.append(
      h("p", { class: "lede" }, "x → 4 ReLU units → 3 softmax outputs with cross-entropy on the target class. Forward edges turn cyan, backward ones amber. Hover or focus any node or edge for its math with the live numbers."),
    );
    const x0 = h("input", { type: "number", step: "0.1", value: String(x[0]) });
    const x1 = h("input", { type: "number", step: "0.1", value: String(x[1]) });
    const preset = h("select", {}, ...PRESETS.map((p, i) => h("option", { value: String(i) }, `x = [${num(p[0], 1)}, ${num(p[1], 1)}]`)), h("option", { value: "custom" }, "custom"));
    const tsel = h("select", {}, ...Array.from({ length: K }, (_, k) => h("option", { value: String(k), selected: k === target }, `class ${k}`)));
    const seedIn = h("input", { type: "number", min: "0", step: "1", value: String(seed) });
    root.append(h("div", { class: "controls" }, field("preset", preset), field("x₀", x0), field("x₁", x1), field("target", tsel), field("weights seed", seedIn)));
    const syncPreset = () => {
      const i = PRESETS.findIndex((p) => p[0] === x[0] && p[1] === x[1]);
      preset.value = i < 0 ? "custom" : String(i);
    };
    syncPreset();

    const area = h("div", { class: "stagearea panel", style: "height: 340px" });
    const svg = s("svg", { viewBox: "0 0 100 100", preserveAspectRatio: "none" });
    area.append(svg);
    const col = { x: 11, h: 47, o: 83 };
    const ys = (n: number) => Array.from({ length: n }, (_, i) => ((i + 1) * 100) / (n + 1));
    const pos = { x: ys(2), h: ys(H), o: ys(K) };
    const stageText = h("p", { class: "status", "aria-live": "polite" });
    const detail = h("div", { class: "panel detail", "aria-live": "polite" });

    type Edge = { layer: 1 | 2; i: number; j: number; g: SVGGElement; line: SVGLineElement };
    const edges: Edge[] = [];
    const addEdge = (layer: 1 | 2, i: number, j: number, x1: number, y1: number, x2: number, y2: number) => {
      const line = s("line", { x1, y1, x2, y2, class: "edge", "vector-effect": "non-scaling-stroke" });
      const hit = s("line", { x1, y1, x2, y2, class: "edgehit", "vector-effect": "non-scaling-stroke" });
      const g = s("g", { class: "edgeg", tabindex: 0, role: "button" }, line, hit);
      const e: Edge = { layer, i, j, g, line };
      const showIt = () => show(() => edgeMath(e));
      g.addEventListener("mouseenter", showIt);
      g.addEventListener("focus", showIt);
      svg.append(g);
      edges.push(e);
    };
    for (let i = 0; i < 2; i++) for (let j = 0; j < H; j++) addEdge(1, i, j, col.x, pos.x[i], col.h, pos.h[j]);
    for (let i = 0; i < H; i++) for (let j = 0; j < K; j++) addEdge(2, i, j, col.h, pos.h[i], col.o, pos.o[j]);

    type NodeEl = { kind: "x" | "h" | "o"; i: number; btn: HTMLButtonElement };
    const nodes: NodeEl[] = [];
    const addNode = (kind: NodeEl["kind"], i: number, left: number, top: number) => {
      const btn = h("button", { type: "button", class: "node", style: `left: ${left}%; top: ${top}%`, "data-node": `${kind}${i}` });
      const n: NodeEl = { kind, i, btn };
      const showIt = () => show(() => nodeMath(n));
      btn.addEventListener("mouseenter", showIt);
      btn.addEventListener("focus", showIt);
      btn.addEventListener("click", showIt);
      area.append(btn);
      nodes.push(n);
    };
    pos.x.forEach((y, i) => addNode("x", i, col.x, y));
    pos.h.forEach((y, i) => addNode("h", i, col.h, y));
    pos.o.forEach((y, i) => addNode("o", i, col.o, y));
    const lossBox = h("div", { class: "panel", style: "margin-top: 6px", "aria-live": "polite", "data-loss": "" });

    const bar = stepper({
      total: STAGES,
      start: stage,
      label: "MLP stages",
      onStage(k) {
        stage = k;
        render();
      },
    });
    root.append(bar.el, area, lossBox, stageText, h("h3", {}, "Math at the focused node or edge"), detail);

    function show(f: () => (string | Node)[]) {
      focused = f;
      detail.replaceChildren(...f());
    }
    const P = (...parts: (string | Node)[]) => h("p", { class: "math" }, ...parts);
    function nodeMath(n: NodeEl): (string | Node)[] {
      const i = n.i;
      if (n.kind === "x") {
        const gx = net.W1[i].reduce((acc, w, j) => acc + w * net.d1[j], 0);
        return [P(`x[${i}] = ${num(net.x[i])} (input)`), P(`∂L/∂x[${i}] = Σⱼ W₁[${i},j]·δ₁ⱼ = ${num(gx, 4)}`)];
      }
      if (n.kind === "h") {
        const terms = net.x.map((xv, k) => `${pn(xv)}·${pn(net.W1[k][i])}`).join(" + ");
        return [
          P(`z₁[${i}] = Σₖ xₖ·W₁[k,${i}] + b₁[${i}] = ${terms} + ${pn(net.b1[i])} = ${num(net.z1[i], 4)}`),
          P(`a₁[${i}] = relu(z₁[${i}]) = ${num(net.a1[i], 4)}; ReLU mask [z₁[${i}] > 0] = ${net.z1[i] > 0 ? 1 : 0}`),
          P(`∂L/∂a₁[${i}] = Σⱼ δ₂ⱼ·W₂[${i},j] = ${num(net.da1[i], 4)}`),
          P(`δ₁[${i}] = ∂L/∂a₁[${i}] · [z₁[${i}] > 0] = ${pn(net.da1[i], 4)} · ${net.z1[i] > 0 ? 1 : 0} = ${num(net.d1[i], 4)}`),
        ];
      }
      const yj = net.target === i ? 1 : 0;
      return [
        P(`z₂[${i}] = ${num(net.z2[i], 4)},  p[${i}] = softmax(z₂)[${i}] = ${num(net.p[i], 4)}`),
        P(`δ₂[${i}] = p[${i}] − y[${i}] = ${num(net.p[i], 4)} − ${yj} = ${num(net.d2[i], 4)}`),
      ];
    }
    function edgeMath(e: Edge): (string | Node)[] {
      if (e.layer === 1)
        return [
          P(`W₁[${e.i},${e.j}] = ${num(net.W1[e.i][e.j], 4)}: carries x[${e.i}] to hidden unit ${e.j}`),
          P(`∂L/∂W₁[${e.i},${e.j}] = (xᵀδ₁)[${e.i},${e.j}] = x[${e.i}]·δ₁[${e.j}] = ${pn(net.x[e.i])} · ${pn(net.d1[e.j], 4)} = ${num(net.gW1[e.i][e.j], 4)}`),
        ];
      return [
        P(`W₂[${e.i},${e.j}] = ${num(net.W2[e.i][e.j], 4)}: carries a₁[${e.i}] to output ${e.j}`),
        P(`∂L/∂W₂[${e.i},${e.j}] = (a₁ᵀδ₂)[${e.i},${e.j}] = a₁[${e.i}]·δ₂[${e.j}] = ${pn(net.a1[e.i], 4)} · ${pn(net.d2[e.j], 4)} = ${num(net.gW2[e.i][e.j], 4)}`),
      ];
    }

    function render() {
      const at = stage;
      for (const n of nodes) {
        const i = n.i;
        let name: string;
        let value = "";
        let grad = "";
        let fwd = false;
        let bwd = false;
        if (n.kind === "x") {
          name = `x${sub(i)}`;
          fwd = at >= 1;
          value = fwd ? num(net.x[i]) : "?";
        } else if (n.kind === "h") {
          name = `h${sub(i)}`;
          fwd = at >= 2;
          value = at >= 3 ? `a ${num(net.a1[i])}` : at >= 2 ? `z ${num(net.z1[i])}` : "?";
          bwd = at >= 8;
          grad = at >= 9 ? `δ ${num(net.d1[i])}` : at >= 8 ? `g ${num(net.da1[i])}` : "";
          if (at >= 3 && net.z1[i] <= 0) name += " (off)";
        } else {
          name = `class ${i}${net.target === i ? " ★" : ""}`;
          fwd = at >= 4;
          value = at >= 5 ? `p ${num(net.p[i])}` : at >= 4 ? `z ${num(net.z2[i])}` : "?";
          bwd = at >= 6;
          grad = bwd ? `δ ${num(net.d2[i])}` : "";
        }
        n.btn.classList.toggle("fwd", fwd && !bwd);
        n.btn.classList.toggle("bwd", bwd);
        n.btn.replaceChildren(h("span", { class: "name" }, name), " ", h("span", { class: "val" }, value), ...(grad ? [" · ", h("span", { class: "grad" }, grad)] : []));
        n.btn.setAttribute("aria-label", `${name} ${value}${grad ? ` · ${grad}` : ""}${value === "?" ? " (not computed yet)" : ""}`);
      }
      for (const e of edges) {
        const fwd = e.layer === 1 ? at >= 2 : at >= 4;
        const bwd = e.layer === 1 ? at >= 10 : at >= 7;
        e.line.setAttribute("class", `edge${bwd ? " bwd" : fwd ? " fwd" : ""}`);
        const w = e.layer === 1 ? net.W1[e.i][e.j] : net.W2[e.i][e.j];
        const gw = e.layer === 1 ? net.gW1[e.i][e.j] : net.gW2[e.i][e.j];
        const from = e.layer === 1 ? `x${sub(e.i)}` : `h${sub(e.i)}`;
        const to = e.layer === 1 ? `h${sub(e.j)}` : `class ${e.j}`;
        e.g.setAttribute("aria-label", `weight ${from} to ${to}: ${num(w, 3)}${bwd ? `, gradient ${num(gw, 4)}` : ""}`);
      }
      lossBox.textContent = at >= 5 ? `loss L = −log p[${net.target}] = −log ${num(net.p[net.target], 4)} = ${num(net.loss, 4)}` : "loss L = ?";
      stageText.textContent = STAGE_TEXT[at];
      if (focused) detail.replaceChildren(...focused());
      else detail.replaceChildren(h("p", { class: "status" }, "Hover or focus a node or an edge."));
      writeHash("mlp", { x0: x[0], x1: x[1], y: target, seed, step: stage });
    }
    const recompute = () => {
      const nx = [Number(x0.value), Number(x1.value)];
      const ns = Number(seedIn.value);
      if (nx.some((v) => !Number.isFinite(v)) || !Number.isInteger(ns) || ns < 0) return;
      x = nx;
      seed = ns;
      target = Number(tsel.value);
      net = compute(x, target, seed);
      syncPreset();
      render();
    };
    preset.addEventListener("change", () => {
      if (preset.value === "custom") return;
      const p = PRESETS[Number(preset.value)];
      x0.value = String(p[0]);
      x1.value = String(p[1]);
      recompute();
    });
    for (const el of [x0, x1, seedIn]) el.addEventListener("input", recompute);
    tsel.addEventListener("change", recompute);
    return () => bar.stop();
  },
};
