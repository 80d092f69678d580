// The primitive table: every primitive the engine has. The derivative test walks it; a
// primitive must appear here (with at least one test case) to exist.

import { erase, type AnyPrimitive } from "./define.js";
import { linkPrimitives } from "./exact.js";
import { unaryPrimitives } from "./unary.js";
import { binaryPrimitives } from "./binary.js";
import { reducePrimitives } from "./reduce.js";
import { matmul } from "./matmul.js";
import { viewPrimitives } from "./views.js";
import { structurePrimitives } from "./structure.js";
import { indexingPrimitives } from "./indexing.js";
import { softmaxPrimitives } from "./softmax.js";
import { convPrimitives } from "./conv.js";
import { convolvePrimitives } from "./convolve.js";
import { elementwiseMorePrimitives } from "./elementwise-more.js";
import { scanPrimitives } from "./scan.js";
import { sortPrimitives } from "./sort.js";
import { scatterPrimitives } from "./scatter.js";
import { attentionPrimitives } from "./attention.js";
import { rasterizePrimitives } from "./rasterize.js";

const table = {
  ...unaryPrimitives,
  ...binaryPrimitives,
  ...reducePrimitives,
  matmul,
  ...viewPrimitives,
  ...structurePrimitives,
  ...indexingPrimitives,
  ...softmaxPrimitives,
  ...convPrimitives,
  ...convolvePrimitives,
  ...elementwiseMorePrimitives,
  ...scanPrimitives, ...sortPrimitives, ...scatterPrimitives,
  ...attentionPrimitives,
  ...rasterizePrimitives,
};

export type PrimitiveName = keyof typeof table;

/** All primitives by name. */
export const PRIMITIVES: Readonly<Record<PrimitiveName, AnyPrimitive>> = Object.fromEntries(
  Object.entries(table).map(([k, v]) => [k, erase(v as Parameters<typeof erase>[0])]),
) as Record<PrimitiveName, AnyPrimitive>;

// The rules' exact wrappers find the primitives here (see ./exact.ts for why not by import).
linkPrimitives(PRIMITIVES);
