// `tensorgrad run char-lm` as a user runs it (the built bin): the run folder's files, Ctrl-C
// writing a resumable checkpoint, --resume continuing to the end, and bad input refused with
// exit code 1 before anything is written.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { bin: Record<string, string> };
const BIN = join(root, pkg.bin.tensorgrad);
const scratch = mkdtempSync(join(tmpdir(), "tensorgrad-lm-run-"));
const SMALL = ["--n-layer", "1", "--n-head", "2", "--n-embd", "16", "--block-size", "8", "--batch-size", "4", "--eval-iters", "1", "--warmup-iters", "2"];

before(() => {
  if (!existsSync(BIN)) execFileSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
});
after(() => rmSync(scratch, { recursive: true, force: true }));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, "run", "char-lm", ...args], { cwd: scratch, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("a short run writes the checkpoint, metrics.json and report.md with its figures", () => {
  const r = run([...SMALL, "--steps", "6", "--eval-interval", "3", "--out", "short"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /eval at iter 3: train loss \d\.\d{4}, val loss \d\.\d{4}/);
  const dir = join(scratch, "short");
  for (const f of ["model.safetensors", "config.json", "tokenizer.json", "optimizer.safetensors", "optimizer.json", "metrics.json", "report.md", "samples.txt", "figures/loss.png", "figures/lr-schedule.svg", "figures/attention.png"])
    assert.ok(existsSync(join(dir, f)), f);
  const m = JSON.parse(readFileSync(join(dir, "metrics.json"), "utf8"));
  for (const k of ["iters", "trainLoss", "valLoss", "msPerIter", "tokensPerSecond", "gflops", "params", "trainSeconds", "wallSeconds"]) assert.equal(typeof m[k], "number", k);
  assert.ok(m.wallSeconds >= m.trainSeconds, "the whole run includes the training");
  assert.equal(m.iters, 6);
  assert.deepEqual(m.evals.map((e: { iter: number }) => e.iter), [0, 3, 6]);
  const md = readFileSync(join(dir, "report.md"), "utf8");
  // every sample shown whole in its own section (and in samples.txt), the last from "ROMEO:"
  assert.match(md, /## Samples[\s\S]*---- iteration 0 ----[\s\S]*---- iteration 3 ----[\s\S]*---- iteration 6 ----\nROMEO:/);
  assert.doesNotMatch(md, /lines left out/);
  assert.match(readFileSync(join(dir, "samples.txt"), "utf8"), /---- iteration 6 ----\nROMEO:/);
  assert.match(md, /wall time of the run \(s\)/);
  assert.match(md, /figures\/attention\.png/);
});

test("Ctrl-C stops after the current step with a resumable checkpoint; --resume continues to the end", async () => {
  const dir = join(scratch, "stopped");
  const child = spawn(process.execPath, [BIN, "run", "char-lm", ...SMALL, "--steps", "100000", "--eval-interval", "50000", "--out", dir], { timeout: 120_000 });
  let out = "";
  let sent = false;
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    if (!sent && /iter \d+\/100000/.test(out)) {
      sent = true;
      child.kill("SIGINT");
    }
  });
  const code = await new Promise<number | null>((res) => child.on("close", (c) => res(c)));
  assert.equal(code, 130, out);
  assert.match(out, /Stopped at iteration (\d+); continue with: tensorgrad run char-lm --resume/);
  const stoppedAt = Number(/Stopped at iteration (\d+)/.exec(out)![1]);
  const saved = JSON.parse(readFileSync(join(dir, "optimizer.json"), "utf8"));
  assert.equal(saved.iter, stoppedAt);
  const r = run(["--resume", dir, "--max-iters", String(stoppedAt + 3)]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`resuming at iteration ${stoppedAt}`));
  assert.equal(JSON.parse(readFileSync(join(dir, "metrics.json"), "utf8")).iters, stoppedAt + 3);
});

test("bad input: a clear message, exit code 1, nothing written", () => {
  const bad = (args: string[], message: RegExp, out = "bad") => {
    const r = run([...args, "--out", out]);
    assert.equal(r.status, 1, `${args.join(" ")}: ${r.stdout} ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.ok(out === "taken" || !existsSync(join(scratch, out)), `${out} must not be created`);
  };
  bad(["--n-embd", "30", "--n-head", "4"], /nEmbd \(30\) must be a multiple of nHead \(4\)/);
  bad(["--preset", "huge"], /unknown --preset 'huge'; known presets: default, baby/);
  bad(["--dropout", "1.5"], /--dropout <p>' argument '1.5' is invalid/);
  bad(["--optimizer", "adam"], /--optimizer: not used by char-lm/);
  mkdirSync(join(scratch, "taken"), { recursive: true });
  writeFileSync(join(scratch, "taken", "x"), "");
  bad([], /taken exists and is not empty/, "taken");
  const r = spawnSync(process.execPath, [BIN, "run", "char-lm", "--resume", join(scratch, "nowhere")], { cwd: scratch, encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /holds no resumable char-lm run/);
  const q = spawnSync(process.execPath, [BIN, "run", "quadrant", "--n-layer", "2"], { cwd: scratch, encoding: "utf8" });
  assert.equal(q.status, 1);
  assert.match(q.stderr, /--n-layer: only used by char-lm/);
});
