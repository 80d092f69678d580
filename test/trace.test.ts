// Graph export: the graph of ŷ = w·x + b, L = (ŷ − y)² with values and gradients by hand.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../src/index.js";

test("trace records ŷ = w·x + b, L = (ŷ − y)² with values, gradients and VJP formulas", () => {
  const f64 = (v: number) => tg.tensor(v, { dtype: "float64" });
  const g = tg.trace(({ w, x, b, y }) => w.mul(x).add(b).sub(y).square(), {
    w: f64(0.5).setRequiresGrad(),
    x: f64(2),
    b: f64(0.1).setRequiresGrad(),
    y: f64(1),
  });
  const by = (label: string) => g.nodes.find((n) => n.label === label)!;
  // ŷ = 1.1, r = ŷ − y = 0.1, L = 0.01; ∂L/∂r = 2r = 0.2; ∂L/∂w = 0.2·x = 0.4; ∂L/∂b = 0.2; ∂L/∂y = −0.2
  assert.equal(by("w").kind, "param");
  assert.equal(by("x").kind, "input");
  assert.ok(Math.abs((by("w").grad as number) - 0.4) < 1e-12);
  assert.ok(Math.abs((by("b").grad as number) - 0.2) < 1e-12);
  assert.ok(Math.abs((by("y").grad as number) + 0.2) < 1e-12);
  assert.ok(Math.abs((by("add").value as number) - 1.1) < 1e-12);
  const out = g.nodes.find((n) => n.kind === "output")!;
  assert.ok(Math.abs((out.value as number) - 0.01) < 1e-12);
  assert.equal(out.grad, 1);
  assert.equal(by("add").formula, "ā = ḡ, b̄ = ḡ");
  // edges: w and x feed mul; sub feeds the square twice
  const id = (label: string) => by(label).id;
  assert.ok(g.edges.some((e) => e.from === id("w") && e.to === id("mul")));
  assert.equal(g.edges.filter((e) => e.to === out.id && e.from === id("sub")).length, 2);
  // topological: every edge goes from an earlier node to a later one
  const pos = new Map(g.nodes.map((n, i) => [n.id, i]));
  for (const e of g.edges) assert.ok(pos.get(e.from)! < pos.get(e.to)!);
});

test("every primitive has a VJP formula", () => {
  for (const [name, formula] of Object.entries(tg.VJP_FORMULAS)) assert.ok(formula.length > 0, name);
});

test("VJP_FORMULAS is derived from the formulas on the primitives (one source for the math)", async () => {
  const { PRIMITIVES } = await import("../src/prims/table.js");
  assert.deepEqual(Object.keys(tg.VJP_FORMULAS).sort(), Object.keys(PRIMITIVES).sort());
  for (const [name, p] of Object.entries(PRIMITIVES)) {
    assert.equal(tg.VJP_FORMULAS[name as keyof typeof tg.VJP_FORMULAS], p.formula.vjp, name);
    if (p.vjp && p.formula.jvp !== undefined) assert.ok(p.formula.jvp.startsWith("d"), `${name}: a JVP formula gives a tangent`);
  }
  assert.equal(tg.VJP_FORMULAS.exp, "x̄ = ḡ·y");
  assert.equal(PRIMITIVES.exp.formula.jvp, "dy = y·dx");
});
