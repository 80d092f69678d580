// The report's targets section: the runtime issue's goals as ratios between rows of one run.
// Data-driven: each target names the workload and rows it reads, so a tensorgrad row added later
// (a compiled training step, another backend) only needs an entry in SUBJECTS; a row or cell
// missing from a run shows "n/a".

import { MNIST_MLP, mlpGemmFlops } from "./workloads/mlp.js";
import type { VariantResult } from "./types.js";
import type { WorkloadInfo } from "./report.js";

/** Which goal applies: compiled rows run a whole training step as one compiled program. */
export type Mode = "eager" | "compiled";

/** The tensorgrad rows the targets are read for, with the goal that applies to each. */
export const SUBJECTS: readonly { id: string; mode: Mode }[] = [
  { id: "tensorgrad:wasm", mode: "eager" },
  { id: "tensorgrad:wasm-compiled", mode: "compiled" },
  { id: "tensorgrad:wasm-jit", mode: "compiled" },
];

/** The value of one cell of the run, if it was measured. */
export type Lookup = (workload: string, variant: string) => number | undefined;

export interface Target {
  /** What is compared, e.g. "quadrant MLP ÷ numpy-1t". */
  what: string;
  /** The workload whose value is measured. */
  workload: string;
  /** The rows measured: every tensorgrad subject, or fixed rows (the bare kernels). */
  rows: "tensorgrad" | readonly string[];
  /**
   * `versus`: a speed ratio against a value of the same unit from this run (× as fast, whatever
   * the unit's direction), given the measured row. `atMost`: a bound on the measured value itself.
   */
  compare: { versus: (get: Lookup, row: string) => number | undefined } | { atMost: number };
  /** Lowest acceptable ratio of a `versus` target; per mode for tensorgrad rows; none: shown for reference. */
  goal?: number | Record<Mode, number>;
  /** How ratios print: 0.9 as "90%" or as "0.90×". */
  format: "%" | "×";
}

const KERNEL = "wasm-kernel";
const MLP_784_GEMM_MFLOP = mlpGemmFlops(MNIST_MLP) / 1e6;

export const TARGETS: readonly Target[] = [
  {
    what: "(a) quadrant MLP step ÷ numpy-1t",
    workload: "mlp-quadrant",
    rows: "tensorgrad",
    compare: { versus: (get) => get("mlp-quadrant", "numpy-1t") },
    goal: { compiled: 3, eager: 1 },
    format: "×",
  },
  {
    what: `(b) MLP 784 step ÷ GEMM bound: its 5 GEMMs (${MLP_784_GEMM_MFLOP.toFixed(1)} MFLOP) at their shapes on ${KERNEL}`,
    workload: "mlp-784",
    rows: "tensorgrad",
    compare: { versus: (get) => get("mlp-784", KERNEL) },
    goal: { compiled: 0.9, eager: 0.75 },
    format: "%",
  },
  {
    // For reference only: the large GEMMs of this step run below the 512 rate (k or m = 128).
    what: `(b) MLP 784 step ÷ the same FLOPs at ${KERNEL}'s matmul-512 rate`,
    workload: "mlp-784",
    rows: "tensorgrad",
    compare: {
      versus: (get) => {
        const gflops = get("matmul-512", KERNEL);
        return gflops === undefined ? undefined : (gflops * 1e3) / MLP_784_GEMM_MFLOP;
      },
    },
    format: "%",
  },
  {
    what: "(b) MLP 784 step ÷ jax-js (jit, main thread)",
    workload: "mlp-784",
    rows: "tensorgrad",
    compare: { versus: (get) => get("mlp-784", "jax") },
    goal: 3,
    format: "×",
  },
  {
    what: "(b) MLP 784 step ÷ tfjs-wasm",
    workload: "mlp-784",
    rows: "tensorgrad",
    compare: { versus: (get) => get("mlp-784", "tfjs-wasm") },
    goal: 15,
    format: "×",
  },
  {
    what: `(c) matmul 512: front end ÷ bare kernel (${KERNEL})`,
    workload: "matmul-512",
    rows: "tensorgrad",
    compare: { versus: (get) => get("matmul-512", KERNEL) },
    goal: 0.95,
    format: "%",
  },
  {
    what: "(c) matmul 512: bare kernel ÷ FMA peak (same threads)",
    workload: "matmul-512",
    rows: [KERNEL, `${KERNEL}-1t`],
    compare: { versus: (get, row) => get("fma-peak", row) },
    goal: 0.85,
    format: "%",
  },
  {
    what: "(d) per-op overhead (µs per 4-element add)",
    workload: "overhead-add4",
    rows: "tensorgrad",
    compare: { atMost: 0.5 },
    format: "×",
  },
  {
    what: `(conv) conv2d forward + backward ÷ GEMM bound: its 3 batched GEMMs at their shapes on ${KERNEL}`,
    workload: "conv2d-fwd-bwd",
    rows: "tensorgrad",
    compare: { versus: (get) => get("conv2d-fwd-bwd", KERNEL) },
    goal: { compiled: 0.6, eager: 0.6 },
    format: "%",
  },
  {
    what: `(conv) conv2d forward ÷ GEMM bound: its batched GEMM at its shape on ${KERNEL}`,
    workload: "conv2d-fwd",
    rows: "tensorgrad",
    compare: { versus: (get) => get("conv2d-fwd", KERNEL) },
    format: "%",
  },
  {
    what: `(conv) conv2d forward + backward ÷ ${KERNEL}'s matmul-512 rate`,
    workload: "conv2d-fwd-bwd",
    rows: "tensorgrad",
    compare: { versus: (get) => get("matmul-512", KERNEL) },
    format: "%",
  },
  {
    what: "(conv) conv2d forward + backward ÷ PyTorch (CPU), 1 thread",
    workload: "conv2d-fwd-bwd",
    rows: "tensorgrad",
    compare: { versus: (get) => get("conv2d-fwd-bwd", "torch-1t") },
    format: "×",
  },
  {
    what: "(conv) cnn training step ÷ PyTorch (CPU), 1 thread",
    workload: "cnn-step",
    rows: "tensorgrad",
    compare: { versus: (get) => get("cnn-step", "torch-1t") },
    format: "×",
  },
];

