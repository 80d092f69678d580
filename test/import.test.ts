// Loading the package does no work: no V8 flag changes, no threads, no top-level await; the
// first operation initialises what it needs. Each check runs in a fresh `node` process on the
// built package (dist/, through the exports map), with `import` and with `require`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

// The smallest module using f32x4.relaxed_madd: (func (result v128) v128.const 0 ×3, relaxed_madd).
const RELAXED_MODULE = [
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x3d, 0x01, 0x3b, 0x00,
  ...[0, 1, 2].flatMap(() => [0xfd, 0x0c, ...new Array<number>(16).fill(0)]),
  0xfd, 0x85, 0x02, 0x0b,
];

/**
 * Child-process prelude: records every V8 flag set and every Worker constructed from here on
 * (the package reaches both through `process.getBuiltinModule`, which returns these same
 * module objects), and counts the process's threads (Linux) once start-up work has settled.
 */
const PRELUDE = `
const v8 = process.getBuiltinModule("node:v8");
const wt = process.getBuiltinModule("node:worker_threads");
const fs = process.getBuiltinModule("node:fs");
const flags = [];
const setFlags = v8.setFlagsFromString;
v8.setFlagsFromString = (f) => { flags.push(f); return setFlags.call(v8, f); };
let workers = 0;
const BaseWorker = wt.Worker;
wt.Worker = class extends BaseWorker { constructor(...a) { super(...a); workers++; } };
const relaxed = new Uint8Array(${JSON.stringify(RELAXED_MODULE)});
const threads = () => fs.existsSync("/proc/self/task") ? fs.readdirSync("/proc/self/task").length : -1;
const report = (o) => console.log(JSON.stringify(o));
`;

interface ImportReport {
  relaxedBefore: boolean;
  relaxedAfter: boolean;
  flags: string[];
  workers: number;
  threadsBefore: number;
  threadsAfter: number;
}

function runChild(args: string[], code: string, cwd = root): string {
  return execFileSync(process.execPath, [...args, "-e", code], { cwd, encoding: "utf8", timeout: 60_000 });
}

function checkImport(r: ImportReport): void {
  assert.equal(r.relaxedBefore, false, "this Node has relaxed SIMD without a flag: the check needs Node 20");
  assert.deepEqual(r.flags, [], "loading the package set V8 flags");
  assert.equal(r.relaxedAfter, false, "relaxed SIMD became available: a V8 flag changed");
  assert.equal(r.workers, 0, "loading the package constructed a Worker");
  if (r.threadsBefore >= 0) assert.equal(r.threadsAfter, r.threadsBefore, "loading the package started threads");
}

// Warm the loader and libuv's thread pool with another module first, so the thread count
// measures only what the package does.
const measureImport = (load: string): string => `${PRELUDE}
(async () => {
  await import("node:test");
  await fs.promises.readFile(process.execPath).then(() => undefined, () => undefined);
  const relaxedBefore = WebAssembly.validate(relaxed);
  const threadsBefore = threads();
  const tg = ${load};
  const threadsAfter = threads();
  report({ relaxedBefore, relaxedAfter: WebAssembly.validate(relaxed), flags, workers, threadsBefore, threadsAfter, keys: Object.keys(tg).length, examples: "examples" in tg });
})();
`;

test("the relaxed-SIMD probe validates exactly when the engine has relaxed SIMD", () => {
  const code = `console.log(WebAssembly.validate(new Uint8Array(${JSON.stringify(RELAXED_MODULE)})))`;
  assert.equal(runChild([], code).trim(), "false");
  assert.equal(runChild(["--experimental-wasm-relaxed-simd"], code).trim(), "true");
});

test("import: no V8 flag changes, no thread, no Worker, engine only", () => {
  assert.ok(existsSync(join(root, "dist/index.js")), "dist/index.js is missing: run npm run build (npm test does)");
  const r = JSON.parse(runChild([], measureImport(`await import("tensorgrad")`))) as ImportReport & { keys: number; examples: boolean };
  checkImport(r);
  assert.ok(r.keys > 50, `only ${r.keys} exports`);
  assert.equal(r.examples, false, "the experiments belong to tensorgrad/examples, not the core entry");
});

test("require: no V8 flag changes, no thread, no Worker", () => {
  assert.ok(existsSync(join(root, "dist/cjs/index.js")), "dist/cjs/index.js is missing: run npm run build");
  const r = JSON.parse(runChild([], measureImport(`require("tensorgrad")`))) as ImportReport;
  checkImport(r);
});

test("the first operation works without init; threads start only for a large product, and never hold the process", () => {
  const code = `${PRELUDE}
import("tensorgrad").then((tg) => {
  const y = tg.tensor([1, 2, 3]).mul(2).sum().item();
  const small = { backend: tg.getBackend().name, workers };
  const a = tg.ones([512, 512]);
  // evaluation is lazy: the product runs when its value is read
  const value = tg.matmul(a, a).data()[0];
  report({ y, small, big: { workers, value, threads: tg.getNumThreads() }, flags, relaxed: WebAssembly.validate(relaxed) });
});
`;
  const t0 = performance.now();
  const r = JSON.parse(runChild([], code)) as {
    y: number; small: { backend: string; workers: number }; big: { workers: number; value: number; threads: number }; flags: string[]; relaxed: boolean;
  };
  const ms = performance.now() - t0;
  assert.equal(r.y, 12);
  assert.equal(r.small.backend, "wasm", "Node creates the Wasm backend on first use");
  assert.equal(r.small.workers, 0, "a small operation started workers");
  assert.equal(r.big.value, 512);
  assert.equal(r.big.workers, r.big.threads - 1, "a large product starts the configured workers");
  assert.deepEqual(r.flags, []);
  assert.equal(r.relaxed, false);
  // The child ends by itself: idle (unref'd) workers do not keep it alive.
  assert.ok(ms < 30_000, `child took ${ms.toFixed(0)} ms`);
});

