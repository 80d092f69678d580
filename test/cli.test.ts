// The `tensorgrad` command as a user runs it: the built bin (package.json "bin") spawned in a
// scratch folder. Checks exit codes and output, that every promised file exists and is what it
// claims (PNG signature and size, well-formed SVG, CSV and JSON that parse, report.md links
// that resolve), that bad input is refused with a message naming the flag and value and with
// nothing written, and that Ctrl-C still writes the steps done so far.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { BIN, cliScratch, pkg, root, tensorgrad, type Result } from "./cli-helpers.js";
import { parseSvg } from "./golden/svg-tools.js";

/** A fresh empty working folder. */
const workdir = cliScratch("tensorgrad-cli-");

/** `tensorgrad args` without blocking, so independent runs overlap. */
function tensorgradAsync(args: string[], cwd: string): Promise<Result> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, timeout: 120_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolveRun({ status, stdout, stderr }));
  });
}

function pngSize(path: string): { width: number; height: number } {
  const b = readFileSync(path);
  assert.deepEqual([...b.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${path}: PNG signature`);
  assert.equal(b.subarray(12, 16).toString("latin1"), "IHDR", `${path}: IHDR chunk first`);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

function checkSvg(path: string): void {
  const els = parseSvg(readFileSync(path, "utf8"));
  assert.equal(els[0].tag, "svg");
  assert.ok(Number(els[0].attrs.width) > 100 && Number(els[0].attrs.height) > 100, `${path}: size ${els[0].attrs.width}×${els[0].attrs.height}`);
}

/** Parses CSV without quoted fields (the reports quote none of their numeric tables). */
function readCSV(path: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(path, "utf8").trimEnd().split("\n");
  return { header: lines[0].split(","), rows: lines.slice(1).map((l) => l.split(",")) };
}

/** Every promised file of a run folder exists and is well-formed; returns metrics.json. */
function checkRunFolder(dir: string, figures: string[]): { status: { completed: boolean; stepsRun: number; stepsRequested: number; notRun?: string[] }; tables: Record<string, unknown[]> } {
  for (const f of ["report.md", "metrics.json", "metrics.csv"]) assert.ok(existsSync(join(dir, f)), `${f} missing in ${dir}`);
  for (const name of figures) {
    checkSvg(join(dir, "figures", `${name}.svg`));
    const { width, height } = pngSize(join(dir, "figures", `${name}.png`));
    assert.ok(width >= 400 && width <= 6000 && height >= 200 && height <= 4000, `${name}.png is ${width}×${height}`);
  }
  const md = readFileSync(join(dir, "report.md"), "utf8");
  const links = [...md.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]);
  assert.ok(links.length >= 2 * figures.length, "report.md links every figure");
  for (const l of links) assert.ok(existsSync(resolve(dir, l)), `report.md links to ${l}, which does not exist`);
  for (const name of figures) assert.ok(md.includes(`![`) && md.includes(`(figures/${name}.png)`), `report.md embeds ${name}.png`);
  // no temporary folder is left beside the run folder
  assert.deepEqual(readdirSync(dirname(dir)).filter((f) => f.includes(".tmp-")), []);
  return JSON.parse(readFileSync(join(dir, "metrics.json"), "utf8"));
}

test("--version prints the package version, --help names the commands", () => {
  const cwd = workdir();
  const v = tensorgrad(["--version"], cwd);
  assert.equal(v.status, 0);
  assert.equal(v.stdout.trim(), pkg.version);
  const h = tensorgrad(["--help"], cwd);
  assert.equal(h.status, 0);
  for (const c of ["list", "run", "gradcheck", "graph"]) assert.match(h.stdout, new RegExp(`^\\s+${c}\\b`, "m"));
  const rh = tensorgrad(["run", "--help"], cwd);
  for (const f of ["--steps", "--lr", "--seed", "--optimizer", "--out"]) assert.ok(rh.stdout.includes(f), f);
});

test("list shows the six experiments with descriptions", () => {
  const r = tensorgrad(["list"], workdir());
  assert.equal(r.status, 0);
  for (const name of ["line-fit", "neuron", "quadrant", "optimizer-race", "digits", "depth"]) {
    assert.match(r.stdout, new RegExp(`^${name}\\s+\\S.{10,}$`, "m"), name);
  }
});

test("run line-fit prints the iteration table and writes the full report", () => {
  const cwd = workdir();
  const r = tensorgrad(["run", "line-fit", "--steps", "20", "--out", "out"], cwd);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /iter \|\s+w \|\s+b \|\s+loss/);
  assert.match(r.stdout, /line-fit: step 20\/20/, "plain progress lines when stdout is not a terminal");
  assert.match(r.stdout, /^Report: out\/report\.md$/m);
  const m = checkRunFolder(join(cwd, "out"), ["data", "loss-surface", "contours", "snapshots", "loss"]);
  assert.deepEqual(m.status, { completed: true, stepsRun: 20, stepsRequested: 20 });

  // Row 0 is the starting point w = 0.5, b = 3; its loss, recomputed here from the data file.
  const data = JSON.parse(readFileSync(join(root, "data/line-fit-20.json"), "utf8")) as { x: number[]; y: number[] };
  const mse0 = data.x.reduce((s, x, i) => s + (0.5 * x + 3 - data.y[i]) ** 2, 0) / data.x.length;
  const csv = readCSV(join(cwd, "out", "metrics.csv"));
  assert.deepEqual(csv.header, ["iteration", "w", "b", "loss", "dL_dw", "dL_db"]);
  assert.equal(csv.rows.length, 21);
  assert.ok(Math.abs(Number(csv.rows[0][3]) - mse0) < 1e-12, `loss at row 0: ${csv.rows[0][3]} vs ${mse0}`);
  assert.ok(Number(csv.rows[20][3]) < mse0 / 5, "the loss falls");
});

test("every other experiment runs with small settings and writes its figures", async () => {
  const cases: Array<[string[], string[]]> = [
    [["neuron"], ["graph", "batch-gradients"]],
    [["quadrant", "--steps", "40", "--optimizer", "adam", "--seed", "3"], ["decision-regions", "training-curves"]],
    [["optimizer-race", "--steps", "20"], ["bowl-paths", "bowl-loss", "mlp-curves"]],
    [["digits", "--steps", "1"], ["training-curves", "samples", "confusion"]],
    [["depth", "--seed", "1"], ["input-gradients", "weight-gradients"]],
  ];
  const dirs = cases.map(() => workdir());
  const results = await Promise.all(cases.map(([args], k) => tensorgradAsync(["run", ...args, "--out", "out"], dirs[k])));
  cases.forEach(([args, figures], k) => {
    const r = results[k];
    assert.equal(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stdout, /^Report: out\/report\.md$/m);
    checkRunFolder(join(dirs[k], "out"), figures);
  });
});

test("without --out a run goes to runs/<experiment>-<timestamp>/", () => {
  const cwd = workdir();
  const r = tensorgrad(["run", "neuron"], cwd);
  assert.equal(r.status, 0, r.stderr);
  const dirs = readdirSync(join(cwd, "runs"));
  assert.equal(dirs.length, 1);
  assert.match(dirs[0], /^neuron-\d{8}-\d{6}$/);
  assert.ok(r.stdout.includes(`Report: runs/${dirs[0]}/report.md`));
});

test("gradcheck agrees with finite differences and exits 0", async () => {
  const names = ["line-fit", "neuron", "quadrant", "optimizer-race", "depth"];
  const results = await Promise.all(names.map((name) => tensorgradAsync(["gradcheck", name], workdir())));
  names.forEach((name, k) => {
    const r = results[k];
    assert.equal(r.status, 0, `${name}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /reverse abs err/);
    assert.match(r.stdout, /^passed: all \d+ inputs agree/m);
  });
});

