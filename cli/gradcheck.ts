// `tensorgrad gradcheck`: compares reverse- and forward-mode derivatives of an experiment's
// loss with central differences in float64 and prints one line per input.

import * as tg from "tensorgrad";
import type { ExperimentName } from "./catalog.js";
import { EXPERIMENTS } from "./experiments.js";

const OPTS = { eps: 1e-6, atol: 1e-5, rtol: 1e-3 };

function sci(x: number): string {
  return Number.isFinite(x) ? x.toExponential(2) : String(x);
}

/** Prints the report; returns the exit code (1 when any input fails). */
export async function gradcheckCommand(name: ExperimentName): Promise<number> {
  const c = await EXPERIMENTS[name].gradcheck();
  const report = tg.gradcheck(c.f, c.inputs, OPTS);
  const header = ["input", "shape", "reverse abs err", "reverse rel err", "forward abs err", "forward rel err", "result"];
  const rows = report.inputs.map((r) => [
    c.names[r.input] ?? String(r.input),
    `[${c.inputs[r.input].shape.join(", ")}]`,
    sci(r.maxAbsErrorReverse),
    sci(r.maxRelErrorReverse),
    sci(r.maxAbsErrorForward),
    sci(r.maxRelErrorForward),
    r.passed ? "ok" : "FAILED",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((s, i) => (i < 2 ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join("  ");
  const out = [
    `gradcheck ${name}: ${c.description}`,
    `float64, central differences with eps ${OPTS.eps}; an entry passes when |analytic − numeric| ≤ ${OPTS.atol} + ${OPTS.rtol}·|numeric|`,
    "",
    line(header),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "",
    report.passed ? `passed: all ${rows.length} inputs agree in reverse and forward mode` : `FAILED: ${report.inputs.filter((r) => !r.passed).length} of ${rows.length} inputs disagree`,
  ];
  process.stdout.write(out.join("\n") + "\n");
  if (!report.passed) process.stderr.write(`tensorgrad gradcheck ${name}: analytic and numeric derivatives disagree\n`);
  return report.passed ? 0 : 1;
}
