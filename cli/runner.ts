// Runs an experiment in a worker thread with a progress display; the first Ctrl-C asks the
// experiment to stop after the current step (it then reports what it computed), a second one
// quits at once.

import { Worker } from "node:worker_threads";
import type { Report } from "tensorgrad/report";
import { progressView, waitingView, type ProgressView } from "./progress.js";
import type { ExperimentName } from "./catalog.js";
import type { RunOptions, WorkerInput, WorkerMessage } from "./protocol.js";

export interface RunOutcome {
  report: Report;
  /** The user pressed Ctrl-C (or the process got SIGTERM or SIGHUP). */
  interrupted: boolean;
  /** The signal that stopped the run, when one did. */
  signal?: StopSignal;
}

/** Signals that stop a run the way Ctrl-C does: the experiment stops after the current step. */
export const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** The conventional exit status after a signal: 128 + its number (130, 143, 129). */
export function signalExitCode(signal: StopSignal): number {
  return { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 }[signal];
}

/** Raised when the experiment itself failed; the message is the experiment's. */
export class ExperimentError extends Error {
  override name = "ExperimentError";
}

// The worker is a sibling module; under tsx (development) it is the .ts source.
function workerURL(): URL {
  return new URL(import.meta.url.endsWith(".ts") ? "./worker.ts" : "./worker.js", import.meta.url);
}

export interface RunDisplay {
  label: string;
  /** Show an accuracy column. */
  accuracy: boolean;
  /** The experiment reports steps and honours a stop request. */
  stoppable: boolean;
}

export function runExperiment(experiment: ExperimentName, options: RunOptions, display: RunDisplay): Promise<RunOutcome> {
  const stopFlag = new SharedArrayBuffer(4);
  const stop = new Int32Array(stopFlag);
  const input: WorkerInput = { experiment, options, stopFlag };
  const worker = new Worker(workerURL(), { workerData: input });
  let view: ProgressView | undefined = display.stoppable ? undefined : waitingView(display.label);
  let interrupted = false;
  let stopSignal: StopSignal | undefined;

  // The worker is a thread of this process: a signal reaches it through the stop flag, which it
  // reads after every step. A second signal quits at once.
  const onSignal = (signal: StopSignal) => {
    if (interrupted) {
      view?.stop();
      process.stderr.write(`\nInterrupted again (${signal}): quitting without writing the report.\n`);
      process.exit(signalExitCode(signal));
    }
    interrupted = true;
    stopSignal = signal;
    Atomics.store(stop, 0, 1);
    view?.stop();
    view = undefined;
    process.stderr.write(
      display.stoppable
        ? "\nStopping after the current step and writing what was computed (Ctrl-C again to quit at once)…\n"
        : `\n${display.label} cannot stop midway: it finishes, then writes its report (Ctrl-C again to quit without writing)…\n`,
    );
  };
  const handlers = STOP_SIGNALS.map((sig) => [sig, () => onSignal(sig)] as const);
  for (const [sig, h] of handlers) process.on(sig, h);

  return new Promise<RunOutcome>((resolve, reject) => {
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      view?.stop();
      for (const [sig, h] of handlers) process.off(sig, h);
      f();
    };
    worker.on("message", (m: WorkerMessage) => {
      switch (m.type) {
        case "progress":
          if (interrupted) return;
          view ??= progressView(display.label, m.progress.total, { accuracy: display.accuracy });
          view.update(m.progress);
          return;
        case "done":
          finish(() => resolve({ report: m.report, interrupted, ...(stopSignal ? { signal: stopSignal } : {}) }));
          void worker.terminate();
          return;
        case "error":
          finish(() => reject(new ExperimentError(m.message)));
          void worker.terminate();
          return;
      }
    });
    worker.on("error", (e) => finish(() => reject(new ExperimentError(e.message))));
    worker.on("exit", (code) => finish(() => reject(new ExperimentError(`the training worker stopped unexpectedly (exit code ${code})`))));
  });
}
