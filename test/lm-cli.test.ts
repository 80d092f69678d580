// `tensorgrad sample` on a small saved char-lm checkpoint: streaming output, and bad input
// (unknown prompt characters, another format or a newer version, --tokens 0, temperature ≤ 0,
// --top-k beyond the vocabulary) answered with a clear message, exit code 1 and no output.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { charLmConfig, charLmData, charLmInit, charLmTrain } from "../src/examples/char-lm.js";
import { loadShakespeare, saveCharLmRun } from "../src/examples/char-lm-node.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { bin: Record<string, string> };
const BIN = join(root, pkg.bin.tensorgrad);
const scratch = mkdtempSync(join(tmpdir(), "tensorgrad-lm-cli-"));
const ck = join(scratch, "run");

before(() => {
  if (!existsSync(BIN)) execFileSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
  const data = charLmData(loadShakespeare().slice(0, 50000));
  const s = charLmInit(charLmConfig({ nLayer: 1, nHead: 2, nEmbd: 16, blockSize: 16, batchSize: 4, maxIters: 3, evalIters: 1, warmupIters: 1, lrDecayIters: 3 }), data.tokenizer.vocabSize);
  charLmTrain(s, data);
  saveCharLmRun(ck, s, data.tokenizer);
});
after(() => rmSync(scratch, { recursive: true, force: true }));

function sample(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, "sample", ...args], { encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("sample streams the prompt and the requested number of characters, reproducibly by seed", () => {
  const a = sample([ck, "--prompt", "ROMEO:", "--tokens", "30", "--seed", "3"]);
  assert.equal(a.status, 0, a.stderr);
  assert.ok(a.stdout.startsWith("ROMEO:"));
  assert.equal(a.stdout.length, "ROMEO:".length + 30 + 1);
  assert.equal(sample([ck, "--prompt", "ROMEO:", "--tokens", "30", "--seed", "3"]).stdout, a.stdout);
});

test("bad input: a clear message, exit code 1, nothing on stdout", () => {
  const bad = (args: string[], message: RegExp) => {
    const r = sample(args);
    assert.equal(r.status, 1, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, message);
  };
  bad([ck, "--prompt", "ROMEO€"], /character "€" \(U\+20AC\) at position 5 is not in the vocabulary/);
  bad([ck, "--tokens", "0"], /--tokens must be a whole number ≥ 1/);
  bad([ck, "--temperature", "0"], /--temperature must be > 0/);
  bad([ck, "--temperature", "-1"], /--temperature must be > 0/);
  bad([ck, "--top-k", "1000"], /--top-k must be a whole number in \[1, \d+\]/);
  bad([join(scratch, "nowhere")], /not a char-lm checkpoint folder/);
  const newer = join(scratch, "newer");
  cpSync(ck, newer, { recursive: true });
  const cfg = JSON.parse(readFileSync(join(newer, "config.json"), "utf8"));
  writeFileSync(join(newer, "config.json"), JSON.stringify({ ...cfg, version: cfg.version + 1 }));
  bad([newer], /format version 2; this tensorgrad reads versions up to 1/);
  writeFileSync(join(newer, "config.json"), JSON.stringify({ ...cfg, format: "other" }));
  bad([newer], /has format "other"/);
});
