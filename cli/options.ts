// Parsers for the numeric command-line values. Each throws commander's InvalidArgumentError,
// which commander reports with the flag and the value:
//   error: option '--steps <n>' argument 'abc' is invalid. Expected a whole number ≥ 1.

import { InvalidArgumentError } from "commander";

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function parseNumber(text: string, expected: string): number {
  const s = text.trim();
  if (!NUMBER.test(s)) throw new InvalidArgumentError(`Expected ${expected}.`);
  return Number(s);
}

/** A whole number ≥ 1 (training steps). */
export function parsePositiveInt(text: string): number {
  const v = parseNumber(text, "a whole number ≥ 1");
  if (!Number.isSafeInteger(v) || v < 1) throw new InvalidArgumentError("Expected a whole number ≥ 1.");
  return v;
}

/** A whole number ≥ 0 (seeds). */
export function parseNonNegativeInt(text: string): number {
  const v = parseNumber(text, "a whole number ≥ 0");
  if (!Number.isSafeInteger(v) || v < 0) throw new InvalidArgumentError("Expected a whole number ≥ 0.");
  return v;
}

/** A finite number > 0 (learning rates). */
export function parsePositiveNumber(text: string): number {
  const v = parseNumber(text, "a positive number");
  if (!(v > 0) || !Number.isFinite(v)) throw new InvalidArgumentError("Expected a positive number.");
  return v;
}

/** A non-empty path. */
export function parsePath(text: string): string {
  if (text.trim() === "") throw new InvalidArgumentError("Expected a folder path.");
  return text;
}

/** `count` finite numbers separated by commas (e.g. a centre "1,2"). */
export function parseNumberList(count: number): (text: string) => number[] {
  return (text) => {
    const parts = text.split(",").map((p) => p.trim());
    const vs = parts.map(Number);
    if (parts.length !== count || parts.some((p) => p === "") || !vs.every(Number.isFinite))
      throw new InvalidArgumentError(`Expected ${count} numbers separated by commas.`);
    return vs;
  };
}
