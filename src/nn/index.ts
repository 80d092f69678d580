// The `nn` namespace: modules, layers, activations, initializers (`nn.init`) and the stateless
// functions and losses (`nn.functional`).

export { Module, functionalCall, type StateDict, type LoadStateDictOpts, type LoadStateDictResult } from "./module.js";
export { assignParameter, isParameter } from "./parameter.js";
export { Linear, Embedding, LayerNorm, Dropout, type LinearInit, type LinearOpts, type EmbeddingOpts, type LayerNormOpts } from "./layers.js";
export { ReLU, LeakyReLU, Sigmoid, Tanh, GELU, SiLU, Softplus, Identity, activation, type ActivationName } from "./activations.js";
export { Sequential, MLP, Residual, type MLPOpts } from "./containers.js";
export * as init from "./init.js";
// ---- more activations and normalization layers ----
export { ELU, CELU, SELU, ReLU6, Hardtanh, Hardsigmoid, Hardswish, Mish, Softsign, LogSigmoid, GLU, PReLU, type PReLUOpts } from "./activations.js";
export {
  BatchNorm1d, BatchNorm2d, GroupNorm, InstanceNorm2d, RMSNorm,
  type BatchNormLayerOpts, type GroupNormLayerOpts, type InstanceNormLayerOpts, type RMSNormLayerOpts,
} from "./norm.js";
export * as functional from "./functional-all.js";
// ---- convolution and pooling ----
export { Conv1d, Conv2d, ConvTranspose2d, type ConvModuleOpts, type ConvTransposeModuleOpts } from "./conv.js";
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten, Upsample } from "./pool.js";
// ---- attention and transformers ----
export { MultiheadAttention, CausalSelfAttention, attentionWeights, type KVCache, type MultiheadAttentionOpts, type AttentionOpts } from "./attention.js";
export { TransformerBlock, FeedForward, SinusoidalPositionalEncoding, type TransformerBlockOpts } from "./transformer.js";
