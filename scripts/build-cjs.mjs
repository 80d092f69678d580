#!/usr/bin/env node
// The CommonJS build: every module of the ES build (dist/**/*.js, from `tsc`) transformed
// one for one into dist/cjs/ (same file names, so relative requires resolve as the imports
// did), with the type declarations copied next to it and a package.json marking the folder
// as CommonJS. `require("tensorgrad")` loads this build, `import` the ES one: two separate
// module instances (own default backend, own tapes), so a program should use one of them.
//
// `import.meta.url` has no CommonJS form; it becomes the URL of the module's ES twin in
// dist/, so resources found relative to it (the data/ folder) resolve the same way.

import { transform } from "esbuild";
import { mkdir, readdir, readFile, rm, writeFile, copyFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const out = join(dist, "cjs");
// Outputs in dist/ that are not part of the library's module graph.
const SKIP = new Set(["cjs", "cli", "browser"]);

async function* modules(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (dir === dist && SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* modules(path);
    else if (entry.name.endsWith(".js") || entry.name.endsWith(".d.ts")) yield path;
  }
}

await rm(out, { recursive: true, force: true });
let count = 0;
for await (const file of modules(dist)) {
  const rel = relative(dist, file);
  const target = join(out, rel);
  await mkdir(dirname(target), { recursive: true });
  if (file.endsWith(".d.ts")) {
    await copyFile(file, target);
    continue;
  }
  const code = await readFile(file, "utf8");
  const usesMeta = code.includes("import.meta");
  const res = await transform(code, {
    format: "cjs",
    target: "es2022",
    platform: "node",
    loader: "js",
    sourcefile: rel,
    define: usesMeta ? { "import.meta.url": "__importMetaUrl" } : {},
    logLevel: "silent",
  });
  if (res.warnings.length > 0) {
    throw new Error(`build-cjs: ${rel}: ${res.warnings.map((w) => w.text).join("; ")}`);
  }
  const up = "../".repeat(rel.split(sep).length);
  const shim = usesMeta
    ? `const __importMetaUrl = require("node:url").pathToFileURL(require("node:path").resolve(__dirname, ${JSON.stringify(up)}, ${JSON.stringify(rel.split(sep).join("/"))})).href;\n`
    : "";
  await writeFile(target, `"use strict";\n${shim}${res.code}`);
  count++;
}
await writeFile(join(out, "package.json"), `${JSON.stringify({ type: "commonjs" }, null, 2)}\n`);
console.log(`build-cjs: ${count} modules → ${relative(root, out)}`);
