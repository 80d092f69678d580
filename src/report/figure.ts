// Small helpers shared by the per-experiment figure builders.

import type { Diagram } from "../plot/index.js";
import type { ReportFigure } from "./types.js";

/** Renders a figure and attaches its file name, heading and caption. */
export function reportFigure(name: string, title: string, caption: string, fig: Diagram): ReportFigure {
  return { name, title, caption, svg: fig.toSVG(), width: fig.width, height: fig.height };
}

/** [min, max] of finite values, padded by `frac` of the span on each side. */
export function paddedRange(values: readonly number[], frac = 0.06): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi >= lo)) return [0, 1];
  const d = hi > lo ? (hi - lo) * frac : Math.abs(lo) * 0.1 || 1;
  return [lo - d, hi + d];
}

/** Only the positive finite values survive on a log axis; others become NaN (a gap). */
export function forLogAxis(values: readonly number[]): number[] {
  return values.map((v) => (Number.isFinite(v) && v > 0 ? v : NaN));
}

/** Formats a number for a figure title: 4 significant digits, exponent when tiny or huge. */
export function short(x: number): string {
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return x.toExponential(2);
  return String(+x.toPrecision(4));
}
