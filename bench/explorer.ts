// The explorer in headless Chromium: first render of each widget (navigation to its first
// frame), the 1,500-step optimiser race (four optimisers, all in the page; goal under 3 s) and
// the playground's training rate in updates per second and the Gaussians widget's live image fit
// in Adam steps per second. Not a test: prints a table.
// Usage: node --import tsx bench/explorer.ts   (CHROMIUM_PATH overrides /usr/bin/chromium)

import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { serveExplorer } from "../cli/explore.js";
// @ts-expect-error: a plain ES module script without types
import { buildExplorer } from "../scripts/build-explorer.mjs";

const executablePath = [process.env.CHROMIUM_PATH, "/usr/bin/chromium"].find((p): p is string => !!p && existsSync(p));
if (!executablePath) {
  console.error("no Chromium binary (install Debian's `chromium` package or set CHROMIUM_PATH)");
  process.exit(1);
}
const dir = await mkdtemp(join(tmpdir(), "tensorgrad-explorer-bench-"));
await (buildExplorer as (d: string) => Promise<unknown>)(dir);
const server = await serveExplorer(dir);
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox", "--headless", "--disable-gpu"] });
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
let loads = 0;
const open = async (hash: string) => {
  const t0 = performance.now();
  await page.goto(`${server.url}?load=${++loads}#${hash}`);
  await page.waitForFunction((w) => document.body.dataset.ready === w, hash.split("?")[0], { timeout: 120_000 });
  return { total: performance.now() - t0, mount: Number(await page.evaluate(() => document.body.dataset.renderMs)) };
};

const rows: string[][] = [];
const backend = async () => (await page.locator("#backend").innerText()).replace(/^.*backend /, "").replace(/\.$/, "");
for (const id of ["graph", "mlp", "jacobian", "line", "race", "playground", "landscape", "depth", "gaussians"]) {
  // a warm load first (browser caches, Wasm compile), then the timed one
  await open(id);
  const r = await open(id);
  rows.push([`first render: ${id}`, `${r.mount.toFixed(0)} ms mount, ${r.total.toFixed(0)} ms load → first frame`]);
}
await open("race?steps=1500");
await page.locator("[data-race-status=done]").waitFor({ state: "attached", timeout: 120_000 });
const raceMs = Number(await page.locator("[data-race-status]").getAttribute("data-train-ms"));
rows.push(["race: 1,500 steps × 4 optimisers", `${(raceMs / 1000).toFixed(2)} s (goal < 3 s) ${raceMs < 3000 ? "✓" : "✗"}`]);
await open("playground?data=spiral&layers=8,8,8&batch=10");
const t0 = performance.now();
const epochs = 20;
await page.evaluate(`(async () => { const b = [...document.querySelectorAll("button")].find((x) => x.textContent === "Step ▶"); for (let i = 0; i < ${epochs}; i++) b.click(); })()`);
await page.getByText(new RegExp(`^epoch ${epochs}:`)).waitFor({ timeout: 120_000 });
const ms = performance.now() - t0;
const updates = Number((await page.locator("p.status[aria-live]").innerText()).match(/\((\d+) updates/)![1]);
rows.push([
  "playground: 2 → 8 → 8 → 8 → 2, batch 10",
  `${((epochs / ms) * 1000).toFixed(1)} epochs/s with every redraw, ${((updates / ms) * 1000).toFixed(0)} updates/s (${epochs} epochs in ${(ms / 1000).toFixed(2)} s; TensorFlow Playground trains one epoch per animation frame: 60 epochs/s at 60 Hz)`,
]);
const fitSteps = 100;
await open(`gaussians?count=200&step=${fitSteps}`);
await page.locator(`p[data-fit-status=shown][data-step="${fitSteps}"]`).waitFor({ timeout: 120_000 });
const fitRate = (await page.locator("[data-fit-timing]").innerText()).match(/([\d.]+) steps\/s/)![1];
rows.push([`gaussians: 64×64 fit, 200 Gaussians`, `${fitRate} Adam steps/s (render, backward, update, redraw; ${fitSteps} steps)`]);
console.log(`tensorgrad explorer in ${await browser.version()}; backend ${await backend()}`);
for (const [k, v] of rows) console.log(`${k.padEnd(42)} ${v}`);
await browser.close();
await server.close();
await rm(dir, { recursive: true, force: true });