test("graph writes DOT, SVG, PNG and JSON of ŷ = w·x + b, L = (ŷ − y)² with the right gradients", () => {
  const cwd = workdir();
  const r = tensorgrad(["graph", "--out", "g"], cwd);
  assert.equal(r.status, 0, r.stderr);
  const dir = join(cwd, "g");
  assert.match(readFileSync(join(dir, "graph.dot"), "utf8"), /^digraph G \{/);
  checkSvg(join(dir, "graph.svg"));
  pngSize(join(dir, "graph.png"));
  // At w = 0.5, x = 2, b = 3, y = 5: ŷ = 4, L = (ŷ − y)² = 1, ∂L/∂w = 2(ŷ − y)·x = −4, ∂L/∂b = 2(ŷ − y) = −2.
  const g = JSON.parse(readFileSync(join(dir, "graph.json"), "utf8")) as { nodes: Array<{ label: string; value?: number; grad?: number }> };
  const node = (label: string) => g.nodes.find((n) => n.label === label)!;
  assert.equal(node("ŷ").value, 4);
  assert.equal(node("L").value, 1);
  assert.equal(node("w").grad, -4);
  assert.equal(node("b").grad, -2);
});

test("bad input: a clear message naming the flag and value, a non-zero exit, nothing written", async () => {
  const cases: Array<[string[], RegExp[]]> = [
    [["run", "nope"], [/nope/, /line-fit/]],
    [["run", "line-fit", "--steps", "abc"], [/--steps/, /abc/]],
    [["run", "line-fit", "--steps", "0"], [/--steps/, /'0'/]],
    [["run", "line-fit", "--steps", "2.5"], [/--steps/, /2\.5/]],
    [["run", "line-fit", "--lr", "-1"], [/--lr/, /-1/]],
    [["run", "line-fit", "--lr", "fast"], [/--lr/, /fast/]],
    [["run", "quadrant", "--seed", "-3"], [/--seed/, /-3/]],
    [["run", "quadrant", "--optimizer", "rmsprop"], [/--optimizer/, /rmsprop/]],
    [["run", "line-fit", "--optimizer", "adam"], [/--optimizer adam/, /line-fit/]],
    [["run", "line-fit", "--bogus"], [/unknown option/, /--bogus/]],
    [["run"], [/experiment/]],
    [["frobnicate"], [/unknown command/, /frobnicate/]],
  ];
  const dirs = cases.map(() => workdir());
  const results = await Promise.all(cases.map(([args], k) => tensorgradAsync([...args, "--out", "out"], dirs[k])));
  cases.forEach(([args, patterns], k) => {
    const r = results[k];
    assert.notEqual(r.status, 0, args.join(" "));
    for (const p of patterns) assert.match(r.stderr, p, `${args.join(" ")}: ${r.stderr}`);
    assert.deepEqual(readdirSync(dirs[k]), [], `${args.join(" ")} wrote ${readdirSync(dirs[k]).join(", ")}`);
  });
});

test("an unwritable --out is refused before training and leaves nothing behind", () => {
  const cwd = workdir();
  writeFileSync(join(cwd, "notes.txt"), "a regular file\n");
  const r = tensorgrad(["run", "line-fit", "--steps", "5", "--out", "notes.txt/run"], cwd);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /notes\.txt/);
  assert.match(r.stderr, /is a file/);
  assert.doesNotMatch(r.stdout, /iter \|/, "nothing was trained");
  assert.deepEqual(readdirSync(cwd), ["notes.txt"]);

  mkdirSync(join(cwd, "full"));
  writeFileSync(join(cwd, "full", "keep.txt"), "x");
  const g = tensorgrad(["graph", "--out", "full"], cwd);
  assert.equal(g.status, 1);
  assert.match(g.stderr, /not empty/);
  assert.deepEqual(readdirSync(join(cwd, "full")), ["keep.txt"]);
});

