// The `tensorgrad` command under stress: bounds checked before training, default folders that
// do not collide, folder modes that follow the umask, unwritable targets refused up front,
// signals (SIGINT, SIGTERM) reaching the training worker, and Ctrl-C while the report is being
// written. Every case runs the built bin in a real child process.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { BIN, cliScratch, tensorgrad, type Result } from "./cli-helpers.js";

/** A fresh empty working folder. */
const workdir = cliScratch("tensorgrad-cli9-");

/** Spawns the command; `onOut` sees stdout as it grows and may signal the child. */
function tensorgradLive(
  args: string[],
  cwd: string,
  onOut: (stdout: string, child: ReturnType<typeof spawn>) => void,
  shell?: string,
  onErr?: (stderr: string, child: ReturnType<typeof spawn>) => void,
): Promise<Result> {
  return new Promise((resolveRun, reject) => {
    const child = shell
      ? spawn("/bin/sh", ["-c", `${shell}; exec "$0" "$@"`, process.execPath, BIN, ...args], { cwd, timeout: 120_000 })
      : spawn(process.execPath, [BIN, ...args], { cwd, timeout: 120_000 });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => {
      stdout += d.toString();
      onOut(stdout, child);
    });
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
      onErr?.(stderr, child);
    });
    child.on("error", reject);
    child.on("close", (status) => resolveRun({ status, stdout, stderr }));
  });
}

test("--steps above the stated bound is refused before anything runs", () => {
  const cwd = workdir();
  for (const [exp, steps] of [["line-fit", "1e12"], ["line-fit", "1000001"], ["digits", "10001"], ["optimizer-race", "100001"]]) {
    const r = tensorgrad(["run", exp, "--steps", steps], cwd);
    assert.equal(r.status, 1, `${exp} --steps ${steps}`);
    assert.match(r.stderr, /accepts at most \d+/);
    assert.doesNotMatch(r.stdout, /step/);
  }
  assert.deepEqual(readdirSync(cwd), [], "nothing written");
  const help = tensorgrad(["run", "--help"], cwd);
  assert.match(help.stdout, /at most 10000/);
});

test("an output path that cannot be created (/proc) is refused before training", () => {
  const cwd = workdir();
  const r = tensorgrad(["run", "line-fit", "--out", "/proc/tensorgrad-out"], cwd);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot write to \/proc\/tensorgrad-out/);
  assert.doesNotMatch(r.stdout, /line-fit: step|Line fit/);
});

test("runs started together without --out get distinct folders, with the umask's mode", async () => {
  const cwd = workdir();
  const runs = await Promise.all([0, 1, 2].map(() => tensorgradLive(["graph"], cwd, () => {}, "umask 022")));
  for (const r of runs) assert.equal(r.status, 0, r.stderr);
  const dirs = readdirSync(join(cwd, "runs"));
  assert.equal(dirs.length, 3, dirs.join(", "));
  for (const d of dirs) {
    assert.ok(existsSync(join(cwd, "runs", d, "graph.png")), d);
    assert.equal(statSync(join(cwd, "runs", d)).mode & 0o777, 0o755, `${d} mode`);
  }
});

test("SIGTERM stops training like Ctrl-C: the worker stops after its step and the partial report is written (exit 143)", async () => {
  const cwd = workdir();
  let sent = false;
  const r = await tensorgradLive(["run", "line-fit", "--steps", "1000000", "--out", "out"], cwd, (out, child) => {
    if (!sent && /^line-fit: step \d+/m.test(out)) {
      sent = true;
      child.kill("SIGTERM");
    }
  });
  assert.equal(r.status, 143, r.stderr);
  assert.match(r.stdout, /Stopped early: \d+ of 1000000 steps done/);
  const m = JSON.parse(readFileSync(join(cwd, "out", "metrics.json"), "utf8"));
  assert.equal(m.status.completed, false);
});

test("Ctrl-C while the report is written: the report is finished (exit 130); twice: nothing, and no temporary folder, is left", async () => {
  // the summary is printed just before the report is written; the PNGs then take a moment
  const once = workdir();
  let sent = 0;
  const r1 = await tensorgradLive(["run", "line-fit", "--out", "out"], once, (out, child) => {
    if (!sent && /least squares:/.test(out)) {
      sent = 1;
      child.kill("SIGINT");
    }
  });
  assert.equal(r1.status, 130, r1.stderr);
  assert.match(r1.stdout, /Wrote \d+ files/);
  assert.ok(existsSync(join(once, "out", "report.md")));
  assert.deepEqual(readdirSync(once).filter((f) => f.startsWith(".")), []);

  const twice = workdir();
  sent = 0;
  // the second signal goes once the first has been heard (signals sent together may merge)
  const r2 = await tensorgradLive(["run", "line-fit", "--out", "out"], twice, (out, child) => {
    if (!sent && /least squares:/.test(out)) {
      sent = 1;
      child.kill("SIGINT");
    }
  }, undefined, (err, child) => {
    if (sent === 1 && /Finishing the report/.test(err)) {
      sent = 2;
      child.kill("SIGINT");
    }
  });
  assert.equal(r2.status, 130, r2.stderr);
  assert.match(r2.stderr, /interrupted: nothing was written/);
  assert.deepEqual(readdirSync(twice), [], "no report and no hidden temporary folder");
});

test("a diverging run warns on stderr and its report says so", () => {
  const cwd = workdir();
  const r = tensorgrad(["run", "line-fit", "--lr", "0.5", "--out", "out"], cwd);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /warning: diverged: .*lr 0\.5 is too large/);
  assert.doesNotMatch(r.stdout, /e\+4\d%|\d{15,}/);
  assert.match(readFileSync(join(cwd, "out", "report.md"), "utf8"), /diverged/);
  const tiny = tensorgrad(["run", "line-fit", "--lr", "1e308", "--steps", "3", "--out", "big"], cwd);
  assert.equal(tiny.status, 0, tiny.stderr);
  assert.ok(existsSync(join(cwd, "big", "figures", "loss-surface.png")));
});
