// The message of an out-of-range index, shared by the two places that find one: the sync point
// that reads a backend's index error flag (schedule.ts) and the opt-in eager check that reads
// the index on the host at the call (prims/indexing.ts, under `setDebug({ checkIndices: true })`).

import type { IndexErrorInfo } from "./kernel.js";

/**
 * E.g. `embedding: index 12 at position 3 is out of range for axis 0 of size 10 (weight [10,4],
 * indices [2,3])`; without a site the kernel kind stands in for the operation.
 */
export function indexErrorMessage(e: IndexErrorInfo): string {
  const op = e.site?.op ?? e.kind;
  const at = e.position === undefined ? "" : ` at position ${e.position}`;
  const axis = e.site ? `axis ${e.site.axis}` : "an axis";
  const shapes = e.site?.shapes ? ` (${e.site.shapes})` : "";
  // an index in [−size, 0) is only flagged by an operation that refuses negatives: say so
  const negative = e.index < 0 && e.index >= -e.size ? `; ${op} does not count negative indices from the end` : "";
  return `${op}: index ${e.index}${at} is out of range for ${axis} of size ${e.size}${shapes}${negative}`;
}
