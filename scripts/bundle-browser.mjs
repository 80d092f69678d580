#!/usr/bin/env node
// Bundles the core library (src/index.ts) into one ES module for browsers.
// Usage: node scripts/bundle-browser.mjs [outfile]   (default: dist/browser/tensorgrad.js)
// `node:*` modules are only reached through guarded dynamic imports (thread count, worker
// threads, V8 flags); they stay external and simply fail to load in a browser.

import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import { dirname, resolve } from "node:path";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Builds the bundle to `outfile` and returns esbuild's result (with metafile). */
export async function bundleBrowser(outfile = resolve(root, "dist/browser/tensorgrad.js")) {
  return build({
    entryPoints: [resolve(root, "src/index.ts")],
    outfile,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    external: ["node:*"],
    sourcemap: false,
    metafile: true,
    logLevel: "silent",
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ? resolve(process.argv[2]) : undefined;
  const res = await bundleBrowser(out);
  for (const [file, info] of Object.entries(res.metafile.outputs)) console.log(`${file}  ${(info.bytes / 1024).toFixed(1)} KiB`);
}