/**
 * Runs `tensorgrad run <args> --out out`, sends SIGINT `delay` ms after the first progress line
 * of `name` on stdout, and returns what the command printed and its exit code.
 */
async function interruptRun(name: string, args: string[], delay: number): Promise<Result & { cwd: string }> {
  const cwd = workdir();
  const child = spawn(process.execPath, [BIN, "run", name, ...args, "--out", "out"], { cwd, timeout: 120_000 });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const status = await new Promise<number | null>((resolveExit) => {
    let sent = false;
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (!sent && new RegExp(`^${name}: step \\d+`, "m").test(stdout)) {
        sent = true;
        setTimeout(() => child.kill("SIGINT"), delay);
      }
    });
    child.on("exit", (c) => resolveExit(c));
  });
  return { status, stdout, stderr, cwd };
}

test("Ctrl-C stops training and still writes the steps done so far", async () => {
  const r = await interruptRun("line-fit", ["--steps", "1000000"], 300);
  assert.equal(r.status, 130, r.stderr);
  assert.match(r.stderr, /Stopping after the current step/);
  assert.match(r.stdout, /Stopped early: \d+ of 1000000 steps done/);
  const m = checkRunFolder(join(r.cwd, "out"), ["data", "loss-surface", "contours", "snapshots", "loss"]);
  assert.equal(m.status.completed, false);
  assert.ok(m.status.stepsRun > 0 && m.status.stepsRun < 1_000_000);
  assert.equal(readCSV(join(r.cwd, "out", "metrics.csv")).rows.length, m.status.stepsRun + 1);
  assert.match(readFileSync(join(r.cwd, "out", "report.md"), "utf8"), /Stopped early/);
});

