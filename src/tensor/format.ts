// NumPy-style printing: `tensor([[1, 2],\n        [3, 4]], dtype=int32)`, with large tensors
// summarised by their first and last three entries along each axis.

import type { DType } from "../core/dtype.js";

const EDGE = 3;
const SUMMARY_THRESHOLD = 1000;

export function formatTensor(values: ArrayLike<number>, shape: readonly number[], dtype: DType): string {
  return `tensor(${formatValues(values, shape, dtype, "tensor(".length)}, dtype=${dtype})`;
}

/**
 * The nested-bracket text of the values alone, its continuation lines indented to follow a
 * prefix of `indent` characters (the `tensor(` in front of it).
 */
export function formatValues(values: ArrayLike<number>, shape: readonly number[], dtype: DType, indent: number): string {
  const summarise = values.length > SUMMARY_THRESHOLD;
  return formatLevel(values, shape, 0, 0, numberFormatter(values, dtype), summarise, indent + 1);
}

function numberFormatter(values: ArrayLike<number>, dtype: DType): (v: number) => string {
  if (dtype === "bool") return (v) => (v ? "true" : "false");
  if (dtype === "int32") return (v) => String(v);
  let allInt = true;
  let maxAbs = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (!Number.isInteger(v)) allInt = false;
    maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  const sci = maxAbs >= 1e8 || (maxAbs > 0 && maxAbs < 1e-4);
  return (v) => {
    if (Number.isNaN(v)) return "nan";
    if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
    if (sci) return v.toExponential(4);
    if (allInt) return `${v}.`;
    return String(Number(v.toFixed(4)));
  };
}

function formatLevel(
  values: ArrayLike<number>,
  shape: readonly number[],
  dim: number,
  offset: number,
  fmt: (v: number) => string,
  summarise: boolean,
  indent: number,
): string {
  if (shape.length === 0) return fmt(values[0]);
  const n = shape[dim];
  let stride = 1;
  for (let i = dim + 1; i < shape.length; i++) stride *= shape[i];
  const idx: (number | null)[] = [];
  if (summarise && n > 2 * EDGE) {
    for (let i = 0; i < EDGE; i++) idx.push(i);
    idx.push(null);
    for (let i = n - EDGE; i < n; i++) idx.push(i);
  } else for (let i = 0; i < n; i++) idx.push(i);
  if (dim === shape.length - 1) {
    const parts = idx.map((i) => (i === null ? "..." : fmt(values[offset + i])));
    return `[${parts.join(", ")}]`;
  }
  const sep = "," + "\n".repeat(shape.length - dim - 1) + " ".repeat(indent + dim);
  const parts = idx.map((i) => (i === null ? "..." : formatLevel(values, shape, dim + 1, offset + i * stride, fmt, summarise, indent)));
  return `[${parts.join(sep)}]`;
}
