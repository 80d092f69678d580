// The VJP rule of every primitive as a formula for people, by primitive name: shown on
// computation-graph pictures and in the explorer. ḡ is the output's cotangent; y the output.
// The formulas live on the primitives themselves (`formula` in src/prims/define.ts, required by
// the type); this is a read-only index over the table, kept for callers that look one up by name.

import { PRIMITIVES, type PrimitiveName } from "../prims/table.js";

export const VJP_FORMULAS: Readonly<Record<PrimitiveName, string>> = Object.freeze(
  Object.fromEntries(Object.entries(PRIMITIVES).map(([name, p]) => [name, p.formula.vjp])) as Record<PrimitiveName, string>,
);
