// Plain-text formatting shared by the experiments' `summary` strings: aligned tables and
// fixed-precision numbers, so every summary prints the same way in a terminal or a test log.

/** `x` with `digits` decimals; -0 prints as 0 so a table never shows "-0.0000". */
export function fixed(x: number, digits = 4): string {
  // huge values (a diverging run) in scientific notation: 1.27e+49, not 49 digits
  if (Number.isFinite(x) && Math.abs(x) >= 1e6) return x.toExponential(3);
  const s = x.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/** `x` in scientific notation with `digits` significant decimals, e.g. 1.23e-15. */
export function sci(x: number, digits = 2): string {
  return x.toExponential(digits);
}

/** A fraction as a percentage with one decimal, e.g. 0.9612 → "96.1%". */
export function percent(fraction: number, digits = 1): string {
  const p = 100 * fraction;
  if (Number.isFinite(p) && Math.abs(p) >= 1e6) return `${p.toExponential(2)}%`;
  return `${p.toFixed(digits)}%`;
}

/**
 * Columns separated by " | ", each right-aligned to its widest cell, with a rule under the
 * header.
 * @example table(["i", "loss"], [["0", "1.0000"]]) // "i |   loss\n--+-------\n0 | 1.0000"
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: readonly string[]) => cells.map((s, c) => s.padStart(widths[c])).join(" | ");
  const rule = widths.map((w) => "-".repeat(w)).join("-+-");
  return [line(header), rule, ...rows.map(line)].join("\n");
}
