// `tensorgrad run`: checks the output folder, trains in a worker with progress, prints the
// summary, and writes the report atomically.

import { existsSync } from "node:fs";
import { join, relative, isAbsolute } from "node:path";
import { elideLines } from "tensorgrad/report";
import { checkOutputDir, OutputError, writeReport } from "tensorgrad/report/node";
import { experimentInfo, type ExperimentName } from "./catalog.js";
import type { RunOptions } from "./protocol.js";
import { ExperimentError, runExperiment } from "./runner.js";

function timestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** runs/<name>-<timestamp>, with -2, -3, … appended if that folder exists already. */
export function defaultOutDir(name: string): string {
  const base = join("runs", `${name}-${timestamp()}`);
  let dir = base;
  for (let k = 2; existsSync(dir); k++) dir = `${base}-${k}`;
  return dir;
}

/** A path as the user would type it: relative to the working folder when inside it. */
export function displayPath(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : p;
}

/** Returns the exit code: 0, 1 on an error, 130 after Ctrl-C (the partial report is written). */
export async function runCommand(name: ExperimentName, options: RunOptions, out: string | undefined): Promise<number> {
  const e = experimentInfo(name);
  const outDir = out ?? defaultOutDir(e.name);
  try {
    await checkOutputDir(outDir);
  } catch (err) {
    if (!(err instanceof OutputError)) throw err;
    process.stderr.write(`tensorgrad run: ${err.message}\n`);
    return 1;
  }
  let outcome;
  try {
    outcome = await runExperiment(name, options, { label: e.name, accuracy: e.accuracy, stoppable: e.stoppable });
  } catch (err) {
    if (!(err instanceof ExperimentError)) throw err;
    process.stderr.write(`tensorgrad run ${e.name}: ${err.message}\n`);
    return 1;
  }
  const { report, interrupted } = outcome;
  process.stdout.write(`${elideLines(report.summary.trimEnd())}\n\n`);
  if (!report.status.completed) process.stdout.write(`Stopped early: ${report.status.stepsRun} of ${report.status.stepsRequested} steps done.\n`);
  try {
    const written = await writeReport(report, outDir);
    process.stdout.write(`Wrote ${written.files.length} files to ${displayPath(written.dir)}\n`);
    process.stdout.write(`Report: ${displayPath(written.reportPath)}\n`);
  } catch (err) {
    if (!(err instanceof OutputError)) throw err;
    process.stderr.write(`tensorgrad run: ${err.message}\n`);
    return 1;
  }
  return interrupted ? 130 : 0;
}