/** The PyTorch rows every tensorgrad row is also compared with. */
const TORCH_ROWS = ["torch", "torch-1t"] as const;

export function lookupIn(variants: readonly VariantResult[]): Lookup {
  return (workload, variant) => variants.find((v) => v.variant.id === variant)?.cells.find((c) => c.workload === workload)?.value;
}

const fmtNumber = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(2));
const fmtRatio = (r: number, format: "%" | "×"): string => (format === "%" ? `${(r * 100).toFixed(0)}%` : `${fmtNumber(r)}×`);

/** Speed of `a` relative to `b` (above 1: `a` is faster) for a unit whose better direction is `better`. */
const speedup = (a: number, b: number, better: "higher" | "lower"): number => (better === "higher" ? a / b : b / a);

interface TargetRow {
  target: string;
  row: string;
  measured: string;
  goal: string;
  met: string;
  vsTorch: string[];
}

function evaluate(t: Target, row: string, mode: Mode | undefined, get: Lookup, w: WorkloadInfo | undefined, withTorch: boolean): TargetRow {
  const value = get(t.workload, row);
  const better = w?.better ?? "higher";
  const unit = w?.unit ?? "";
  let measured = "n/a";
  let goal = "—";
  let met = "—";
  if ("atMost" in t.compare) {
    const bound = t.compare.atMost;
    goal = `≤ ${bound} ${unit}`;
    if (value !== undefined) {
      measured = `${fmtNumber(value)} ${unit}`;
      met = value <= bound ? "yes" : "no";
    }
  } else {
    const min = typeof t.goal === "number" ? t.goal : t.goal && mode ? t.goal[mode] : undefined;
    if (min !== undefined) goal = t.format === "%" ? `≥ ${fmtRatio(min, "%")}` : `≥ ${min}×`;
    const versus = t.compare.versus(get, row);
    if (value !== undefined && versus !== undefined) {
      const r = speedup(value, versus, better);
      measured = `${fmtRatio(r, t.format)} (${fmtNumber(value)} vs ${fmtNumber(versus)} ${unit})`;
      if (min !== undefined) met = r >= min ? "yes" : "no";
    }
  }
  // Only tensorgrad rows are compared with PyTorch (the bare kernels have no PyTorch counterpart),
  // once per workload and row: the later targets on the same cell would repeat the same numbers.
  const vsTorch = TORCH_ROWS.map((torch) => {
    const tv = get(t.workload, torch);
    if (!mode || !withTorch) return "";
    return value === undefined || tv === undefined ? "n/a" : `${fmtNumber(speedup(value, tv, better))}×`;
  });
  return { target: t.what, row: mode ? `${row} (${mode})` : row, measured, goal, met, vsTorch };
}

/** The targets section of the Markdown report. */
export function targetsMarkdown(variants: readonly VariantResult[], workloads: readonly WorkloadInfo[]): string[] {
  const get = lookupIn(variants);
  const out: string[] = ["## Targets", ""];
  out.push(
    "The runtime issue's goals, each a ratio of two rows of this run. Ratios are speeds (× as fast; above 1 the first is faster) whatever the unit; " +
      "the bare-kernel rows run tensorgrad's Wasm kernels without the front end, and the FMA peak is the machine's Wasm SIMD ceiling. " +
      `Rows: ${SUBJECTS.map((s) => `\`${s.id}\` (${s.mode} goal)`).join(", ")}; n/a: the row or cell is not in this run. ` +
      "The last columns compare the same tensorgrad cell with PyTorch (once per workload).",
    "",
  );
  out.push("| target | row | measured | goal | met | vs `torch` | vs `torch-1t` |", "|---|---|---|---|---|---:|---:|");
  const compared = new Set<string>();
  for (const t of TARGETS) {
    const w = workloads.find((x) => x.id === t.workload);
    const rows = t.rows === "tensorgrad" ? SUBJECTS.map((s) => ({ id: s.id, mode: s.mode })) : t.rows.map((id) => ({ id, mode: undefined }));
    for (const r of rows) {
      const key = `${t.workload} ${r.id}`;
      const e = evaluate(t, r.id, r.mode, get, w, !compared.has(key));
      compared.add(key);
      out.push(`| ${[e.target, e.row, e.measured, e.goal, e.met, ...e.vsTorch].join(" | ")} |`);
    }
  }
  out.push("");
  return out;
}
