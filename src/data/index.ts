// The `data` namespace: datasets, batching with seeded shuffling, train/validation splits,
// standardization and the `fit` training loop. (File parsers live in ./parse.)
export { TensorDataset, Subset, randomPermutation, trainValSplit, standardize, type Dataset, type Standardizer } from "./dataset.js";
export { DataLoader, type DataLoaderOpts } from "./loader.js";
export { fit, type FitModel, type TrainStep, type FitOpts, type FitResult, type EpochLog, type StepInfo } from "./fit.js";
