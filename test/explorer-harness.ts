// What the browser tests of the explorer share: the site built into a temporary folder and served
// by `tensorgrad explore`'s server (COOP/COEP), headless Chromium (playwright-core driving the
// system's binary; none is downloaded), page loads that wait for the widget, the axe scan, a PNG
// decoder and a tolerant pixel comparison for the committed screenshots.

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

/** Fraction of pixels where some channel differs by more than `tol` (1 when the sizes differ). */
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

export interface Explorer {
  base: string;
  browser: Browser;
  context: BrowserContext;
  /** Page errors and console errors of every page watched. */
  errors: string[];
  /** Requests to other origins than the site's. */
  foreign: string[];
  /** A new page in `context` (or in a new context of this viewport), watched for errors. */
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  /** A fresh load of `#hash`, waiting until the widget has mounted. */
  open(p: Page, hash: string): Promise<void>;
  /** Fails on any serious or critical axe violation. */
  axe(p: Page, what: string): Promise<void>;
  close(): Promise<void>;
}

/** Builds and serves the explorer and launches Chromium at `executablePath`. */
export async function startExplorer(executablePath: string): Promise<Explorer> {
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
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  const foreign: string[] = [];
  const contexts: BrowserContext[] = [];
  const axeSource = readFileSync(join(root, "node_modules/axe-core/axe.min.js"), "utf8");
  let loads = 0;
  return {
    base,
    browser,
    context,
    errors,
    foreign,
    async newPage(viewport) {
      let ctx = context;
      if (viewport) {
        ctx = await browser.newContext({ viewport });
        contexts.push(ctx);
      }
      const p = await ctx.newPage();
      p.setDefaultTimeout(20_000);
      p.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
      p.on("console", (m) => {
        if (m.type() === "error") errors.push(`console: ${m.text()}`);
      });
      p.on("request", (r) => {
        // the page's own data: and blob: URLs (worker scripts) are not requests to other sites
        if (!r.url().startsWith(base) && !r.url().startsWith("data:") && !r.url().startsWith(`blob:${new URL(base).origin}/`)) foreign.push(r.url());
      });
      return p;
    },
    async open(p, hash) {
      // a fresh load each time (a query that changes), so no state carries over
      await p.goto(`${base}?load=${++loads}#${hash}`);
      const id = hash.split("?")[0];
      await p.waitForFunction((w) => document.body.dataset.ready === w, id);
    },
    async axe(p, what) {
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
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
