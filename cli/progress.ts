// Progress of a training run: a live bar (step, loss, accuracy, steps/s, time left) when
// stdout is a terminal, plain log lines every tenth of the run (or every few seconds) when it
// is a pipe or a CI log.

import { SingleBar } from "cli-progress";
import type { Progress } from "./protocol.js";

export interface ProgressView {
  update(p: Progress): void;
  /** Ends the display; the last state stays visible. */
  stop(): void;
}

function fmtLoss(x: number | undefined): string {
  if (x === undefined) return "-";
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? x.toExponential(3) : x.toFixed(4);
}

function fmtAcc(x: number | undefined): string {
  return x === undefined ? "" : `${(100 * x).toFixed(1)}%`;
}

function fmtRate(r: number | undefined): string {
  if (r === undefined || !Number.isFinite(r) || r <= 0) return "-";
  return r >= 100 ? r.toFixed(0) : r.toFixed(1);
}

/** A terminal progress bar (cli-progress) on `stream`. */
function barView(label: string, total: number, stream: NodeJS.WriteStream, hasAccuracy: boolean): ProgressView {
  const acc = hasAccuracy ? " | acc {acc}" : "";
  const bar = new SingleBar({
    format: `${label} [{bar}] {value}/{total} | loss {loss}${acc} | {rate} steps/s | ETA {eta_formatted}`,
    stream,
    barsize: 24,
    hideCursor: true,
    etaBuffer: 50,
    fps: 12,
  });
  bar.start(total, 0, { loss: "-", acc: "-", rate: "-" });
  return {
    update(p) {
      bar.update(p.step, { loss: fmtLoss(p.loss), acc: fmtAcc(p.accuracy) || "-", rate: fmtRate(p.rate) });
    },
    stop() {
      bar.stop();
    },
  };
}

/** Plain lines: at every tenth of the run and at least every 5 s, plus the last step. */
function logView(label: string, total: number, stream: NodeJS.WritableStream): ProgressView {
  const start = performance.now();
  const every = Math.max(1, Math.ceil(total / 10));
  let lastLine = start;
  let lastStep = -1;
  let pending: Progress | undefined;
  const line = (p: Progress) => {
    const now = performance.now();
    const parts = [`${label}: step ${p.step}/${total}`, `loss ${fmtLoss(p.loss)}`];
    if (p.accuracy !== undefined) parts.push(`acc ${fmtAcc(p.accuracy)}`);
    if (p.rate !== undefined) parts.push(`${fmtRate(p.rate)} steps/s`);
    stream.write(parts.join("  ") + "\n");
    lastLine = now;
    lastStep = p.step;
    pending = undefined;
  };
  return {
    update(p) {
      pending = p;
      const crossed = Math.floor(p.step / every) > Math.floor(Math.max(lastStep, 0) / every) || lastStep < 0;
      if (crossed || p.step >= total || performance.now() - lastLine > 5000) line(p);
    },
    stop() {
      if (pending && pending.step !== lastStep) line(pending);
    },
  };
}

/** The progress display for a run of `total` steps, chosen by whether stdout is a terminal. */
export function progressView(label: string, total: number, opts: { accuracy: boolean }): ProgressView {
  return process.stdout.isTTY ? barView(label, total, process.stdout, opts.accuracy) : logView(label, total, process.stdout);
}

/**
 * For experiments that report no steps: an elapsed-time line on a terminal (cleared at the
 * end), a single line otherwise.
 */
export function waitingView(label: string): ProgressView {
  const start = performance.now();
  if (!process.stdout.isTTY) {
    process.stdout.write(`${label}: running…\n`);
    return { update() {}, stop() {} };
  }
  const draw = () => process.stdout.write(`\r${label}: running… ${((performance.now() - start) / 1000).toFixed(0)} s`);
  draw();
  const timer = setInterval(draw, 1000);
  return {
    update() {},
    stop() {
      clearInterval(timer);
      process.stdout.write("\r\x1b[2K");
    },
  };
}
