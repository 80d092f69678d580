// Shared pieces of the explorer's browser tests: finding Chromium, decoding and comparing PNG
// screenshots, reading numbers shown by a page, and a session that builds the site, serves it
// with `tensorgrad explore`'s server, opens pages in headless Chromium, runs axe and gathers
// console errors.

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { inflateSync } from "node:zlib";
import type { Browser, BrowserContext, Page } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, "..");
export const SCREENS = join(here, "explorer-screens");

export function findChromium(): string | undefined {
  return [process.env.CHROMIUM_PATH, "/usr/bin/chromium"].find((p): p is string => !!p && existsSync(p));
}

// ---- PNG decoding (8-bit RGB/RGBA, non-interlaced: what Chromium writes) ----

export interface Image {
  width: number;
  height: number;
  rgba: Uint8Array;
}

export function decodePng(buf: Buffer): Image {
  assert.equal(buf.subarray(0, 8).toString("hex"), "89504e470d0a1a0a", "PNG signature");
  let pos = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString("ascii", pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.equal(data[8], 8, "8-bit PNG");
      colorType = data[9];
      assert.equal(data[12], 0, "non-interlaced PNG");
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    pos += 12 + len;
  }
  const channels = colorType === 6 ? 4 : colorType === 2 ? 3 : 0;
  assert.ok(channels, `PNG colour type ${colorType}`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? px[y * stride + x - channels] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? px[(y - 1) * stride + x - channels] : 0;
      let v = line[x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      px[y * stride + x] = v & 255;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    for (let k = 0; k < 3; k++) rgba[4 * i + k] = px[i * channels + k];
    rgba[4 * i + 3] = channels === 4 ? px[i * channels + 3] : 255;
  }
  return { width, height, rgba };
}

/** Fraction of pixels where some channel differs by more than `tol`. */
export function pixelDiff(a: Image, b: Image, tol = 40): number {
  if (a.width !== b.width || a.height !== b.height) return 1;
  let bad = 0;
  for (let i = 0; i < a.width * a.height; i++)
    for (let k = 0; k < 3; k++)
      if (Math.abs(a.rgba[4 * i + k] - b.rgba[4 * i + k]) > tol) {
        bad++;
        break;
      }
  return bad / (a.width * a.height);
}

/** The numbers in a text shown by the page (true minus signs). */
export function numbers(text: string): number[] {
  return (text.replace(/−/g, "-").match(/-?\d+(\.\d+)?(e[-+]?\d+)?/g) ?? []).map(Number);
}


export const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

export interface ExplorerSession {
  base: string;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors and requests to other origins seen so far. */
  errors: string[];
  foreign: string[];
  /** Loads `#hash` afresh and waits until the widget is mounted. */
  open(p: Page, hash: string): Promise<void>;
  /** Runs axe; fails on any serious or critical violation. */
  axe(p: Page, what: string): Promise<void>;
  /** A page of a new context with this viewport, its errors gathered too. */
  newPage(width: number, height: number): Promise<{ page: Page; context: BrowserContext }>;
  close(): Promise<void>;
}

/** Builds the explorer into a temporary folder, serves it and starts Chromium at 1280×800. */
export async function startExplorer(executablePath: string): Promise<ExplorerSession> {
  const { chromium } = await import("playwright-core");
  const { buildExplorer } = (await import(pathToFileURL(join(root, "scripts/build-explorer.mjs")).href)) as {
    buildExplorer(outdir: string): Promise<{ errors: unknown[]; warnings: unknown[] }>;
  };
  const { serveExplorer } = await import("../cli/explore.js");
  const dir = await mkdtemp(join(tmpdir(), "tensorgrad-explorer-"));
  const built = await buildExplorer(dir);
  assert.deepEqual(built.errors, []);
  assert.deepEqual(built.warnings, []);
  const server = await serveExplorer(dir);
  const base = server.url;
  const browser = await chromium.launch({
    executablePath,
    timeout: 20_000,
    args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const errors: string[] = [];
  const foreign: string[] = [];
  const watch = (p: Page) => {
    p.setDefaultTimeout(20_000);
    p.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    p.on("console", (m) => {
      if (m.type() === "error") errors.push(`console: ${m.text()}`);
    });
    p.on("request", (r) => {
      if (!r.url().startsWith(base) && !r.url().startsWith("data:")) foreign.push(r.url());
    });
  };
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  watch(page);
  const axeSource = readFileSync(join(root, "node_modules/axe-core/axe.min.js"), "utf8");
  let loads = 0;
  return {
    base, browser, context, page, errors, foreign,
    async open(p, hash) {
      await p.goto(`${base}?load=${++loads}#${hash}`);
      await p.waitForFunction((w) => document.body.dataset.ready === w, hash.split("?")[0]);
    },
    async axe(p, what) {
      await p.addScriptTag({ content: axeSource });
      const result = (await p.evaluate(
        'axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } })',
      )) as { violations: { id: string; impact: string; nodes: { target: string[] }[] }[] };
      const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`), [], `axe on ${what}`);
    },
    async newPage(width, height) {
      const ctx = await browser.newContext({ viewport: { width, height } });
      const p = await ctx.newPage();
      watch(p);
      return { page: p, context: ctx };
    },
    async close() {
      await browser.close().catch(() => undefined);
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
