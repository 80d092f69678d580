// The Python peers, NumPy (OpenBLAS) and PyTorch (CPU), as native references: each runs its
// script (peers/numpy_bench.py, peers/torch_bench.py, sharing peers/bench_harness.py) in a
// Python process that reads the job on stdin and writes one JSON line per cell.

import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { TimingOpts } from "../harness.js";
import type { CellResult, PythonTask, Variant, VariantResult, Workload } from "../types.js";
import type { PythonPeer } from "../variants.js";

interface PeerSpec {
  name: string;
  module: string;
  script: string;
  /** Interpreters tried in order. Debian's python3-torch is installed for /usr/bin/python3, which
   *  need not be the `python3` on the PATH (a pyenv or venv interpreter with its own NumPy). */
  interpreters: string[];
}

const SPECS: Record<PythonPeer["peer"], PeerSpec> = {
  numpy: { name: "NumPy", module: "numpy", script: "numpy_bench.py", interpreters: ["python3"] },
  torch: { name: "PyTorch", module: "torch", script: "torch_bench.py", interpreters: ["python3", "/usr/bin/python3"] },
};

/** The first interpreter that imports the peer's library, or the reason none does. */
export function findInterpreter(peer: PythonPeer["peer"]): { python: string } | { missing: string } {
  const spec = SPECS[peer];
  const reasons: string[] = [];
  for (const python of spec.interpreters) {
    const r = spawnSync(python, ["-c", `import ${spec.module}`], { encoding: "utf8", timeout: 60_000 });
    if (r.status === 0) return { python };
    reasons.push(`${python}: ${r.error ? r.error.message : ((r.stderr || "").trim().split("\n").pop() ?? "import failed")}`);
  }
  return { missing: `${spec.name} not available (${reasons.join("; ")})` };
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
  skipped?: string;
  error?: string;
}
type PyMessage = { type: "loaded"; details: string } | { type: "loadError"; error: string } | PyCell;

function toCell(msg: PyCell, variant: Variant, w: Workload | undefined): CellResult {
  const cell: CellResult = { workload: msg.id, variant: variant.id };
  if (msg.error) cell.error = msg.error;
  else if (msg.skipped) cell.skipped = msg.skipped;
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
  return cell;
}

/**
 * Runs the Python side of `workloads` for one row. `peer.threads` limits the BLAS (and, for
 * PyTorch, torch.set_num_threads); undefined leaves the library's default. `onCell` sees each
 * cell as it arrives.
 */
export async function runPython(
  variant: Variant,
  peer: PythonPeer,
  workloads: Workload[],
  timing: TimingOpts,
  onCell: (cell: CellResult) => void,
): Promise<VariantResult> {
  const result: VariantResult = { variant, cells: [] };
  const found = findInterpreter(peer.peer);
  if ("missing" in found) {
    result.loadError = found.missing;
    return result;
  }
  const tasks: ({ id: string } & PythonTask)[] = [];
  for (const w of workloads) {
    if (w.impls.python) tasks.push({ id: w.id, ...w.impls.python });
    else result.cells.push({ workload: w.id, variant: variant.id, skipped: "not implemented" });
  }
  const { threads } = peer;
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (threads !== undefined) {
    for (const k of ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"]) env[k] = String(threads);
  }
  const byId = new Map(workloads.map((w) => [w.id, w]));
  const script = fileURLToPath(new URL(`./${SPECS[peer.peer].script}`, import.meta.url));
  const child = spawn(found.python, [script], { env, stdio: ["pipe", "pipe", "pipe"] });
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
    if (msg.type === "loaded") {
      const suffix = threads === undefined ? ", default threads" : `, ${threads} thread${threads === 1 ? "" : "s"}`;
      result.details = msg.details + suffix + (found.python === "python3" ? "" : ` (${found.python})`);
    } else if (msg.type === "loadError") result.loadError = msg.error;
    else {
      const cell = toCell(msg, variant, byId.get(msg.id));
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
  child.stdin.end(JSON.stringify({ timing, threads: threads ?? null, tasks }));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  handle(buffered);
  if (code !== 0 && !result.loadError && result.cells.every((c) => c.skipped)) {
    result.loadError = `${found.python} exited with ${code}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`;
  }
  return result;
}
