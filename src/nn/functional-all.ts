// `tg.nn.functional`: the functions of ./functional.ts plus attention, which is defined beside its
// layers (./attention.ts imports ./layers.ts, which imports ./functional.ts).
export * from "./functional.js";
export { scaledDotProductAttention, attentionWeights, type AttentionOpts } from "./attention.js";
