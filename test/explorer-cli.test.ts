// `tensorgrad explore`: the command serves a built explorer with the cross-origin isolation
// headers, prints its URL, refuses a folder without a site, and stops on SIGTERM. No browser
// needed: the page itself is exercised in test/explorer.test.ts.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const main = join(root, "cli/main.ts");

test("explore serves the built site with COOP/COEP and prints its URL", { timeout: 60_000 }, async () => {
  const { buildExplorer } = (await import(pathToFileURL(join(root, "scripts/build-explorer.mjs")).href)) as {
    buildExplorer(outdir: string): Promise<{ errors: unknown[]; metafile: { outputs: Record<string, { bytes: number }> } }>;
  };
  const dir = await mkdtemp(join(tmpdir(), "tensorgrad-explore-cli-"));
  const child = spawn(process.execPath, ["--import", "tsx", main, "explore", "--port", "0", "--dir", dir], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  try {
    const built = await buildExplorer(dir);
    assert.deepEqual(built.errors, []);
    const url = await new Promise<string>((ok, fail) => {
      let out = "";
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const m = out.match(/tensorgrad explorer: (http:\/\/127\.0\.0\.1:\d+\/)/);
        if (m) ok(m[1]);
      });
      child.once("exit", (code) => fail(new Error(`explore exited with ${code} before printing its URL: ${out}`)));
    });
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("cross-origin-opener-policy"), "same-origin");
    assert.equal(page.headers.get("cross-origin-embedder-policy"), "require-corp");
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    const html = await page.text();
    assert.match(html, /<script type="module" src="explorer.js">/);
    const js = await fetch(new URL("explorer.js", url));
    assert.equal(js.status, 200);
    assert.match(js.headers.get("content-type") ?? "", /^text\/javascript/);
    // the data sets travel inside the bundle, so the site needs nothing but its three files
    const body = await js.text();
    assert.ok(body.includes("0.3571428656578064"), "neuron-line-15.json is bundled");
    assert.equal((await fetch(new URL("missing.js", url))).status, 404);
    // a path that climbs out of the site is refused (sent raw: fetch would normalise it)
    const climb = await new Promise<number>((ok, fail) => {
      const req = request(new URL(url), { path: "/..%2F..%2F..%2Fetc%2Fpasswd" }, (res) => {
        res.resume();
        ok(res.statusCode ?? 0);
      });
      req.once("error", fail);
      req.end();
    });
    assert.equal(climb, 403);
    const exited = new Promise<number | null>((ok) => child.once("exit", (code) => ok(code)));
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  }
});

test("explore refuses a folder without a built site", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", main, "explore", "--port", "0", "--dir", tmpdir()], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /holds no built explorer/);
});