test("Ctrl-C stops quadrant, the optimizer race and digits midway with a partial report", async () => {
  const [quadrant, race, digits] = await Promise.all([
    interruptRun("quadrant", ["--steps", "100000"], 0),
    interruptRun("optimizer-race", ["--steps", "100000"], 0),
    interruptRun("digits", ["--steps", "1000"], 0),
  ]);
  for (const [name, r] of [["quadrant", quadrant], ["optimizer-race", race], ["digits", digits]] as const) {
    assert.equal(r.status, 130, `${name}: ${r.stderr}`);
    assert.match(r.stderr, /Stopping after the current step/, name);
    assert.match(r.stdout, /Stopped early: \d+ of \d+ steps done/, name);
    assert.match(readFileSync(join(r.cwd, "out", "report.md"), "utf8"), /Stopped early/, name);
  }

  const q = checkRunFolder(join(quadrant.cwd, "out"), ["decision-regions", "training-curves"]);
  assert.equal(q.status.completed, false);
  assert.equal(q.status.stepsRequested, 100_000);
  assert.ok(q.status.stepsRun > 0 && q.status.stepsRun < 100_000, `quadrant ran ${q.status.stepsRun} steps`);
  assert.equal(readCSV(join(quadrant.cwd, "out", "metrics.csv")).rows.length, q.status.stepsRun);
  assert.match(quadrant.stdout, new RegExp(`${q.status.stepsRun} of 100000 steps \\(stopped early\\)`));

  // four optimizers, 100000 steps on the bowl and as many on the MLP; stopped on the bowl, so
  // the MLP race did not run and has no figure
  const o = checkRunFolder(join(race.cwd, "out"), ["bowl-paths", "bowl-loss"]);
  assert.match(o.status.notRun?.[0] ?? "", /MLP/);
  assert.equal(o.status.completed, false);
  assert.equal(o.status.stepsRequested, 800_000);
  assert.ok(o.status.stepsRun > 0 && o.status.stepsRun < 800_000 && o.status.stepsRun % 4 === 0, `race ran ${o.status.stepsRun} steps`);
  const bowl = readCSV(join(race.cwd, "out", "metrics.csv")).rows;
  for (const kind of ["sgd", "momentum", "adam", "adamw"]) assert.equal(bowl.filter((row) => row[0] === kind).length, bowl.length / 4, kind);

  const d = checkRunFolder(join(digits.cwd, "out"), ["training-curves", "samples", "confusion"]);
  assert.equal(d.status.completed, false);
  assert.ok(d.status.stepsRun > 0 && d.status.stepsRun < d.status.stepsRequested, `digits ran ${d.status.stepsRun} of ${d.status.stepsRequested} steps`);
  assert.ok(d.tables.metrics.length >= 1 && d.tables.metrics.length < 1000);
});
