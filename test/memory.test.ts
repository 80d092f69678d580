// Users never dispose: a long loop of small operations must not grow memory.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

test("100,000 training steps of small ops keep memory within 10% of step 1,000", () => {
  const script = fileURLToPath(new URL("./memory-loop.ts", import.meta.url));
  const out = execFileSync(process.execPath, ["--expose-gc", "--import", "tsx", script, "100000"], { encoding: "utf8" });
  const r = JSON.parse(out.trim().split("\n").pop()!) as { after1k: number; end: number; ratio: number };
  assert.ok(r.ratio < 1.1, `memory grew from ${r.after1k} to ${r.end} bytes (×${r.ratio.toFixed(3)})`);
});
