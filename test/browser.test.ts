// The core library in a real browser: bundles src/index.ts with esbuild, serves it from a local
// HTTP server and runs a few computations in headless Chromium (through playwright-core).
// Skipped where no Chromium binary is installed (/usr/bin/chromium, or CHROMIUM_PATH).

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");

function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium"];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

interface PageResult {
  draws: { randn: number[]; rand: number[]; randint: number[] };
  userAgent: string;
  crossOriginIsolated: boolean;
  sharedArrayBuffer: boolean;
  backend: string;
  beforeInit: { name: string; wasm: { available: boolean; reason?: string } };
  info: { name: string; wasm: { available: boolean; relaxedSimd?: boolean; threads?: number; reason?: string } };
  threads: number;
  neuron: { loss: number; dw: number; db: number; dtype: string };
  dsin: number[];
  cos: number[];
  matmul: { shape: number[]; dtype: string; maxErr: number };
}

/** Rejects after `ms` milliseconds unless `p` settles first. */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

function serve(files: Record<string, { path: string; type: string }>): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const file = files[url.pathname];
    if (!file) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    readFile(file.path).then(
      (body) => res.writeHead(200, { "content-type": file.type, "cache-control": "no-store" }).end(body),
      (e: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(String(e)),
    );
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => ok(server));
  });
}

test("core library runs in headless Chromium", { timeout: 60_000 }, async (t) => {
  const executablePath = findChromium();
  if (!executablePath) {
    t.skip("no Chromium binary (install Debian's `chromium` package or set CHROMIUM_PATH)");
    return;
  }
  const { chromium } = await import("playwright-core");
  const script = pathToFileURL(join(root, "scripts/bundle-browser.mjs")).href;
  const { bundleBrowser } = (await import(script)) as {
    bundleBrowser(outfile: string): Promise<{ warnings: unknown[]; errors: unknown[] }>;
  };

  const dir = await mkdtemp(join(tmpdir(), "tensorgrad-browser-"));
  let server: Server | undefined;
  let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined;
  try {
    const t0 = performance.now();
    const bundle = join(dir, "tensorgrad.js");
    const built = await withTimeout(bundleBrowser(bundle), 20_000, "bundling");
    assert.deepEqual(built.errors, []);
    assert.deepEqual(built.warnings, []);
    const t1 = performance.now();

    const js = "text/javascript; charset=utf-8";
    server = await serve({
      "/": { path: join(here, "browser/index.html"), type: "text/html; charset=utf-8" },
      "/entry.js": { path: join(here, "browser/entry.js"), type: js },
      "/tensorgrad.js": { path: bundle, type: js },
    });
    const { port } = server.address() as AddressInfo;

    browser = await chromium.launch({
      executablePath,
      timeout: 20_000,
      args: [
        "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
      ],
    });
    const page = await browser.newPage();
    page.setDefaultTimeout(20_000);
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(`http://127.0.0.1:${port}/`, { waitUntil: "load" });
    const t2 = performance.now();
    // A string, so the test runner's transform never touches the code that runs in the page.
    const r = await withTimeout(
      page.evaluate('import("/entry.js").then((m) => m.run())') as Promise<PageResult>,
      20_000,
      "page evaluation",
    );
    const t3 = performance.now();
    assert.deepEqual(pageErrors, []);

    t.diagnostic(`browser: ${r.userAgent}`);
    t.diagnostic(
      `backend: ${r.backend}; wasm: ${JSON.stringify(r.info.wasm)}; threads: ${r.threads}; ` +
        `crossOriginIsolated: ${r.crossOriginIsolated}; SharedArrayBuffer: ${r.sharedArrayBuffer}`,
    );
    t.diagnostic(
      `bundle ${(t1 - t0).toFixed(0)} ms, launch+load ${(t2 - t1).toFixed(0)} ms, run ${(t3 - t2).toFixed(0)} ms; ` +
        `matmul max |err| ${r.matmul.maxErr.toExponential(2)}`,
    );

    // Before `await tg.init()` the reference backend runs, and backendInfo says to call init.
    assert.equal(r.beforeInit.name, "cpu");
    assert.equal(r.beforeInit.wasm.available, false);
    assert.match(r.beforeInit.wasm.reason ?? "", /tg\.init\(\)/);

    // After init: Wasm SIMD, single-threaded on a page that is not cross-origin isolated; or the
    // reference backend with a stated reason.
    assert.equal(r.info.name, r.backend);
    if (r.backend === "wasm") {
      assert.equal(r.info.wasm.available, true);
      assert.equal(typeof r.info.wasm.relaxedSimd, "boolean");
      if (!r.crossOriginIsolated) assert.equal(r.info.wasm.threads, 1);
      assert.equal(r.threads, r.info.wasm.threads);
    } else {
      assert.equal(r.backend, "cpu");
      assert.equal(r.info.wasm.available, false);
      assert.ok(r.info.wasm.reason, "a reason why the Wasm backend is unavailable");
    }

    // ½ (tanh(w·x + b) − y)² at x = 2, w = −0.5, b = 1, y = 0.8: tanh(0) = 0.
    assert.equal(r.neuron.dtype, "float64");
    assert.ok(Math.abs(r.neuron.loss - 0.32) < 1e-12, `loss ${r.neuron.loss}`);
    assert.ok(Math.abs(r.neuron.dw - -1.6) < 1e-12, `dL/dw ${r.neuron.dw}`);
    assert.ok(Math.abs(r.neuron.db - -0.8) < 1e-12, `dL/db ${r.neuron.db}`);

    // grad of sum(sin(x)) is cos(x).
    assert.equal(r.dsin.length, r.cos.length);
    r.dsin.forEach((v, i) => assert.ok(Math.abs(v - r.cos[i]!) < 1e-12, `d sin at ${i}: ${v} vs ${r.cos[i]}`));

    // float32 64×64 GEMM against a plain triple loop.
    // the seeded generator gives the same bits in the browser as in Node
    const tg = await import("../src/index.js");
    assert.deepEqual(r.draws.randn, Array.from(tg.randn([16], { generator: tg.random.generator(2024), dtype: "float64" }).data()));
    assert.deepEqual(r.draws.rand, Array.from(tg.rand([16], { generator: tg.random.generator(7), dtype: "float64" }).data()));
    assert.deepEqual(r.draws.randint, Array.from(tg.randint(0, 1000, [16], { generator: tg.random.generator(9) }).data()));

    assert.deepEqual(r.matmul.shape, [64, 64]);
    assert.equal(r.matmul.dtype, "float32");
    assert.ok(r.matmul.maxErr < 1e-4, `matmul max error ${r.matmul.maxErr}`);
  } finally {
    await browser?.close().catch(() => undefined);
    if (server) {
      const closed = new Promise<void>((ok) => server!.close(() => ok()));
      server.closeAllConnections();
      await closed;
    }
    await rm(dir, { recursive: true, force: true });
  }
});
