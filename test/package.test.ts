// The built package as users import it: `import * as tg from "tensorgrad"` (self-reference
// through the exports map) after `npm run build`, with type declarations next to the code.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

test("the package self-references through its exports map", () => {
  assert.ok(existsSync(`${root}/dist/index.js`), "dist/index.js is missing: run npm run build (npm test does)");
  assert.ok(existsSync(`${root}/dist/index.d.ts`), "type declarations are missing");
  const code = `import * as tg from "tensorgrad";
const w = tg.tensor([1, 2, 3]).requiresGrad();
w.mul(w).sum().backward();
console.log(JSON.stringify(w.grad.toArray()));`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", code], { cwd: root, encoding: "utf8" });
  assert.equal(out.trim(), "[2,4,6]");
});

test("package.json is publishable: ESM, exports map, no runtime dependencies in the core", () => {
  const pkg = JSON.parse(readFileSync(`${root}/package.json`, "utf8")) as Record<string, unknown>;
  assert.equal(pkg.name, "tensorgrad");
  assert.equal(pkg.type, "module");
  const exp = pkg.exports as Record<string, { import: string; types: string }>;
  assert.equal(exp["."].import, "./dist/index.js");
  assert.equal(exp["."].types, "./dist/index.d.ts");
  assert.match(String(pkg.version), /^\d+\.\d+\.\d+/);
});
