// Shared shapes of the benchmark: workloads (one entry per table), implementations (one row
// each) and the results that flow from the child processes back to the report.

import type * as TF from "@tensorflow/tfjs";
import type * as Jax from "@jax-js/jax";
import type { WasmKernels } from "../dist/backend/wasm/index.js";

/**
 * A family of implementations that share workload code (TF.js cpu and wasm run the same code).
 * `kernel` is tensorgrad's Wasm kernels called directly, without the front end: the ceiling that
 * the tensorgrad rows are read against.
 */
export type Family = "tensorgrad" | "kernel" | "tfjs" | "jax" | "numpy" | "torch";

export interface TensorgradCtx {
  backend: string;
}
export interface TfjsCtx {
  tf: typeof TF;
}
export interface JaxCtx {
  jax: typeof Jax;
}
export interface KernelCtx {
  kernels: WasmKernels;
  /** Threads of this row (main thread included); the GEMMs and the FMA peak loop use this many. */
  threads: number;
}

/** A workload made ready to time: `run` is one call (one matmul, one training step, …). */
export interface Prepared {
  run: () => unknown;
  /** A value computed once before timing (e.g. the initial loss), shown so rows can be cross-checked. */
  check?: number;
  /** The same quantity after the timed calls (e.g. the loss after training), computed once. */
  final?: () => number | Promise<number>;
  note?: string;
  dispose?: () => void;
}

export type Impl<Ctx> = (ctx: Ctx) => Prepared | Promise<Prepared>;

/**
 * A task run by the Python peers (peers/numpy_bench.py, peers/torch_bench.py): `kind` names a
 * function in each; a peer without that function reports the cell as not implemented.
 */
export interface PythonTask {
  kind: "matmul" | "mlp" | "overhead" | "conv" | "cnn";
  params: Record<string, number | string>;
}

export interface Workload {
  /** Unique id, also accepted by `--only`. */
  id: string;
  /** Group name for `--only` (matmul, mlp, overhead, …). */
  group: string;
  title: string;
  unit: string;
  better: "higher" | "lower";
  /** Included in `--quick` runs. */
  quick: boolean;
  /** Converts the median seconds of one call into the reported value. */
  fromSeconds: (seconds: number) => number;
  /** What `check` means, when the implementations report one. */
  checkLabel?: string;
  /** Predicts the time of one call from an earlier workload's (skipped when too slow). */
  scaleOf?: { id: string; factor: number };
  impls: {
    tensorgrad?: Impl<TensorgradCtx>;
    tfjs?: Impl<TfjsCtx>;
    jax?: Impl<JaxCtx>;
    kernel?: Impl<KernelCtx>;
    /** Shared by the NumPy and PyTorch rows. */
    python?: PythonTask;
  };
}

/** One row of every table: an implementation with a particular configuration. */
export interface Variant {
  id: string;
  family: Family;
  label: string;
  /** Included in `--quick` runs. */
  quick: boolean;
}

export interface CellResult {
  workload: string;
  variant: string;
  /** The reported value (unit of the workload). */
  value?: number;
  /** Median seconds per call. */
  seconds?: number;
  samples?: number[];
  callsPerSample?: number;
  warmupCalls?: number;
  check?: number;
  final?: number;
  note?: string;
  skipped?: string;
  error?: string;
}

export interface VariantResult {
  variant: Variant;
  /** Configuration actually in effect (threads, SIMD, versions). */
  details?: string;
  loadError?: string;
  cells: CellResult[];
}

/** Messages from a child process. */
export type ChildMessage =
  | { type: "loaded"; details: string }
  | { type: "loadError"; error: string }
  | { type: "cell"; cell: CellResult }
  | { type: "done" };

/** What the parent passes to a child process. */
export interface ChildJob {
  variant: Variant;
  workloads: string[];
  quick: boolean;
}
