// `npm run bench [-- --quick] [--only matmul,mlp,overhead,splat] [--impls tensorgrad,tfjs-wasm,…] [--rounds N] [--out DIR]`
// Runs every workload on tensorgrad and the peers (each implementation in its own process),
// prints Markdown tables and writes bench/results/latest.md and latest.json.

import { fork } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FULL_TIMING, QUICK_TIMING, median } from "./harness.js";
import { runPython } from "./peers/python.js";
import { fmtValue, machineInfo, toMarkdown, workloadInfo, type BenchReport } from "./report.js";
import { PYTHON_PEERS, selectVariants } from "./variants.js";
import { selectWorkloads } from "./workloads/index.js";
import type { CellResult, ChildJob, ChildMessage, Variant, VariantResult, Workload } from "./types.js";

const RESULTS = fileURLToPath(new URL("./results/", import.meta.url));

interface Args {
  quick: boolean;
  rounds: number;
  out: string;
  only?: string[];
  impls?: string[];
  /** Run the char-lm iteration section (bench/workloads/char-lm.ts). */
  charLm?: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, rounds: 1, out: RESULTS };
  const list = (s: string | undefined, flag: string): string[] => {
    if (!s) throw new Error(`${flag} needs a comma-separated list`);
    return s.split(",").map((x) => x.trim()).filter(Boolean);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    if (flag === "--quick") args.quick = true;
    else if (flag === "--only") args.only = list(inline ?? argv[++i], flag);
    else if (flag === "--impls") args.impls = list(inline ?? argv[++i], flag);
    else if (flag === "--out") {
      const dir = inline ?? argv[++i];
      if (!dir) throw new Error("--out needs a directory");
      args.out = path.resolve(dir) + path.sep;
    } else if (flag === "--rounds") {
      args.rounds = Number(inline ?? argv[++i]);
      if (!Number.isInteger(args.rounds) || args.rounds < 1) throw new Error("--rounds needs a positive integer");
    }
    else if (flag === "--help" || flag === "-h") {
      console.log(
        "usage: npm run bench -- [--quick] [--only matmul,mlp,overhead,splat|<workload id>] [--impls <id or family>,…] [--rounds N] [--out DIR]\n" +
          "  --rounds N repeats the whole sweep N times and reports each cell's median over the rounds (steadier on a busy machine)\n" +
          "  --out DIR writes latest.md and latest.json there instead of bench/results/",
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

const CHILD = fileURLToPath(new URL("./child.ts", import.meta.url));

function progress(variant: Variant, c: CellResult, workloads: Map<string, Workload>): void {
  const w = workloads.get(c.workload);
  const what = c.value !== undefined ? `${fmtValue(c.value)} ${w?.unit ?? ""}` : c.skipped ?? `error: ${c.error ?? "?"}`;
  console.error(`  ${variant.id.padEnd(18)} ${c.workload.padEnd(16)} ${what}${c.note ? `  (${c.note})` : ""}`);
}

/** Per variant and cell, the median over rounds of the per-round medians. */
function mergeRounds(rounds: VariantResult[][], byId: Map<string, Workload>): VariantResult[] {
  if (rounds.length === 1) return rounds[0];
  return rounds[0].map((first, i) => {
    const all = rounds.map((r) => r[i]);
    const merged: VariantResult = { ...first, cells: [] };
    const loadError = all.find((r) => r.loadError)?.loadError;
    if (loadError && all.every((r) => r.loadError)) merged.loadError = loadError;
    else delete merged.loadError;
    merged.details = all.find((r) => r.details)?.details;
    for (const c of all.find((r) => r.cells.length)?.cells ?? []) {
      const same = all.map((r) => r.cells.find((x) => x.workload === c.workload)).filter((x): x is CellResult => Boolean(x));
      const timed = same.filter((x) => x.seconds !== undefined);
      const w = byId.get(c.workload);
      if (!timed.length || !w) {
        merged.cells.push(c);
        continue;
      }
      const perRound = timed.map((x) => x.seconds as number);
      const seconds = median(perRound);
      const notes = [...new Set(timed.flatMap((x) => (x.note ? x.note.split("; ") : [])))];
      notes.push(`median of ${timed.length} rounds`);
      merged.cells.push({
        ...timed[0],
        seconds,
        value: w.fromSeconds(seconds),
        samples: perRound,
        callsPerSample: undefined,
        final: timed[timed.length - 1].final,
        note: notes.join("; "),
      });
    }
    return merged;
  });
}

/** Runs one Node implementation in a child process. */
function runChild(variant: Variant, workloads: Workload[], quick: boolean, byId: Map<string, Workload>): Promise<VariantResult> {
  const result: VariantResult = { variant, cells: [] };
  const job: ChildJob = { variant, workloads: workloads.map((w) => w.id), quick };
  const child = fork(CHILD, [JSON.stringify(job)], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  let log = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (log += d));
  child.stderr?.setEncoding("utf8").on("data", (d: string) => (log += d));
  const limitMs = (quick ? 5 : 20) * 60_000;
  const timer = setTimeout(() => {
    result.loadError ??= `timed out after ${limitMs / 60_000} min`;
    child.kill("SIGKILL");
  }, limitMs);
  child.on("message", (raw) => {
    const msg = raw as ChildMessage;
    if (msg.type === "loaded") {
      result.details = msg.details;
      console.error(`  ${variant.id.padEnd(18)} loaded: ${msg.details}`);
    } else if (msg.type === "loadError") result.loadError = msg.error;
    else if (msg.type === "cell") {
      result.cells.push(msg.cell);
      progress(variant, msg.cell, byId);
    }
  });
  return new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 && !result.loadError) {
        result.loadError = `child process exited with ${code ?? signal}`;
      }
      if (result.loadError) {
        console.error(`  ${variant.id.padEnd(18)} did not load: ${result.loadError}`);
        const tail = log.trim().split("\n").slice(-6).join("\n    ");
        if (tail && result.cells.length === 0) console.error(`    ${tail}`);
      }
      resolve(result);
    });
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  // ---- char-lm: its own section (tensorgrad, the bare GEMMs and PyTorch on one model) ----
  if (args.only?.includes("char-lm")) {
    args.only = args.only.filter((o) => o !== "char-lm");
    args.charLm = true;
    if (args.only.length === 0) {
      const { charLmBench } = await import("./workloads/char-lm.js");
      const md = await charLmBench();
      mkdirSync(args.out, { recursive: true });
      writeFileSync(args.out + "char-lm.md", md + "\n");
      console.log(md);
      console.error(`wrote ${args.out}char-lm.md`);
      return;
    }
  }
  const timing = args.quick ? QUICK_TIMING : FULL_TIMING;
  const workloads = selectWorkloads(args.only, args.quick);
  const variants = selectVariants(args.impls, args.quick);
  const byId = new Map(workloads.map((w) => [w.id, w]));
  const started = performance.now();
  const loadAverageStart = os.loadavg();
  console.error(`tensorgrad bench (${args.quick ? "quick" : "full"}): ${workloads.length} workloads × ${variants.length} implementations`);

  const rounds: VariantResult[][] = [];
  for (let round = 1; round <= args.rounds; round++) {
    if (args.rounds > 1) console.error(`round ${round} of ${args.rounds}`);
    const results: VariantResult[] = [];
    for (const variant of variants) {
      console.error(`${variant.label}`);
      const python = PYTHON_PEERS[variant.id];
      if (python) {
        results.push(await runPython(variant, python, workloads, timing, (c) => progress(variant, c, byId)));
        const last = results[results.length - 1];
        if (last.loadError) console.error(`  ${variant.id.padEnd(18)} ${last.loadError}`);
      } else {
        results.push(await runChild(variant, workloads, args.quick, byId));
      }
    }
    rounds.push(results);
  }
  const results = mergeRounds(rounds, byId);

  const report: BenchReport = {
    meta: {
      date: new Date().toISOString(),
      machine: machineInfo(),
      mode: args.quick ? "quick" : "full",
      timing,
      args: argv,
      rounds: args.rounds,
      loadAverageStart,
      loadAverageEnd: os.loadavg(),
      durationSeconds: (performance.now() - started) / 1000,
      tensorgradBackends: variants.filter((v) => v.family === "tensorgrad").map((v) => v.id.slice("tensorgrad:".length)),
    },
    workloads: workloads.map(workloadInfo),
    variants: results,
  };
  let md = toMarkdown(report);
  if (args.charLm) md += "\n\n" + (await (await import("./workloads/char-lm.js")).charLmBench());
  mkdirSync(args.out, { recursive: true });
  writeFileSync(args.out + "latest.md", md + "\n");
  writeFileSync(args.out + "latest.json", JSON.stringify(report, null, 2) + "\n");
  console.log(md);
  console.error(`wrote ${args.out}latest.md and latest.json`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
