// The explorer's language-model widget in headless Chromium (the harness of explorer.test.ts):
// samples for a fixed seed equal the same sampling run in Node on the same checkpoint, the
// attention maps equal Node's (rows that sum to 1), the model trained in the page follows Node's
// losses step for step and rewinds exactly, every control works by mouse and keyboard, axe finds
// nothing serious, no page logs an error, and the screenshots match the committed images.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import type { Page } from "playwright-core";
import * as tg from "../src/index.js";
import { charLmAttention, charLmTrain } from "../src/examples/index.js";
import { freshRun } from "../explorer/src/widgets/lm-model.js";
import { SCREENS, close, decodePng, findChromium, pixelDiff, root, startExplorer, type Explorer } from "./explorer-harness.js";

const ASSETS = join(root, "explorer/assets/lm");

test("explorer: the language model in headless Chromium", { timeout: 240_000 }, async (t) => {
  const executablePath = findChromium();
  if (!executablePath) {
    t.skip("no Chromium binary (install Debian's `chromium` package or set CHROMIUM_PATH)");
    return;
  }
  // the checkpoint read the Node way (GPT.load), the page reads the same files with fetch
  const model = await tg.models.GPT.load(ASSETS);
  const tok = tg.text.CharTokenizer.fromJSON(JSON.parse(readFileSync(join(ASSETS, "tokenizer.json"), "utf8")));
  const nodeSample = (prompt: string, n: number, temperature: number, topK: number, seed: number) =>
    tok.decode(model.generate(tg.tensor([tok.encode(prompt)], { dtype: "int32" }), n, { temperature, topK, generator: tg.random.generator(seed) }).data());

  let s: Explorer | undefined;
  try {
    s = await startExplorer(executablePath);
    const page = await s.newPage();
    const out = page.getByLabel("sampled text", { exact: true });
    const sampled = async () => {
      await page.locator("pre[data-lm-sample=done]").waitFor({ timeout: 60_000 });
      return (await out.textContent())!;
    };

    await t.test("sampling: the page's text equals Node's generate for the same seed", async () => {
      await s!.open(page, "lm?prompt=ROMEO:&t=0.8&k=20&seed=3&n=120");
      await page.locator("[data-lm-info=ready]").waitFor({ timeout: 30_000 });
      assert.equal(await sampled(), nodeSample("ROMEO:", 120, 0.8, 20, 3));
      // keyboard: the temperature slider up two steps samples again at 0.9
      await page.getByLabel("temperature", { exact: true }).focus();
      await page.keyboard.press("ArrowRight");
      await page.keyboard.press("ArrowRight");
      await page.waitForFunction(() => location.hash.includes("t=0.9"));
      assert.equal(await sampled(), nodeSample("ROMEO:", 120, 0.9, 20, 3));
      // mouse: top-k 5, then the Sample button
      await page.getByLabel("top-k", { exact: true }).fill("5");
      await page.getByRole("button", { name: "Sample", exact: true }).click();
      assert.equal(await sampled(), nodeSample("ROMEO:", 120, 0.9, 5, 3));
      // keyboard: a new seed (Tab commits it) and a new prompt (Enter samples)
      await page.getByLabel("seed", { exact: true }).focus();
      await page.keyboard.press("Control+A");
      await page.keyboard.type("7");
      await page.keyboard.press("Tab");
      const prompt = page.getByLabel("prompt", { exact: true });
      await prompt.focus();
      await page.keyboard.press("Control+A");
      await page.keyboard.type("JULIET:");
      await page.keyboard.press("Enter");
      assert.equal(await sampled(), nodeSample("JULIET:", 120, 0.9, 5, 7));
      assert.match(new URL(page.url()).hash, /prompt=JULIET%3A&t=0\.9&k=5&seed=7&n=120/);
      // a character outside the vocabulary is refused with a message, and Sample is disabled
      await prompt.fill("JULIET€");
      await page.getByRole("alert").getByText(/"€" is not in the model's vocabulary/).waitFor();
      assert.equal(await prompt.getAttribute("aria-invalid"), "true");
      assert.equal(await page.getByRole("button", { name: "Sample", exact: true }).isDisabled(), true);
      await prompt.fill("JULIET:");
      // Stop ends a long sample early
      await page.getByLabel("characters", { exact: true }).fill("1000");
      await page.getByRole("button", { name: "Sample", exact: true }).click();
      await page.getByRole("button", { name: "Stop" }).click();
      await page.locator("pre[data-lm-sample=stopped]").waitFor();
      const partial = (await out.textContent())!;
      assert.ok(partial.length < "JULIET:".length + 1000, "stopped before the end");
      assert.ok(nodeSample("JULIET:", 1000, 0.9, 5, 7).startsWith(partial), "the stopped text is a prefix of the full sample");
    });

    await t.test("attention: every head's map equals Node's; rows sum to 1; the query slider and head picker", async () => {
      const ref = charLmAttention(model, tok, "JULIET:");
      const maps = await page.locator("[data-lm-attention] canvas").evaluateAll((cs) =>
        cs.map((c) => ({ layer: Number(c.dataset.layer), head: Number(c.dataset.head), w: JSON.parse(c.dataset.weights!) as number[][] })),
      );
      assert.equal(maps.length, 8, "2 layers × 4 heads");
      for (const m of maps) {
        assert.equal(m.w.length, 7);
        m.w.forEach((row, i) => {
          close(row.reduce((a, b) => a + b, 0), 1, 1e-5, `layer ${m.layer} head ${m.head} row ${i} sum`);
          row.forEach((v, j) => close(v, ref[m.layer][m.head][i][j], 1e-5, `layer ${m.layer} head ${m.head} [${i}, ${j}]`));
        });
      }
      const tableRows = async () =>
        page.locator("table[aria-label='attention of the query position'] tbody tr").evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => Number(td.textContent))));
      const slider = page.getByRole("slider", { name: "query position" });
      await slider.focus();
      await page.keyboard.press("Home");
      assert.deepEqual(await tableRows(), Array.from({ length: 8 }, () => [1]), "position 0 can only look at itself");
      await page.keyboard.press("End");
      const rows = await tableRows();
      rows.forEach((row, i) => {
        assert.equal(row.length, 7);
        row.forEach((v, j) => close(v, ref[Math.floor(i / 4)][i % 4][6][j], 0.0005, `table row ${i} key ${j}`));
      });
      assert.equal(await slider.getAttribute("aria-valuetext"), 'position 6: ":"');
      await page.getByLabel("head", { exact: true }).selectOption({ label: "layer 2, head 3" });
      await page.locator(".attnrow").getByText(/^Layer 2, head 3, position 6/).waitFor();
      // a click on a map picks its head and the row under the pointer
      const map = page.getByRole("img", { name: /^Layer 1, head 2:/ });
      const box = (await map.boundingBox())!;
      // (a click through the locator: scrolled into view and stable first, the position relative to the map)
      await map.click({ position: { x: box.width / 2, y: box.height * (2.5 / 7) } });
      await page.locator(".attnrow").getByText(/^Layer 1, head 2, position 2 \("L"\)/).waitFor();
      assert.match(new URL(page.url()).hash, /q=2&head=1/);
      await s!.axe(page, "lm");
    });

    await t.test("training in the page: Node's losses step for step, falling, rewinding exactly", async () => {
      const status = page.locator("[data-lm-train]");
      const losses = async () => page.locator("table[aria-label='training losses'] tbody tr td:nth-child(2)").evaluateAll((tds) => tds.map((td) => td.textContent!));
      await status.getByText(/^iteration 0:/).waitFor({ timeout: 30_000 });
      const stepBtn = page.getByRole("button", { name: "Step ▶" });
      for (let i = 0; i < 3; i++) await stepBtn.click();
      await stepBtn.focus();
      await page.keyboard.press("Enter");
      await page.keyboard.press("Space");
      await page.locator("[data-lm-train='5']").waitFor({ timeout: 30_000 });
      await page.getByText("Stage 5 / 200").waitFor();
      // the same run in Node: the same text, configuration and seed
      const text = gunzipSync(readFileSync(join(ASSETS, "shakespeare-200k.txt.gz"))).toString("utf8");
      const node = freshRun(text);
      charLmTrain(node.state, node.data, { iters: 30 });
      const first = (await losses()).map(Number);
      assert.equal(first.length, 5);
      first.forEach((v, i) => close(v, node.state.losses[i], 1e-4, `loss at iteration ${i + 1}`));
      // Play trains on; Pause stops it
      await page.getByRole("button", { name: "Play" }).click();
      await page.waitForFunction(() => Number(document.querySelector<HTMLElement>("[data-lm-train]")!.dataset.lmTrain) >= 30, null, { timeout: 90_000 });
      await page.getByRole("button", { name: "Pause" }).click();
      await page.waitForFunction(() => !document.querySelector("[data-lm-train]")!.textContent!.includes("training…"));
      const shown = await losses();
      const n = shown.length;
      assert.ok(n >= 30, `${n} iterations`);
      shown.slice(0, 30).forEach((v, i) => close(Number(v), node.state.losses[i], 1e-4, `loss at iteration ${i + 1}`));
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const early = mean(shown.slice(0, 5).map(Number));
      const late = mean(shown.slice(25, 30).map(Number));
      assert.ok(late < early - 0.5, `the loss falls: ${early.toFixed(3)} → ${late.toFixed(3)} over 30 iterations`);
      const worst = Math.max(...shown.slice(0, 30).map((v, i) => Math.abs(Number(v) - node.state.losses[i])));
      t.diagnostic(`in-page training: mean loss ${early.toFixed(4)} (iterations 1-5) → ${late.toFixed(4)} (26-30); largest difference from Node ${worst.toExponential(2)}`);
      // the curve is drawn: one point per iteration, ending lower than it starts (SVG y grows downward)
      const ys = (await page.locator("path[data-curve=train]").getAttribute("d"))!.split(/[ML]/).filter(Boolean).map((p) => Number(p.split(" ")[1]));
      assert.equal(ys.length, n);
      assert.ok(ys.at(-1)! > ys[0] + 20, `curve falls: ${ys[0]} → ${ys.at(-1)}`);
      // Back (keyboard) rewinds one iteration; Step retrains it to exactly the same loss
      await page.getByRole("button", { name: "◀ Back" }).press("Enter");
      await page.locator(`[data-lm-train='${n - 1}']`).waitFor({ timeout: 30_000 });
      assert.deepEqual(await losses(), shown.slice(0, n - 1));
      await stepBtn.click();
      await page.locator(`[data-lm-train='${n}']`).waitFor({ timeout: 30_000 });
      assert.deepEqual(await losses(), shown, "the retrained iteration repeats its loss exactly");
      // the model trained here samples too
      await page.getByRole("button", { name: "Sample from the model trained here" }).click();
      const trained = page.getByLabel("text sampled from the model trained here");
      await page.locator("pre[aria-label='text sampled from the model trained here'][data-lm-sample=done]").waitFor({ timeout: 30_000 });
      assert.ok((await trained.textContent())!.startsWith("JULIET:"));
      // Reset returns to the untrained weights
      await page.getByRole("button", { name: "Reset" }).click();
      await page.locator("[data-lm-train='0']").waitFor({ timeout: 30_000 });
      assert.deepEqual(await losses(), []);
      assert.match(new URL(page.url()).hash, /step=0/);
    });

    await t.test("a link restores the state", async () => {
      await s!.open(page, "lm?prompt=KING%20RICHARD:&t=1.2&k=40&seed=11&n=60&q=3&head=5&step=2");
      assert.equal(await sampled(), nodeSample("KING RICHARD:", 60, 1.2, 40, 11));
      await page.locator(".attnrow").getByText(/^Layer 2, head 2, position 3 \("G"\)/).waitFor();
      await page.locator("[data-lm-train='2']").waitFor({ timeout: 30_000 });
      assert.equal(await page.getByLabel("temperature", { exact: true }).inputValue(), "1.2");
    });

    await t.test("screenshots at 1280×800 and 390×844 match the committed images", async () => {
      await mkdir(SCREENS, { recursive: true });
      const update = process.env.UPDATE_SCREENS === "1";
      for (const [width, height] of [[1280, 800], [390, 844]]) {
        const p = await s!.newPage({ width, height });
        await s!.open(p, "lm?prompt=ROMEO:&seed=1");
        await waitIdle(p);
        // the timing line and the backend line vary from run to run
        await p.addStyleTag({ content: "[data-lm-timing], #backend { visibility: hidden }" });
        const png = await p.screenshot();
        const file = join(SCREENS, `lm-${width}.png`);
        if (update || !existsSync(file)) {
          await writeFile(file, png);
          t.diagnostic(`wrote ${file}`);
        } else {
          const diff = pixelDiff(decodePng(png), decodePng(readFileSync(file)));
          assert.ok(diff < 0.02, `lm at ${width}×${height}: ${(100 * diff).toFixed(2)}% of pixels differ from ${file}`);
        }
        // a prompt as long as the context still fits the width (the attention row wraps)
        await s!.open(p, `lm?prompt=${encodeURIComponent("First Citizen: we are accounted poor citizens, the patricians good.")}&n=10`);
        await p.locator("pre[data-lm-sample=done]").waitFor({ timeout: 60_000 });
        assert.ok((await p.evaluate(() => document.documentElement.scrollWidth)) <= width, `no sideways scrolling at ${width}`);
        await p.close();
      }
    });

    assert.deepEqual(s.foreign, [], "requests to other origins");
    assert.deepEqual(s.errors, [], "no console errors or page errors");
  } finally {
    await s?.close();
  }
});

async function waitIdle(p: Page): Promise<void> {
  await p.locator("[data-lm-info=ready]").waitFor({ timeout: 30_000 });
  await p.locator("pre[data-lm-sample=done]").waitFor({ timeout: 60_000 });
  await p.locator("[data-lm-train='0']").getByText(/^iteration 0:/).waitFor({ timeout: 30_000 });
}
