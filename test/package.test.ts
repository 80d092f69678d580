// The built package as users import it: `import * as tg from "tensorgrad"` (self-reference
// through the exports map) after `npm run build`, with type declarations next to the code, and
// its CommonJS twin in dist/cjs (test/import.test.ts requires it from a CommonJS project).

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
const w = tg.tensor([1, 2, 3]).setRequiresGrad();
w.mul(w).sum().backward();
console.log(JSON.stringify(w.grad.toArray()));`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", code], { cwd: root, encoding: "utf8" });
  assert.equal(out.trim(), "[2,4,6]");
});

type Target = { types: string; default: string };

test("package.json is publishable: ESM and CommonJS builds for every subpath, side effects named", () => {
  const pkg = JSON.parse(readFileSync(`${root}/package.json`, "utf8")) as Record<string, unknown>;
  assert.equal(pkg.name, "tensorgrad");
  assert.equal(pkg.type, "module");
  // only the two modules that register at load time (Tensor's methods, the primitive table), in every build
  const modules = ["tensor/methods", "prims/table"];
  assert.deepEqual(
    [...(pkg.sideEffects as string[])].sort(),
    modules.flatMap((m) => [`./src/${m}.ts`, `./dist/${m}.js`, `./dist/cjs/${m}.js`]).sort(),
  );
  const exp = pkg.exports as Record<string, { import: Target; require: Target } | string>;
  assert.deepEqual(exp["."], {
    import: { types: "./dist/index.d.ts", default: "./dist/index.js" },
    require: { types: "./dist/cjs/index.d.ts", default: "./dist/cjs/index.js" },
  });
  for (const sub of ["./examples", "./plot", "./report", "./report/node", "./data/node"]) assert.ok(exp[sub], `subpath ${sub}`);
  for (const [sub, e] of Object.entries(exp)) {
    if (typeof e === "string") continue;
    for (const t of [e.import.types, e.import.default, e.require.types, e.require.default])
      assert.ok(existsSync(`${root}/${t}`), `${sub}: ${t} is missing`);
    assert.equal(e.require.default, e.import.default.replace("./dist/", "./dist/cjs/"), `${sub}: the two builds mirror each other`);
  }
  assert.equal(JSON.parse(readFileSync(`${root}/dist/cjs/package.json`, "utf8")).type, "commonjs");
  assert.match(String(pkg.version), /^\d+\.\d+\.\d+/);
});

test("the experiments load from tensorgrad/examples, not from the core entry", () => {
  const code = `import * as tg from "tensorgrad";
import { neuron } from "tensorgrad/examples";
console.log(JSON.stringify({ inCore: "examples" in tg, loss: neuron().scalar.loss }));`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", code], { cwd: root, encoding: "utf8" });
  const r = JSON.parse(out) as { inCore: boolean; loss: number };
  assert.equal(r.inCore, false);
  assert.ok(Math.abs(r.loss - 0.32) < 1e-12);
});

test("the packed tarball ships the license and the CLI guide, and no source maps", () => {
  // --ignore-scripts: list what the current build (npm test runs it first) would ship, without rebuilding
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8" });
  const [pack] = JSON.parse(out) as { files: { path: string }[] }[];
  const files = pack.files.map((f) => f.path);
  for (const f of ["LICENSE", "README.md", "cli/README.md", "package.json", "dist/index.js", "dist/cjs/index.js", "dist/cli/main.js"])
    assert.ok(files.includes(f), `${f} is not in the package`);
  // the maps point at ../src, which is not shipped
  assert.deepEqual(files.filter((f) => f.endsWith(".map")), []);
  for (const f of ["dist/index.js", "dist/cjs/index.js", "dist/cli/main.js"])
    assert.doesNotMatch(readFileSync(`${root}/${f}`, "utf8"), /sourceMappingURL/, `${f} names a source map`);
  assert.match(readFileSync(`${root}/LICENSE`, "utf8"), /^MIT License\n\nCopyright \(c\) \d{4} tensorgrad contributors\n/);
  const readme = readFileSync(`${root}/README.md`, "utf8");
  assert.match(readme.slice(0, 1200), /npm install tensorgrad/, "the install line is near the top of the README");
});
