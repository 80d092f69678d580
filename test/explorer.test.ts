// The explorer in a real browser: builds the static site (scripts/build-explorer.mjs), serves it
// with `tensorgrad explore`'s server (COOP/COEP), and operates every widget in headless Chromium
// (playwright-core) as a person would, by role and accessible name, with the mouse and the
// keyboard. The numbers each page shows are checked against tensorgrad run here in Node; an axe
// scan must find no serious or critical violation; no page may log an error; and screenshots at
// 1280×800 and 390×844 are compared with the committed images in test/explorer-screens/
// (UPDATE_SCREENS=1 rewrites them). Skipped where no Chromium binary is installed.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import * as tg from "../src/index.js";
import { depthGradients, lineFit, quadrantSetup, quadrantTrainer, OPTIMIZER_KINDS } from "../src/examples/index.js";
import { SCREENS, close, decodePng, findChromium, numbers, pixelDiff, root } from "./explorer-harness.js";

test("explorer widgets in headless Chromium", { timeout: 120_000 }, async (t) => {
  const executablePath = findChromium();
  if (!executablePath) {
    t.skip("no Chromium binary (install Debian's `chromium` package or set CHROMIUM_PATH)");
    return;
  }
  const { chromium } = await import("playwright-core");
  const { buildExplorer } = (await import(pathToFileURL(join(root, "scripts/build-explorer.mjs")).href)) as {
    buildExplorer(outdir: string): Promise<{ errors: unknown[]; warnings: unknown[] }>;
  };
  const { serveExplorer } = await import("../cli/explore.js");

  const dir = await mkdtemp(join(tmpdir(), "tensorgrad-explorer-"));
  let browser: Browser | undefined;
  let server: Awaited<ReturnType<typeof serveExplorer>> | undefined;
  try {
    const built = await buildExplorer(dir);
    assert.deepEqual(built.errors, []);
    assert.deepEqual(built.warnings, []);
    server = await serveExplorer(dir);
    const base = server.url;
    browser = await chromium.launch({
      executablePath,
      timeout: 20_000,
      args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(`console: ${m.text()}`);
    });
    // everything the site needs comes from its own origin: it works offline
    const foreign: string[] = [];
    page.on("request", (r) => {
      // the page's own data: and blob: URLs (worker scripts) are not requests to other sites
        if (!r.url().startsWith(base) && !r.url().startsWith("data:") && !r.url().startsWith(`blob:${new URL(base).origin}/`)) foreign.push(r.url());
    });
    const axeSource = readFileSync(join(root, "node_modules/axe-core/axe.min.js"), "utf8");

    let loads = 0;
    const open = async (p: Page, hash: string) => {
      // a fresh load each time (a query that changes), so no state carries over
      await p.goto(`${base}?load=${++loads}#${hash}`);
      const id = hash.split("?")[0];
      await p.waitForFunction((w) => document.body.dataset.ready === w, id);
    };
    const axe = async (p: Page, what: string) => {
      await p.addScriptTag({ content: axeSource });
      const result = (await p.evaluate(
        'axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } })',
      )) as { violations: { id: string; impact: string; nodes: { target: string[] }[] }[] };
      const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      assert.deepEqual(
        bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`),
        [],
        `axe on ${what}`,
      );
    };
    const text = async (p: Page, selector: string) => (await p.locator(selector).innerText()).replace(/\s+/g, " ").trim();

    await t.test("1. computational graph: values, gradients, rules, editing, tanh", async () => {
      await open(page, "graph");
      const stage = page.getByRole("group", { name: "Graph stages" });
      await assert.doesNotReject(stage.getByText("Stage 0 / 8").waitFor());
      // mouse: four forward steps
      const stepBtn = page.getByRole("button", { name: "Step ▶" });
      for (let i = 0; i < 4; i++) await stepBtn.click();
      await stage.getByText("Stage 4 / 8").waitFor();
      assert.match(await text(page, "[data-node=d]"), /−6\.00 · g \?/);
      // keyboard: the rest of the way with Enter and Space
      await stepBtn.focus();
      for (let i = 0; i < 4; i++) await page.keyboard.press(i % 2 ? "Space" : "Enter");
      await stage.getByText("Stage 8 / 8").waitFor();

      const leaf = (v: number) => tg.scalar(v, "float64").setRequiresGrad();
      const reference = (a: number, b: number, c: number, act: "relu" | "tanh") =>
        tg.trace(({ a, b, c }) => (act === "relu" ? a.mul(b).add(c).relu() : a.mul(b).add(c).tanh()), { a: leaf(a), b: leaf(b), c: leaf(c) });
      const check = async (g: tg.GraphData) => {
        const byOp: Record<string, string> = { mul: "d", add: "e", relu: "L", tanh: "L" };
        for (const n of g.nodes) {
          const key = n.op ? byOp[n.op] : n.label;
          const [value, grad] = numbers((await text(page, `[data-node=${key}]`)).split("=").at(-1)!).slice(-2);
          close(value, n.value as number, 0.005, `value of ${key}`);
          close(grad, n.grad as number, 0.005, `gradient of ${key}`);
        }
      };
      // the values and gradients of the tutorial: ∂L/∂a = −3, ∂L/∂b = 2, ∂L/∂c = ∂L/∂d = ∂L/∂e = 1
      assert.equal(await text(page, "[data-node=a]"), "a 2.00 · g −3.00");
      assert.equal(await text(page, "[data-node=b]"), "b −3.00 · g 2.00");
      assert.equal(await text(page, "[data-node=c]"), "c 10.00 · g 1.00");
      assert.match(await text(page, "[data-node=d]"), /−6\.00 · g 1\.00$/);
      assert.match(await text(page, "[data-node=e]"), /4\.00 · g 1\.00$/);
      await check(reference(2, -3, 10, "relu"));
      // hover shows the backward rule from the primitive table, as math and as code
      await page.locator("[data-node=d]").hover();
      const detail = page.locator(".detail");
      await detail.locator("p.math").first().getByText(tg.VJP_FORMULAS.mul).waitFor();
      assert.match(await detail.innerText(), /−3\.00/);
      assert.ok((await detail.locator("pre").innerText()).includes("needs"), "the vjp source is shown");
      // keyboard focus shows it too
      await page.locator("[data-node=L]").focus();
      await detail.locator("p.math").first().getByText(tg.VJP_FORMULAS.relu).waitFor();
      // edit a leaf: a = 3 makes e = 1, still positive
      await page.getByLabel("leaf a").fill("3");
      await check(reference(3, -3, 10, "relu"));
      // swap relu for tanh with the keyboard
      await page.getByLabel("tanh instead of relu").focus();
      await page.keyboard.press("Space");
      await page.locator("[data-node=L]").getByText("L = tanh(e)").waitFor();
      await check(reference(3, -3, 10, "tanh"));
      assert.match(new URL(page.url()).hash, /a=3&b=-3&c=10&act=tanh&step=8/);
      // a link reproduces the state
      await open(page, "graph?a=2&b=-3&c=10&act=relu&step=5");
      assert.equal(await text(page, "[data-node=L]"), "L = relu(e) 4.00 · g 1.00");
      assert.equal(await text(page, "[data-node=a]"), "a 2.00 · g ?");
      await axe(page, "graph");
    });

    await t.test("2. MLP backprop: forward and backward numbers against Node", async () => {
      await open(page, "mlp");
      const stepBtn = page.getByRole("button", { name: "Step ▶" });
      for (let i = 0; i < 10; i++) await stepBtn.click();
      await page.getByText("Stage 10 / 10").waitFor();
      // the same seeded weights in Node, with the backward pass written out by hand
      const gen = tg.random.generator(1);
      const f64 = { generator: gen, dtype: "float64" as const };
      const W1 = tg.randn([2, 4], f64).mul(0.9).toArray() as number[][];
      const b1 = Array.from(tg.randn([4], f64).mul(0.3).data());
      const W2 = tg.randn([4, 3], f64).mul(0.8).toArray() as number[][];
      const b2 = Array.from(tg.randn([3], f64).mul(0.2).data());
      const x = [1.2, -0.8];
      const z1 = b1.map((b, j) => b + x[0] * W1[0][j] + x[1] * W1[1][j]);
      const a1 = z1.map((v) => Math.max(0, v));
      const z2 = b2.map((b, k) => b + a1.reduce((s, a, j) => s + a * W2[j][k], 0));
      const m = Math.max(...z2);
      const e = z2.map((v) => Math.exp(v - m));
      const p = e.map((v) => v / e.reduce((s, u) => s + u, 0));
      const d2 = p.map((v, k) => v - (k === 0 ? 1 : 0));
      const da1 = a1.map((_, j) => d2.reduce((s, d, k) => s + d * W2[j][k], 0));
      const d1 = da1.map((g, j) => (z1[j] > 0 ? g : 0));
      for (let k = 0; k < 3; k++) {
        const [pk, dk] = numbers(await text(page, `[data-node=o${k}]`)).slice(-2);
        close(pk, p[k], 0.005, `p${k}`);
        close(dk, d2[k], 0.005, `δ₂${k}`);
      }
      for (let j = 0; j < 4; j++) {
        const [aj, dj] = numbers(await text(page, `[data-node=h${j}]`)).slice(-2);
        close(aj, a1[j], 0.005, `a₁${j}`);
        close(dj, d1[j], 0.005, `δ₁${j}`);
      }
      close(numbers(await text(page, "[data-loss]")).at(-1)!, -Math.log(p[0]), 1e-4, "loss");
      // an edge of the second layer shows ∂L/∂W₂ = a₁ᵀδ₂ with live numbers (keyboard focus)
      const edge = page.getByRole("button", { name: /^weight h₁ to class 2/ });
      await edge.focus();
      const detail = page.locator(".detail");
      await detail.getByText(/a₁ᵀδ₂/).waitFor();
      close(numbers(await detail.innerText()).at(-1)!, a1[1] * d2[2], 1e-4, "∂L/∂W₂[1,2]");
      // a hidden node's math shows the ReLU mask
      await page.locator("[data-node=h0]").hover();
      await detail.getByText(/ReLU mask/).waitFor();
      // a preset and a target change recompute
      await page.getByLabel("target").selectOption("2");
      await page.locator("[data-node=o2]").getByText("class 2 ★").waitFor();
      await page.getByLabel("preset").selectOption("1");
      assert.match(new URL(page.url()).hash, /x0=-1&x1=0\.5&y=2/);
      await axe(page, "mlp");
    });

    await t.test("2b. gradients through a 3-layer MLP: the backward pass layer by layer and the Jacobian both ways, against Node", async () => {
      await open(page, "jacobian");
      const stage = page.getByRole("group", { name: "Jacobian stages" });
      await stage.getByText("Stage 0 / 10").waitFor();
      assert.match(await text(page, "[data-node=y-0]"), /^y₀ \?$/);
      // the same network in Node: weights drawn in the widget's order from seed 3, x = [1, −0.5, 0.8], t = [1, 0]
      const draw = (n: number, m: number, seed: number) => {
        const generator = tg.random.generator(seed);
        const r = (shape: number[], scale: number) => tg.randn(shape, { generator, dtype: "float64" }).mul(scale);
        return { W1: r([n, 4], 0.8), b1: r([4], 0.3), W2: r([4, 4], 0.7), b2: r([4], 0.3), W3: r([4, m], 0.7), b3: r([m], 0.2) };
      };
      const w = draw(3, 2, 3);
      const [W1, W2, W3] = [w.W1, w.W2, w.W3].map((W) => W.toArray() as number[][]);
      const [b1, b2, b3] = [w.b1, w.b2, w.b3].map((b) => Array.from(b.data()));
      const x = [1, -0.5, 0.8];
      const target = [1, 0];
      const affine = (v: number[], W: number[][], b: number[]) => b.map((bj, j) => bj + v.reduce((acc, vi, i) => acc + vi * W[i][j], 0));
      const backT = (g: number[], W: number[][]) => W.map((row) => row.reduce((acc, wij, j) => acc + wij * g[j], 0)); // g·Wᵀ
      const relu = (v: number[]) => v.map((u) => Math.max(0, u));
      const z1 = affine(x, W1, b1);
      const h1 = relu(z1);
      const z2 = affine(h1, W2, b2);
      const h2 = relu(z2);
      const y = affine(h2, W3, b3);
      const gy = y.map((v, i) => v - target[i]);
      const gh2 = backT(gy, W3);
      const gz2 = gh2.map((g, i) => (z2[i] > 0 ? g : 0));
      const gh1 = backT(gz2, W2);
      const gz1 = gh1.map((g, i) => (z1[i] > 0 ? g : 0));
      const gx = backT(gz1, W1);
      assert.ok(z1.some((v) => v <= 0) && z2.some((v) => v <= 0), "the default network has units that are off in both hidden layers");
      const f = (v: tg.Tensor) => v.matmul(w.W1).add(w.b1).relu().matmul(w.W2).add(w.b2).relu().matmul(w.W3).add(w.b3);
      const gxLib = Array.from(tg.grad((v: tg.Tensor) => f(v).sub(tg.tensor(target, { dtype: "float64" })).square().sum().mul(0.5))(tg.tensor(x, { dtype: "float64" })).data());
      gx.forEach((v, i) => close(v, gxLib[i], 1e-12, `hand-written ∂L/∂x[${i}] against tg.grad`));

      // mouse: the four forward stages
      const stepBtn = page.getByRole("button", { name: "Step ▶" });
      for (let i = 0; i < 4; i++) await stepBtn.click();
      await stage.getByText("Stage 4 / 10").waitFor();
      for (let i = 0; i < 2; i++) close(numbers(await text(page, `[data-node=y-${i}]`)).at(-1)!, y[i], 0.005, `y${i}`);
      close(numbers(await text(page, "[data-loss]")).at(-1)!, 0.5 * (gy[0] ** 2 + gy[1] ** 2), 1e-4, "loss");
      assert.equal(await page.locator(".jac line.edge.fwd").count(), 3 * 4 + 4 * 4 + 4 * 2, "every edge lit forward");
      assert.equal(await page.locator(".jac line.edge.bwd").count(), 0);
      // keyboard: the backward stages with Enter and Space
      await stepBtn.focus();
      for (let i = 0; i < 6; i++) await page.keyboard.press(i % 2 ? "Space" : "Enter");
      await stage.getByText("Stage 10 / 10").waitFor();
      const shown = async (id: string) => numbers(await text(page, `[data-node=${id}]`)).slice(-2);
      for (let i = 0; i < 3; i++) {
        const [v, g] = await shown(`x-${i}`);
        close(v, x[i], 0.005, `x${i}`);
        close(g, gx[i], 0.005, `∂L/∂x${i}`);
      }
      for (let i = 0; i < 4; i++) {
        const [a1, d1] = await shown(`h1-${i}`);
        close(a1, h1[i], 0.005, `h₁${i}`);
        close(d1, gz1[i], 0.005, `∂L/∂z₁${i}`);
        const [a2, d2] = await shown(`h2-${i}`);
        close(a2, h2[i], 0.005, `h₂${i}`);
        close(d2, gz2[i], 0.005, `∂L/∂z₂${i}`);
      }
      for (let i = 0; i < 2; i++) close((await shown(`y-${i}`))[1], gy[i], 0.005, `∂L/∂y${i}`);
      // the chain-rule lines beside each layer, with their live numbers
      const line = async (at: number) => text(page, `p.fline[data-at="${at}"]`);
      const tail = (s: string, k: number) => numbers(s.split(" = ").at(-1)!).slice(-k);
      assert.match(await line(6), /^∂L\/∂h₂ = ∂L\/∂y · W₃ᵀ = /);
      tail(await line(6), 4).forEach((v, i) => close(v, gh2[i], 0.0005, `∂L/∂h₂[${i}]`));
      assert.match(await line(7), /∂L\/∂z₂ = ∂L\/∂h₂ ⊙ 1\[z₂ > 0\] = .* ⊙ \[([01], ){3}[01]\] = /);
      assert.ok((await line(7)).includes(`[${z2.map((v) => (v > 0 ? 1 : 0)).join(", ")}]`), "the ReLU mask of layer 2");
      tail(await line(8), 4).forEach((v, i) => close(v, gh1[i], 0.0005, `∂L/∂h₁[${i}]`));
      tail(await line(10), 3).forEach((v, i) => close(v, gx[i], 0.0005, `∂L/∂x[${i}]`));
      assert.ok(Number(await page.locator("[data-check]").getAttribute("data-diff")) < 1e-12, "the layer-by-layer VJPs match tg.grad of the whole loss");
      // edges into units that are off carry no gradient
      const off = z2.filter((v) => v <= 0).length;
      assert.equal(await page.locator(".jac line.edge.dead").count(), off * 4 + z1.filter((v) => v <= 0).length * 3, "dead edges");
      // Back by mouse: the input loses its gradient; Reset and Play by keyboard
      await page.getByRole("button", { name: "◀ Back" }).click();
      await stage.getByText("Stage 9 / 10").waitFor();
      assert.equal((await text(page, "[data-node=x-0]")).includes(" g "), false);
      assert.equal(await line(10), "∂L/∂x = ∂L/∂z₁ · W₁ᵀ = ?");
      await page.getByRole("button", { name: "Reset" }).press("Enter");
      await stage.getByText("Stage 0 / 10").waitFor();
      await page.getByRole("button", { name: "Play" }).press("Enter");
      await page.getByRole("button", { name: "Pause" }).waitFor();
      await stage.getByText("Stage 10 / 10").waitFor({ timeout: 15_000 });
      // a node's sums with the live numbers: hover a hidden unit, focus an input by keyboard
      const detail = page.locator(".detail");
      await page.locator("[data-node=h2-1]").hover();
      await detail.getByText(/ReLU derivative 1\[z₂\[1\] > 0\] = [01]/).waitFor();
      close(numbers((await detail.locator("p").nth(2).innerText()).split(" = ").at(-1)!)[0], gh2[1], 1e-4, "∂L/∂h₂[1] in the detail");
      await page.getByRole("button", { name: /^x₀ 1\.00 g / }).focus();
      await detail.getByText(/^∂L\/∂x\[0\] = Σⱼ ∂L\/∂z₁\[j\]·W₁\[0,j\]/).waitFor();
      close(numbers(await detail.innerText()).at(-1)!, gx[0], 1e-4, "∂L/∂x[0] in the detail");

      // the cost panel: the 2×3 Jacobian of this network both ways, against tg.jacfwd in Node
      const J = tg.jacfwd(f)(tg.tensor(x, { dtype: "float64" })).toArray() as number[][];
      const table = async (label: RegExp) =>
        page.getByRole("table", { name: label }).locator("tbody tr").evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent!)));
      for (const label of [/^J by forward mode/, /^J by reverse mode/]) {
        const rows = await table(label);
        assert.equal(rows.length, 2);
        rows.forEach((r, i) => r.forEach((c, j) => close(numbers(c)[0], J[i][j], 0.0005, `${label} J[${i}][${j}]`)));
      }
      const costRows = async () => page.getByRole("table", { name: "cost of forward and reverse mode" }).locator("tbody tr").evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (td) => td.textContent!)));
      let cost = await costRows();
      assert.deepEqual(cost.map((r) => r.slice(0, 2)), [["forward (tg.jvp)", "3 JVPs"], ["reverse (tg.vjp)", "2 VJPs"]]);
      const verdict = page.locator("[data-verdict]");
      assert.ok(Number(await verdict.getAttribute("data-diff")) < 1e-12, "forward and reverse mode give the same Jacobian");
      assert.match(await verdict.innerText(), /reverse mode needs fewer passes/);
      // ∂L/∂x = ∂L/∂y · J closes the loop with the backward pass
      tail(await verdict.innerText(), 3).forEach((v, i) => close(v, gx[i], 0.0005, `∂L/∂y · J [${i}]`));
      // widen the input: 32 → 4 → 4 → 1, J by tg.jacrev in Node at the widget's point (drawn from seed + 1)
      await page.getByLabel("input width n").selectOption("32");
      await page.getByLabel("output width m").focus();
      await page.keyboard.press("Home");
      await page.getByRole("heading", { name: /R³² → R¹ \(32 → 4 → 4 → 1\)/ }).waitFor();
      cost = await costRows();
      assert.deepEqual(cost.map((r) => r.slice(0, 2)), [["forward (tg.jvp)", "32 JVPs"], ["reverse (tg.vjp)", "1 VJP"]]);
      const F = 32 * 4 + 16 + 4;
      assert.deepEqual(cost.map((r) => Number(r[2].replace(/,/g, ""))), [2 * F * 32, F * 2], "multiply-adds");
      const wide = draw(32, 1, 3);
      const fw = (v: tg.Tensor) => v.matmul(wide.W1).add(wide.b1).relu().matmul(wide.W2).add(wide.b2).relu().matmul(wide.W3).add(wide.b3);
      const xw = tg.randn([32], { generator: tg.random.generator(4), dtype: "float64" });
      const Jw = tg.jacrev(fw)(xw).toArray() as number[][];
      const wideRows = await table(/^J by reverse mode/);
      assert.equal(wideRows.length, 1);
      assert.equal(wideRows[0].length, 6, "the first 6 columns shown");
      wideRows[0].forEach((c, j) => close(numbers(c)[0], Jw[0][j], 0.0005, `wide J[0][${j}]`));
      assert.match(await verdict.innerText(), /32 JVPs vs 1 VJPs: reverse mode needs fewer passes/);
      await page.getByLabel("input width n").selectOption("1");
      await page.getByLabel("output width m").selectOption("64");
      await verdict.getByText(/1 JVPs vs 64 VJPs: forward mode needs fewer passes/).waitFor();
      assert.ok(Number(await verdict.getAttribute("data-diff")) < 1e-12);
      // an input edit recomputes; the hash holds the whole state and a fresh load restores it
      await page.getByRole("spinbutton", { name: "x₀" }).fill("-0.3");
      await page.waitForFunction(() => location.hash.includes("x0=-0.3"));
      const hash = new URL(page.url()).hash.slice(1);
      assert.match(hash, /^jacobian\?x0=-0\.3&x1=-0\.5&x2=0\.8&t0=1&t1=0&seed=3&step=10&n=1&m=64$/);
      const before = await text(page, "[data-node=x-0]");
      await open(page, hash);
      await stage.getByText("Stage 10 / 10").waitFor();
      assert.equal(await text(page, "[data-node=x-0]"), before);
      assert.equal(await page.getByLabel("output width m").inputValue(), "64");
      await axe(page, "jacobian");
    });

    await t.test("3. line fit: the iteration table matches `tensorgrad run line-fit`", async () => {
      await open(page, "line");
      const stepBtn = page.getByRole("button", { name: "Step ▶" });
      await stepBtn.click();
      await stepBtn.click();
      await stepBtn.focus();
      for (let i = 0; i < 3; i++) await page.keyboard.press("Enter");
      await page.getByText("Stage 5 / 50").waitFor();
      const data = JSON.parse(readFileSync(join(root, "data/line-fit-20.json"), "utf8")) as { x: number[]; y: number[] };
      const cli = lineFit(data, { steps: 50 }); // the CLI's defaults: lr 0.05, w0 0.5, b0 3
      const rows = async () => page.locator("table[aria-label=iterations] tbody tr").evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (td) => td.textContent!)));
      const fx = (v: number) => {
        const s = v.toFixed(4);
        return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
      };
      const expectRows = (n: number) => cli.rows.slice(0, n).map((r) => [String(r.iteration), fx(r.w), fx(r.b), fx(r.loss), fx(r.dLdw), fx(r.dLdb)]);
      assert.deepEqual(await rows(), expectRows(6));
      // Play runs to the end
      await page.getByRole("button", { name: "Play" }).click();
      await page.getByText("Stage 50 / 50").waitFor({ timeout: 30_000 });
      assert.deepEqual(await rows(), expectRows(51));
      // Back shrinks the table; the w slider moves the start and restarts the descent
      await page.getByRole("button", { name: "◀ Back" }).click();
      assert.equal((await rows()).length, 50);
      const w = page.getByLabel("start w");
      await w.focus();
      await page.keyboard.press("ArrowRight");
      await page.getByText("Stage 0 / 50").waitFor();
      const moved = lineFit(data, { steps: 0, w0: 0.51 });
      assert.deepEqual(await rows(), [["0", "0.5100", "3.0000", fx(moved.rows[0].loss), fx(moved.rows[0].dLdw), fx(moved.rows[0].dLdb)]]);
      // dragging on the loss map places the start
      const box = (await page.locator("canvas[aria-label^='loss over']").boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.4);
      await page.mouse.up();
      const [w0, b0] = numbers((await rows())[0].slice(1, 3).join(" "));
      close(w0, -1 + 0.7 * 5, 0.02, "dragged w");
      close(b0, 5 - 0.4 * 7, 0.03, "dragged b");
      await axe(page, "line");
      // the second tutorial's neuron: w = −1, b = 8, lr 0.02, 500 epochs
      await open(page, "line?data=neuron15&step=500");
      const neuron = JSON.parse(readFileSync(join(root, "data/neuron-line-15.json"), "utf8")) as { x: number[]; y: number[] };
      const ref = lineFit(neuron, { steps: 500, lr: 0.02, w0: -1, b0: 8 });
      const last = (await rows()).at(-1)!;
      assert.deepEqual(last, [String(500), fx(ref.final.w), fx(ref.final.b), fx(ref.final.loss), fx(ref.final.dLdw), fx(ref.final.dLdb)]);
      close(ref.final.w, 1.95, 0.02, "neuron w after 500 epochs");
      close(ref.final.b, 1.18, 0.02, "neuron b after 500 epochs");
    });

    await t.test("4. optimiser race: four falling loss curves, the slider changes the boundary", async () => {
      const steps = 120;
      await open(page, `race?steps=${steps}`);
      const status = page.locator("[data-race-status]");
      await page.locator("[data-race-status=done]").waitFor({ timeout: 60_000 });
      const shown = numbers((await status.innerText()).split("loss:")[1]);
      const setup = quadrantSetup({ seed: 0, steps });
      const lrs = { sgd: 0.2, momentum: 0.02, adam: 0.01, adamw: 0.01 };
      OPTIMIZER_KINDS.forEach((k, i) => {
        const tr = quadrantTrainer(setup, k, lrs[k]);
        for (let s = 0; s < steps; s++) tr.step();
        close(shown[i], tr.loss[steps - 1], 0.0015, `${k} final mini-batch loss`);
        assert.ok(tr.loss[steps - 1] < tr.loss[0] / 2, `${k} loss falls`);
      });
      // each drawn curve ends lower than it starts (SVG y grows downward)
      for (const k of OPTIMIZER_KINDS) {
        const ys = numbers((await page.locator(`path[data-curve=${k}]`).getAttribute("d"))!.replace(/[ML]/g, " ")).filter((_, i) => i % 2 === 1);
        assert.ok(ys.at(-1)! > ys[0] + 50, `${k} curve falls: ${ys[0]} → ${ys.at(-1)}`);
      }
      const board = page.locator("canvas[data-board=adam]");
      const end = await board.evaluate((c: HTMLCanvasElement) => c.toDataURL());
      const slider = page.getByRole("slider", { name: "time" });
      await slider.focus();
      await page.keyboard.press("Home");
      assert.equal(await board.getAttribute("data-step"), "0");
      const start = await board.evaluate((c: HTMLCanvasElement) => c.toDataURL());
      assert.notEqual(start, end, "the boundary at step 0 differs from the trained one");
      await page.getByRole("button", { name: "Step ▶" }).click();
      assert.equal(await board.getAttribute("data-step"), String(Math.round(steps / 30)));
      await axe(page, "race");
    });

    await t.test("5. playground: train, rewind exactly, change the data set", async () => {
      await open(page, "playground?data=xor&layers=4,4&act=tanh&lr=0.03&batch=10&seed=0");
      const stepBtn = page.getByRole("button", { name: "Step ▶" });
      const status = page.locator("p.status[aria-live]");
      const epoch0 = numbers(await status.innerText());
      for (let i = 0; i < 3; i++) await stepBtn.click();
      await status.getByText(/^epoch 3:/).waitFor();
      const epoch3 = numbers(await status.innerText());
      assert.ok(epoch3[1] < epoch0[1], `train loss falls: ${epoch0[1]} → ${epoch3[1]}`);
      await page.getByRole("button", { name: "◀ Back" }).click();
      await page.getByRole("button", { name: "◀ Back" }).press("Enter");
      await page.getByRole("button", { name: "◀ Back" }).press("Enter");
      await status.getByText(/^epoch 0:/).waitFor();
      assert.deepEqual(numbers(await status.innerText()).slice(0, 3), epoch0.slice(0, 3), "rewinding restores epoch 0 exactly");
      await page.getByLabel("data", { exact: true }).selectOption("quadrant");
      await page.waitForFunction(() => location.hash.includes("data=quadrant") && document.body.dataset.ready === "playground");
      await page.locator("h3", { hasText: "2 → 4 → 4 → 4" }).waitFor();
      await axe(page, "playground");
    });

    await t.test("6. loss landscapes: minima by Newton, click to start, paths against Node", async () => {
      await open(page, "landscape?f=himmelblau");
      const minima = await page.locator("[data-minima] li").allInnerTexts();
      assert.equal(minima.length, 4);
      assert.match(minima[0], /^\(3\.0000, 2\.0000\), f = 0\.000000$/);
      // click the map at (1, −1) (the map spans [−5, 5]²): all three restart from there
      const box = (await page.getByRole("img", { name: /contours of the function/ }).boundingBox())!;
      await page.mouse.click(box.x + box.width * 0.6, box.y + box.height * 0.6);
      await page.getByText("Stage 0 / 150").waitFor();
      const sx = Number(await page.getByLabel("start x").inputValue());
      const sy = Number(await page.getByLabel("start y").inputValue());
      close(sx, 1, 0.03, "clicked start x");
      close(sy, -1, 0.03, "clicked start y");
      // the keyboard: End is not a stage key, so press Play and wait for the end
      await page.getByRole("button", { name: "Play" }).focus();
      await page.keyboard.press("Enter");
      await page.getByText("Stage 150 / 150").waitFor({ timeout: 30_000 });
      // the same descent in Node
      const himmelblau = (q: tg.Tensor) => {
        const [x, y] = [q.slice([0, 1]).sum(), q.slice([1, 2]).sum()];
        return x.square().add(y).sub(11).square().add(x.add(y.square()).sub(7).square()).div(10);
      };
      const q = tg.tensor([sx, sy], { dtype: "float64" }).setRequiresGrad();
      const opt = new tg.optim.Adam([q], { lr: 0.1 });
      for (let i = 0; i < 150; i++) {
        opt.zeroGrad();
        himmelblau(q).backward();
        opt.step();
      }
      const row = numbers(await text(page, "tr[data-opt=adam]"));
      const [qx, qy] = q.data();
      close(row[1], qx, 1e-4, "Adam x");
      close(row[2], qy, 1e-4, "Adam y");
      await axe(page, "landscape");
    });

    await t.test("7. depth: per-layer gradient norms against Node; forward and reverse mode agree", async () => {
      await open(page, "depth?depth=20&step=0");
      const plot = page.getByRole("img", { name: /weight-gradient norm per layer/ });
      assert.equal(await plot.locator("path").count(), 0, "nothing drawn before the backward pass");
      await page.getByRole("button", { name: "Step ▶" }).click();
      const segments = async () => (await plot.locator("path").evaluateAll((ps) => ps.map((p) => (p.getAttribute("d")!.match(/L/g) ?? []).length)));
      assert.deepEqual(await segments(), [0, 0, 0, 0, 0, 0], "one layer reached: six points, no segment yet");
      await page.getByRole("button", { name: "Step ▶" }).press("Enter");
      assert.deepEqual(await segments(), [1, 1, 1, 1, 1, 1], "two layers reached: one segment each");
      const ref = depthGradients({ depth: 20, seed: 0, powerIterations: 10 });
      const rows = await page.locator("table[aria-label='gradient norms'] tbody tr").evaluateAll((trs) => trs.map((tr) => Array.from(tr.children, (td) => td.textContent!)));
      assert.equal(rows.length, 6);
      ref.runs.forEach((r, i) => {
        assert.equal(rows[i][1], r.weightGradNorm[0].toExponential(2), `${r.init}${r.residual ? "+res" : ""} first layer`);
        assert.equal(rows[i][2], r.weightGradNorm[19].toExponential(2), `${r.init}${r.residual ? "+res" : ""} last layer`);
      });
      await page.getByRole("button", { name: "Compute the gradient both ways" }).focus();
      await page.keyboard.press("Enter");
      const out = page.locator("[data-cost] p.math");
      await out.getByText(/reverse mode: 1 pass/).waitFor();
      assert.ok(Number(await out.getAttribute("data-diff")) < 1e-12, "forward and reverse mode give the same gradient");
      await axe(page, "depth");
    });

    await t.test("isolation: threads allowed under COOP/COEP; a plain static host works too", async () => {
      await open(page, "graph?step=8");
      assert.equal(await page.evaluate("globalThis.crossOriginIsolated"), true);
      assert.match(await text(page, "#backend"), /backend wasm \(\d+ threads?, cross-origin isolated\)/);
      // the same files from a server that sends no isolation headers: single-threaded, same numbers
      const plain = createServer((req, res) => {
        const path = new URL(req.url ?? "/", "http://x").pathname;
        const file = join(dir, path === "/" ? "index.html" : path.slice(1));
        readFile(file).then(
          (body) => res.writeHead(200, { "content-type": file.endsWith(".js") ? "text/javascript" : file.endsWith(".css") ? "text/css" : "text/html" }).end(body),
          () => res.writeHead(404).end(),
        );
      });
      await new Promise<void>((ok) => plain.listen(0, "127.0.0.1", () => ok()));
      try {
        const p = await context.newPage();
        p.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
        await p.goto(`http://127.0.0.1:${(plain.address() as AddressInfo).port}/#graph?step=8`);
        await p.waitForFunction(() => document.body.dataset.ready === "graph");
        assert.equal(await p.evaluate("globalThis.crossOriginIsolated"), false);
        assert.equal(await text(p, "[data-node=a]"), "a 2.00 · g −3.00");
        assert.match(await text(p, "#backend"), /backend wasm \(1 thread\)/);
        await p.close();
      } finally {
        await new Promise<void>((ok) => {
          plain.close(() => ok());
          plain.closeAllConnections();
        });
      }
      assert.deepEqual(foreign, [], "requests to other origins");
    });

    await t.test("screenshots at 1280×800 and 390×844 match the committed images", async () => {
      const shots: [string, string][] = [
        ["graph", "graph?step=8"],
        ["mlp", "mlp?step=10"],
        ["jacobian", "jacobian?step=8"],
        ["line", "line?step=50"],
        ["race", "race?steps=120&t=30"],
        ["playground", "playground?data=circle&layers=4,4&opt=adam&step=10"],
        ["landscape", "landscape?f=himmelblau"],
        ["depth", "depth?depth=30"],
      ];
      await mkdir(SCREENS, { recursive: true });
      const update = process.env.UPDATE_SCREENS === "1";
      for (const [width, height] of [[1280, 800], [390, 844]]) {
        const ctx = await browser!.newContext({ viewport: { width, height } });
        const p = await ctx.newPage();
        p.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
        for (const [name, hash] of shots) {
          await open(p, hash);
          if (name === "race") await p.locator("[data-race-status=done]").waitFor({ state: "attached", timeout: 60_000 });
          // the race's status line holds a timing; hide it so screenshots compare
          await p.addStyleTag({ content: "[data-race-status], [data-jac-timing], #backend { visibility: hidden }" });
          const png = await p.screenshot();
          const file = join(SCREENS, `${name}-${width}.png`);
          if (update || !existsSync(file)) {
            await writeFile(file, png);
            t.diagnostic(`wrote ${file}`);
            continue;
          }
          const diff = pixelDiff(decodePng(png), decodePng(readFileSync(file)));
          assert.ok(diff < 0.02, `${name} at ${width}×${height}: ${(100 * diff).toFixed(2)}% of pixels differ from ${file}`);
        }
        await ctx.close();
      }
    });

    assert.deepEqual(errors, [], "no console errors or page errors");
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  }
});
