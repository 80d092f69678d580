// The `optim` namespace: optimizers (pure rules and the stateful classes over them), learning-rate
// schedules and gradient clipping.
export { defineRule, type OptimizerRule, type RuleSpec, type BaseHyper, type ParamState } from "./rule.js";
export {
  Optimizer,
  type ParamGroup,
  type ParamGroupInput,
  type ParamsInput,
  type OptimizerStateDict,
} from "./optimizer.js";
export { sgd, SGD, type SGDHyper, type SGDState } from "./sgd.js";
export { adam, adamw, Adam, AdamW, type AdamHyper, type AdamState } from "./adam.js";
export { rmsprop, RMSprop, type RMSpropHyper, type RMSpropState } from "./rmsprop.js";
export { adagrad, Adagrad, type AdagradHyper, type AdagradState } from "./adagrad.js";
export {
  stepLR,
  exponentialLR,
  cosineAnnealingLR,
  linearWarmupCosine,
  oneCycleLR,
  LRScheduler,
  type Schedule,
  type OneCycleOpts,
  type HasParamGroups,
} from "./schedules.js";
export { clipGradNorm, clipGradValue, clipGradsByNorm, type ClipNormOpts } from "./clip.js";
