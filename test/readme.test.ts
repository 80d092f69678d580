// The README's code blocks run as written: each ```ts block is saved inside the package (so
// `import * as tg from "tensorgrad"` resolves to the built package through its exports map) and
// executed; where a block prints a value with a `// …` comment stating it, the value is checked.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const readme = readFileSync(`${root}/README.md`, "utf8");
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

test("the README has runnable TypeScript blocks", () => {
  assert.ok(blocks.length >= 3, `found ${blocks.length} blocks`);
});

blocks.forEach((code, i) => {
  test(`README block ${i + 1} runs`, () => {
    const dir = `${root}/.readme-blocks`;
    mkdirSync(dir, { recursive: true });
    const file = `${dir}/block-${i + 1}.mts`;
    writeFileSync(file, code);
    try {
      const out = execFileSync(process.execPath, ["--import", "tsx", file], { cwd: root, encoding: "utf8" });
      const lines = out.trim().split("\n");
      if (code.includes("// [12]")) assert.equal(lines[0], "[ 12 ]");
      if (code.includes("// 12 (the second")) assert.equal(lines[1], "12");
      if (code.includes("(A + Aᵀ)/2")) assert.deepEqual(JSON.parse(lines[2].replace(/ /g, "")), [[1, 2.5], [2.5, 4]]);
      if (code.includes("// > 0.95")) assert.ok(Number(lines[lines.length - 1]) > 0.95, out);
    } finally {
      rmSync(file, { force: true });
    }
  });
});
