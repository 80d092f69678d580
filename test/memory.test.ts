// Users never dispose: a 100,000-step training loop must not grow memory.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

for (const mode of ["eager", "compiled"] as const)
test(`100,000 training steps of the quadrant MLP (${mode}) end within 10% of the memory after step 1,000`, () => {
  const script = fileURLToPath(new URL("./memory-loop.ts", import.meta.url));
  // V8 resizes its young generation with allocation pressure (tens of MB of resident memory
  // that come and go between collections); pinning it at 1 MB makes the resident-set comparison
  // measure what the program retains rather than how the collector sizes its nursery.
  const out = execFileSync(process.execPath, ["--expose-gc", "--max-semi-space-size=1", "--import", "tsx", script, "100000", mode], { encoding: "utf8" });
  const r = JSON.parse(out.trim().split("\n").pop()!) as { heapRatio: number; rssRatio: number; finalLoss: number; after1k: object; end: object };
  console.log(`memory after step 1,000 and 100,000 (${mode}): ${JSON.stringify(r)}`);
  assert.ok(r.heapRatio < 1.1, `heap grew ×${r.heapRatio.toFixed(3)}: ${JSON.stringify(r)}`);
  assert.ok(r.rssRatio < 1.1, `resident memory grew ×${r.rssRatio.toFixed(3)}: ${JSON.stringify(r)}`);
  assert.ok(r.finalLoss < 0.3, `the model should have learned the quadrants, final loss ${r.finalLoss}`);
});
