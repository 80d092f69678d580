// `tensorgrad run`: checks the output folder, trains in a worker with progress, prints the
// summary, and writes the report atomically.

import { mkdirSync, rmdirSync } from "node:fs";
import { join, relative, isAbsolute } from "node:path";
import { fontsAvailable } from "tensorgrad/plot";
import { elideLines } from "tensorgrad/report";
import { checkOutputDir, OutputError, writeReport } from "tensorgrad/report/node";
import { experimentInfo, type ExperimentInfo, type ExperimentName } from "./catalog.js";
import type { RunOptions } from "./protocol.js";
import { ExperimentError, runExperiment, signalExitCode, STOP_SIGNALS, type StopSignal } from "./runner.js";

function timestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/**
 * Reserves runs/<name>-<timestamp> (with -2, -3, … appended when taken) by creating it empty:
 * mkdir either makes the folder or fails, so two runs started in the same second get
 * different folders. The caller removes it again if no report gets written.
 */
export function reserveDefaultOutDir(name: string, root = "runs"): string {
  mkdirSync(root, { recursive: true });
  const base = join(root, `${name}-${timestamp()}`);
  for (let k = 1; ; k++) {
    const dir = k === 1 ? base : `${base}-${k}`;
    try {
      mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
}

export function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not empty or already gone: leave it
  }
}

/** A path as the user would type it: relative to the working folder when inside it. */
export function displayPath(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : p;
}

/** Returns the exit code: 0, 1 on an error, 130 after Ctrl-C, 143 after SIGTERM, 129 after SIGHUP (the partial report is written). */
export async function runCommand(name: ExperimentName, options: RunOptions, out: string | undefined): Promise<number> {
  const e = experimentInfo(name);
  if (!(await fontsAvailable())) {
    process.stderr.write(
      "tensorgrad run: no font found for the PNG figures (their text would be missing); install DejaVu Sans " +
        "(Debian/Ubuntu: apt-get install fonts-dejavu-core) and run again\n",
    );
    return 1;
  }
  let outDir: string;
  try {
    outDir = out ?? reserveDefaultOutDir(e.name);
  } catch (err) {
    process.stderr.write(`tensorgrad run: cannot create the output folder: ${(err as Error).message}\n`);
    return 1;
  }
  // a reserved folder that gets no report (an error, a second Ctrl-C) is removed at exit
  if (out === undefined) process.once("exit", () => removeIfEmpty(outDir));
  return runInto(e, name, options, outDir);
}

async function runInto(e: ExperimentInfo, name: ExperimentName, options: RunOptions, outDir: string): Promise<number> {
  try {
    await checkOutputDir(outDir);
  } catch (err) {
    if (!(err instanceof OutputError)) throw err;
    process.stderr.write(`tensorgrad run: ${err.message}\n`);
    return 1;
  }
  // Ctrl-C while the report is written: the first finishes the report (as documented, exit
  // 130), a second abandons it and removes the temporary folder. The listeners are installed
  // before training and stay until the end: a signal that found no listener (between the
  // runner's and these) would kill the process outright, leaving neither report nor code 130.
  // While training they do nothing; the runner's own listeners handle the signals.
  const abort = new AbortController();
  let writing = false;
  let presses = 0;
  let signal: StopSignal | undefined;
  const onSignal = (sig: StopSignal) => {
    if (!writing) return;
    signal ??= sig;
    if (++presses === 1) process.stderr.write("\nFinishing the report (Ctrl-C again to quit without it)…\n");
    else abort.abort();
  };
  const handlers = STOP_SIGNALS.map((sig) => [sig, () => onSignal(sig)] as const);
  for (const [sig, h] of handlers) process.on(sig, h);
  try {
    let outcome;
    try {
      outcome = await runExperiment(name, options, { label: e.name, accuracy: e.accuracy, stoppable: e.stoppable });
    } catch (err) {
      if (!(err instanceof ExperimentError)) throw err;
      process.stderr.write(`tensorgrad run ${e.name}: ${err.message}\n`);
      return 1;
    }
    writing = true;
    const { report } = outcome;
    signal = outcome.signal ?? (outcome.interrupted ? "SIGINT" : undefined);
    process.stdout.write(`${elideLines(report.summary.trimEnd())}\n\n`);
    const st = report.status;
    if (st.stopReason) process.stderr.write(`tensorgrad run ${e.name}: warning: ${st.stopReason}\n`);
    else if (!st.completed) process.stdout.write(`Stopped early: ${st.stepsRun} of ${st.stepsRequested} steps done.\n`);
    if (st.notRun?.length) process.stdout.write(`Not run: ${st.notRun.join("; ")}.\n`);
    try {
      const written = await writeReport(report, outDir, { signal: abort.signal });
      process.stdout.write(`Wrote ${written.files.length} files to ${displayPath(written.dir)}\n`);
      process.stdout.write(`Report: ${displayPath(written.reportPath)}\n`);
    } catch (err) {
      if (!(err instanceof OutputError)) throw err;
      process.stderr.write(`tensorgrad run: ${err.message}\n`);
      return err.aborted && signal ? signalExitCode(signal) : 1;
    }
    return signal ? signalExitCode(signal) : 0;
  } finally {
    for (const [sig, h] of handlers) process.off(sig, h);
  }
}
