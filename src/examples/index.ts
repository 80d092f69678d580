// The `examples` namespace: the classic experiments as functions that return everything a plot
// or a report needs (trajectories, per-step metrics, grids) plus a printable `summary`. All are
// seeded, so a fixed seed gives identical results run to run. They take their data as
// arguments; `./node.ts` has Node-only wrappers that read the shipped data files.

export { lineFit, snapshotSteps, type Divergence, type LineFitMethod, type LineData, type LineFitOptions, type LineFitRow, type LineSnapshot, type LossSurface, type LineFitResult } from "./line-fit.js";
export { neuron, neuronLine, type NeuronLineOptions, type NeuronLineResult, type NeuronLineSnapshot, type NeuronOptions, type NeuronResult, type NeuronScalarResult, type NeuronBatchResult, type NeuronExampleGradient } from "./neuron.js";
export {
  quadrant, quadrantData, quadrantOf, quadrantSetup, quadrantTrainer, trainQuadrant, evaluateQuadrant, decisionGrid,
  type QuadrantOptions, type QuadrantResult, type QuadrantData, type QuadrantSetup, type QuadrantTraining, type QuadrantTrainer, type DecisionGrid,
} from "./quadrant.js";
export { optimizerRace, type OptimizerRaceOptions, type OptimizerRaceResult, type BowlRun, type MlpRun } from "./optimizer-race.js";
export { digits, type DigitsOptions, type DigitsResult, type DigitsEpoch } from "./digits.js";
export { depthGradients, type DepthGradientsOptions, type DepthGradientsResult, type DepthRun, type DepthInit } from "./depth-gradients.js";
export type { TrainingStep, OnStep } from "./progress.js";
export { makeOptimizer, optimizerLabel, OPTIMIZER_KINDS, type OptimizerKind, type Stepper } from "./optimizers.js";
export { cnn, cnnModel, type CnnOptions, type CnnResult, type CnnEpoch, type MnistData } from "./cnn.js";
export {
  charLmConfig, charLmData, charLmInit, charLmTrain, charLmBatch, charLmSample, charLmAttention, charLmEstimate, charLmSchedule, CHAR_LM_DEFAULTS, CHAR_LM_PRESETS,
  type CharLmConfig, type CharLmState, type CharLmData, type CharLmHooks, type CharLmStep, type EvalPoint,
} from "./char-lm.js";
// ---- splat ----
export { gaussians, principalAxes, type GaussiansOptions, type GaussiansResult, type GaussianField, type PrincipalAxes } from "./gaussians.js";
export { splatImage, splatImageFit, type SplatImageFit, type SplatImageFitOptions, type SplatImageOptions, type SplatImageResult, type SplatImageLoss, type SplatGaussians2d } from "./splat-image.js";
export { splat3d, type Splat3dOptions, type Splat3dResult } from "./splat-3d.js";
