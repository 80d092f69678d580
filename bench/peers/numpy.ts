// NumPy (OpenBLAS) as the native reference: runs peers/numpy_bench.py in a python3 process.

import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { TimingOpts } from "../harness.js";
import type { CellResult, NumpyTask, Variant, VariantResult, Workload } from "../types.js";

const SCRIPT = fileURLToPath(new URL("./numpy_bench.py", import.meta.url));

/** Null when `python3 -c "import numpy"` works, else the reason it does not. */
export function numpyUnavailable(): string | null {
  const r = spawnSync("python3", ["-c", "import numpy"], { encoding: "utf8", timeout: 60_000 });
  if (r.error) return `NumPy not available (python3: ${r.error.message})`;
  if (r.status !== 0) return `NumPy not available (${(r.stderr || "").trim().split("\n").pop() ?? "import failed"})`;
  return null;
}

interface PyCell {
  type: "cell";
  id: string;
  seconds?: number;
  samples?: number[];
  callsPerSample?: number;
  warmupCalls?: number;
  note?: string;
  check?: number;
  final?: number;
  error?: string;
}
type PyMessage = { type: "loaded"; details: string } | { type: "loadError"; error: string } | PyCell;

/**
 * Runs the NumPy side of `workloads`. `threads` limits OpenBLAS (undefined: its default, every core).
 * `onCell` sees each cell as it arrives.
 */
export async function runNumpy(
  variant: Variant,
  workloads: Workload[],
  timing: TimingOpts,
  threads: number | undefined,
  onCell: (cell: CellResult) => void,
): Promise<VariantResult> {
  const result: VariantResult = { variant, cells: [] };
  const missing = numpyUnavailable();
  if (missing) {
    result.loadError = missing;
    return result;
  }
  const tasks: { id: string; kind: NumpyTask["kind"]; params: NumpyTask["params"] }[] = [];
  for (const w of workloads) {
    if (w.impls.numpy) tasks.push({ id: w.id, ...w.impls.numpy });
    else {
      const cell: CellResult = { workload: w.id, variant: variant.id, skipped: "not implemented" };
      result.cells.push(cell);
    }
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (threads !== undefined) {
    for (const k of ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"]) env[k] = String(threads);
  }
  const byId = new Map(workloads.map((w) => [w.id, w]));
  const child = spawn("python3", [SCRIPT], { env, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  let buffered = "";
  const handle = (line: string): void => {
    if (!line.trim()) return;
    let msg: PyMessage;
    try {
      msg = JSON.parse(line) as PyMessage;
    } catch {
      return;
    }
    if (msg.type === "loaded") result.details = msg.details + (threads === undefined ? ", default threads" : `, ${threads} thread${threads === 1 ? "" : "s"}`);
    else if (msg.type === "loadError") result.loadError = msg.error;
    else {
      const w = byId.get(msg.id);
      const cell: CellResult = { workload: msg.id, variant: variant.id };
      if (msg.error) cell.error = msg.error;
      else if (msg.seconds !== undefined && w) {
        cell.seconds = msg.seconds;
        cell.value = w.fromSeconds(msg.seconds);
        cell.samples = msg.samples;
        cell.callsPerSample = msg.callsPerSample;
        cell.warmupCalls = msg.warmupCalls;
        if (msg.note) cell.note = msg.note;
        if (msg.check !== undefined) cell.check = msg.check;
        if (msg.final !== undefined) cell.final = msg.final;
      }
      result.cells.push(cell);
      onCell(cell);
    }
  };
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    buffered += d;
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      handle(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  });
  child.stdin.end(JSON.stringify({ timing, tasks }));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  handle(buffered);
  if (code !== 0 && !result.loadError && result.cells.every((c) => c.skipped)) {
    result.loadError = `python3 exited with ${code}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`;
  }
  return result;
}