test("opt-in V8 flags: init({ relaxedSimd, noLiftoff }) sets them for the compilation and restores the defaults", () => {
  const code = `${PRELUDE}
import("tensorgrad").then(async (tg) => {
  const info = await tg.init({ relaxedSimd: true, noLiftoff: true, threads: 1 });
  const a = tg.ones([64, 64]);
  report({ info, flags, workers, relaxedAfter: WebAssembly.validate(relaxed), value: tg.matmul(a, a).data()[0] });
});
`;
  const r = JSON.parse(runChild([], code)) as {
    info: { name: string; wasm: { relaxedSimd: boolean } }; flags: string[]; workers: number; relaxedAfter: boolean; value: number;
  };
  assert.equal(r.info.name, "wasm");
  assert.equal(r.info.wasm.relaxedSimd, true, "the kernels use relaxed SIMD");
  assert.deepEqual(r.flags, ["--experimental-wasm-relaxed-simd", "--no-liftoff", "--liftoff", "--no-experimental-wasm-relaxed-simd"]);
  assert.equal(r.relaxedAfter, false, "the relaxed-SIMD flag is back to its default");
  assert.equal(r.workers, 0);
  assert.equal(r.value, 64);
});

test("opt-in V8 flags: init({ recycle }) sets each helper's flag for one private context and restores the default", () => {
  const code = `${PRELUDE}
import("tensorgrad").then(async (tg) => {
  await tg.init({ recycle: true, threads: 1 });
  const vm = await import("node:vm");
  report({ flags, workers, gcAfter: vm.runInNewContext("typeof gc"), cleanupSomeAfter: vm.runInNewContext("typeof FinalizationRegistry.prototype.cleanupSome") });
});
`;
  const r = JSON.parse(runChild([], code)) as { flags: string[]; workers: number; gcAfter: string; cleanupSomeAfter: string };
  assert.deepEqual(r.flags, ["--harmony-weak-refs-with-cleanup-some", "--no-harmony-weak-refs-with-cleanup-some", "--expose-gc", "--no-expose-gc"]);
  assert.equal(r.gcAfter, "undefined", "contexts made afterwards have no gc");
  assert.equal(r.cleanupSomeAfter, "undefined", "nor cleanupSome");
  assert.equal(r.workers, 0);
});

test("init after the first operation refuses compile options it can no longer apply", () => {
  const code = `import("tensorgrad").then(async (tg) => {
  tg.tensor([1]).add(1);
  const info = await tg.init({ threads: 2 });
  let error = "";
  try { await tg.init({ noLiftoff: true }); } catch (e) { error = e.message; }
  console.log(JSON.stringify({ name: info.name, threads: info.wasm.threads, error }));
});`;
  const r = JSON.parse(runChild([], code)) as { name: string; threads: number; error: string };
  assert.equal(r.name, "wasm");
  assert.equal(r.threads, 2);
  assert.match(r.error, /^init: the Wasm backend was already compiled/);
});

test('require("tensorgrad") from a CommonJS project, with types', () => {
  const dir = mkdtempSync(join(tmpdir(), "tensorgrad-cjs-"));
  try {
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "cjs-consumer", version: "1.0.0", private: true, type: "commonjs" }, null, 2));
    // As `npm link` would: the package folder itself under node_modules.
    mkdirSync(join(dir, "node_modules"));
    symlinkSync(root, join(dir, "node_modules", "tensorgrad"), "dir");
    const out = runChild([], `
const tg = require("tensorgrad");
const w = tg.tensor([1, 2, 3]).setRequiresGrad();
w.mul(w).sum().backward();
const { neuron } = require("tensorgrad/examples");
const { Figure } = require("tensorgrad/plot");
console.log(JSON.stringify({ grad: w.grad.toArray(), backend: tg.backendInfo().name, loss: neuron().scalar.loss, svg: typeof new Figure({}).toSVG }));
`, dir);
    const r = JSON.parse(out) as { grad: number[]; backend: string; loss: number; svg: string };
    assert.deepEqual(r.grad, [2, 4, 6]);
    assert.equal(r.backend, "wasm");
    assert.ok(Math.abs(r.loss - 0.32) < 1e-12, `neuron loss ${r.loss}`);
    assert.equal(r.svg, "function");

    // The "require" conditions carry types: a CommonJS TypeScript project type-checks.
    writeFileSync(join(dir, "main.ts"), `import tg = require("tensorgrad");
import examples = require("tensorgrad/examples");
const t: tg.Tensor = tg.ones([2]);
const r: examples.NeuronResult = examples.neuron();
export const n: number = t.sum().item() + r.scalar.loss;
`);
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
      compilerOptions: { module: "node16", moduleResolution: "node16", target: "es2022", strict: true, noEmit: true, types: [], skipLibCheck: true, lib: ["es2022", "dom"] },
      files: ["main.ts"],
    }));
    const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", dir], { encoding: "utf8", timeout: 60_000 });
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
