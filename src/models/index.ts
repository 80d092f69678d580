// The `models` namespace: ready-made architectures.

export { GPT, GPTTransformer, type GPTConfig, type GPTOpts, type GPTOutput, type GenerateOpts, type GPTCache } from "./gpt.js";
export { sampleProbabilities, drawIndex, checkSampling, type SamplingOpts } from "./sampling.js";
