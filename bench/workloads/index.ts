// The workload table: every entry is one table of the report. Adding a workload means adding an
// entry here (with an implementation per family, and a Python task for the NumPy and PyTorch peers).

import type { Workload } from "../types.js";
import { matmulWorkloads } from "./matmul.js";
import { mlpWorkloads } from "./mlp.js";
import { overheadWorkload } from "./overhead.js";
import { splatWorkload } from "./splat.js";
import { peakWorkload } from "./peak.js";
import { convWorkloads } from "./conv.js";

export function allWorkloads(): Workload[] {
  return [peakWorkload(), ...matmulWorkloads(), ...mlpWorkloads(), overheadWorkload(), ...convWorkloads(), splatWorkload()];
}

/** The workloads a run asks for: `only` lists groups or ids; `quick` keeps those marked quick. */
export function selectWorkloads(only: readonly string[] | undefined, quick: boolean): Workload[] {
  const all = allWorkloads();
  if (only) {
    const known = new Set(all.flatMap((w) => [w.id, w.group]));
    const unknown = only.filter((o) => !known.has(o));
    if (unknown.length) throw new Error(`--only: unknown workload(s) ${unknown.join(", ")}; known: ${[...known].join(", ")}`);
  }
  return all.filter((w) => (!only || only.includes(w.group) || only.includes(w.id)) && (!quick || w.quick));
}
