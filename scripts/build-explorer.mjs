#!/usr/bin/env node
// Builds the explorer (explorer/) as a static site: index.html, style.css and one ES module
// bundle holding tensorgrad, the widgets and the small data sets and images they use, plus assets/
// (files the widgets fetch, such as a model checkpoint), so the site works from any static host and
// offline.
// Usage: node scripts/build-explorer.mjs [outdir]   (default: dist/explorer)

import { build } from "esbuild";
import { copyFile, cp, mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Builds the explorer into `outdir` and returns esbuild's result (with metafile). */
export async function buildExplorer(outdir = resolve(root, "dist/explorer")) {
  await mkdir(outdir, { recursive: true });
  const res = await build({
    entryPoints: [resolve(root, "explorer/src/main.ts")],
    outfile: join(outdir, "explorer.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    external: ["node:*"],
    sourcemap: false,
    metafile: true,
    logLevel: "silent",
    loader: { ".json": "json", ".png": "binary" },
  });
  await copyFile(resolve(root, "explorer/index.html"), join(outdir, "index.html"));
  await copyFile(resolve(root, "explorer/style.css"), join(outdir, "style.css"));
  // files the widgets fetch (the language model's checkpoint and text)
  await cp(resolve(root, "explorer/assets"), join(outdir, "assets"), { recursive: true, filter: (src) => !src.endsWith(".md") });
  return res;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ? resolve(process.argv[2]) : undefined;
  const res = await buildExplorer(out);
  for (const [file, info] of Object.entries(res.metafile.outputs)) console.log(`${file}  ${(info.bytes / 1024).toFixed(1)} KiB`);
}
