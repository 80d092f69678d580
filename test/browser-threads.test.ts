// The Wasm backend's worker pool in a browser: on a cross-origin-isolated page (COOP/COEP) the
// GEMM workers are Web Workers sharing the module's memory. The bundle runs in headless Chromium
// with 3 threads; the products must equal the single-threaded ones bit for bit, and the page
// must own the two workers. Without the isolation headers the same page stays single-threaded.
// Skipped where no Chromium binary is installed (/usr/bin/chromium, or CHROMIUM_PATH).

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { findChromium, root } from "./explorer-harness.js";

const here = dirname(fileURLToPath(import.meta.url));

interface ThreadedResult {
  crossOriginIsolated: boolean;
  info: { name: string; wasm: { available: boolean; threads?: number } };
  threads: number;
}
interface SingleResult {
  threads: number;
  firstMatchesSingle: boolean;
  lastMatchesSingle: boolean;
  maxErr: number;
}

function serve(files: Record<string, { path: string; type: string }>, isolated: boolean): Promise<Server> {
  const headers: Record<string, string> = isolated ? { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" } : {};
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const file = files[path];
    if (path === "/favicon.ico") {
      res.writeHead(204, headers).end();
      return;
    }
    if (!file) {
      res.writeHead(404, { ...headers, "content-type": "text/plain" }).end("not found");
      return;
    }
    readFile(file.path).then(
      (body) => res.writeHead(200, { ...headers, "content-type": file.type, "cache-control": "no-store" }).end(body),
      (e: unknown) => res.writeHead(500, { ...headers, "content-type": "text/plain" }).end(String(e)),
    );
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => ok(server));
  });
}

test("GEMM workers are Web Workers on a cross-origin-isolated page", { timeout: 90_000 }, async (t) => {
  const executablePath = findChromium();
  if (!executablePath) {
    t.skip("no Chromium binary (install Debian's `chromium` package or set CHROMIUM_PATH)");
    return;
  }
  const { chromium } = await import("playwright-core");
  const { bundleBrowser } = (await import(pathToFileURL(join(root, "scripts/bundle-browser.mjs")).href)) as {
    bundleBrowser(outfile: string): Promise<{ warnings: unknown[]; errors: unknown[] }>;
  };
  const dir = await mkdtemp(join(tmpdir(), "tensorgrad-threads-"));
  const servers: Server[] = [];
  let browser: Browser | undefined;
  try {
    const bundle = join(dir, "tensorgrad.js");
    const built = await bundleBrowser(bundle);
    assert.deepEqual(built.errors, []);
    const js = "text/javascript; charset=utf-8";
    const files = {
      "/": { path: join(here, "browser/index.html"), type: "text/html; charset=utf-8" },
      "/threads.js": { path: join(here, "browser/threads.js"), type: js },
      "/tensorgrad.js": { path: bundle, type: js },
    };
    const b = await chromium.launch({ executablePath, timeout: 20_000, args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--no-first-run"] });
    browser = b;
    for (const isolated of [true, false]) {
      const server = await serve(files, isolated);
      servers.push(server);
      const page = await b.newPage();
      page.setDefaultTimeout(30_000);
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { waitUntil: "load" });
      // strings, so the test runner's transform never touches the code that runs in the page
      const r = (await page.evaluate('import("/threads.js").then((m) => m.run(3))')) as ThreadedResult;
      const workers = page.workers().length;
      const one = (await page.evaluate('import("/threads.js").then((m) => m.single())')) as SingleResult;
      t.diagnostic(`isolated ${isolated}: ${JSON.stringify({ ...r, workers, single: one })}`);
      assert.deepEqual(errors, []);
      assert.equal(r.crossOriginIsolated, isolated);
      assert.equal(r.info.name, "wasm");
      assert.equal(one.threads, 1);
      assert.ok(one.maxErr < 1e-4, `GEMM against a plain loop: ${one.maxErr}`);
      assert.ok(one.firstMatchesSingle && one.lastMatchesSingle, "threaded products equal the single-threaded one bit for bit");
      if (isolated) {
        assert.equal(r.threads, 3);
        assert.equal(workers, 2, "two Web Workers beside the main thread");
      } else {
        assert.equal(r.threads, 1);
        assert.equal(workers, 0);
      }
      await page.close();
    }
  } finally {
    await browser?.close().catch(() => undefined);
    for (const s of servers) {
      const closed = new Promise<void>((ok) => s.close(() => ok()));
      s.closeAllConnections();
      await closed;
    }
    await rm(dir, { recursive: true, force: true });
  }
});
