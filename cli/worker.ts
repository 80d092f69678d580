// The training worker: runs one experiment off the main thread, so the main thread stays free
// to draw the progress bar and to hear Ctrl-C, and sends back the finished report.

import { parentPort, workerData } from "node:worker_threads";
import { EXPERIMENTS } from "./experiments.js";
import type { Progress, WorkerInput, WorkerMessage } from "./protocol.js";

const input = workerData as WorkerInput;
const stop = new Int32Array(input.stopFlag);
const send = (m: WorkerMessage) => parentPort!.postMessage(m);

// At most ~30 progress messages a second; the last step always goes out. The rate is measured
// from the first reported step, so loading data does not count.
let lastSent = 0;
let first: { step: number; time: number } | undefined;
function onStep(p: Progress): void {
  const now = performance.now();
  first ??= { step: p.step, time: now };
  if (p.step < p.total && now - lastSent < 33) return;
  lastSent = now;
  const seconds = (now - first.time) / 1000;
  const rate = seconds > 0 ? (p.step - first.step) / seconds : undefined;
  send({ type: "progress", progress: { ...p, rate } });
}

try {
  const experiment = EXPERIMENTS[input.experiment];
  const report = await experiment.run(input.options, { onStep, shouldStop: () => Atomics.load(stop, 0) !== 0 });
  send({ type: "done", report });
} catch (e) {
  const err = e instanceof Error ? e : new Error(String(e));
  send({ type: "error", name: err.name, message: err.message });
}
