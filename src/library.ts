// The public API without the `examples` namespace, which is built on it: the examples import
// this module, and src/index.ts adds them. Everything a user can name is exported from here.

// first, so that Tensor has its methods before any other module is evaluated
import "./tensor/methods.js";

export type { DType, TypedArray } from "./core/dtype.js";
export { TensorGradError, ShapeError, DTypeError, ArgumentError, MemoryError } from "./core/errors.js";
export { Tensor } from "./tensor/methods.js";
export { realize } from "./tensor/tensor.js";
export { jit, compile, type JitOptions, type Jitted, type JitArg, type JitOut } from "./jit/jit.js";
export { TraceError } from "./backend/capture.js";
// thrown by the data parsers (IDX, CSV, gzip, …); exported here so callers can catch it by class
export { DataFormatError, type DataLocation } from "./data/parse/errors.js";
export type { TensorLike, NestedArray, Axis } from "./tensor/tensor.js";
export {
  tensor, scalar, zeros, ones, full, zerosLike, onesLike, fullLike, arange, linspace, eye, rand, randn, randint,
  type CreateOpts, type RandomOpts, type NestedInput,
} from "./tensor/creation.js";
export {
  add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge, where, cast, type Operand,
  neg, abs, sign, exp, log, log1p, expm1, sqrt, rsqrt, square, reciprocal, sin, cos, tanh, sigmoid, erf, relu,
} from "./tensor/ops/arith.js";
export { leakyRelu, gelu, silu, softplus, clamp } from "./tensor/ops/activations.js";
export {
  sum, mean, max, min, amax, amin, prod, var, std, logsumexp, softmax, logSoftmax, argmax, argmin,
  type ReduceOpts, type VarOpts,
} from "./tensor/ops/reduce.js";
export { matmul, dot, outer } from "./tensor/ops/linalg.js";
export {
  reshape, flatten, squeeze, unsqueeze, transpose, permute, broadcastTo, expand, slice, concat, stack, split, pad,
  type SliceSpec,
} from "./tensor/ops/shape.js";
export { gather, scatterAdd, take, indexSelect, indexAdd, oneHot } from "./tensor/ops/index-ops.js";
export { grad, valueAndGrad, vjp, jvp, jacrev, jacfwd, hessian, noGrad, type GradOpts } from "./autodiff/transforms.js";
export { customVjp, customJvp } from "./autodiff/custom.js";
export { gradcheck, type GradcheckOpts, type GradcheckReport, type GradcheckInputReport } from "./autodiff/gradcheck.js";
export { setBackend, getBackend, setDebug, getDebug, type DebugOptions } from "./backend/runtime.js";
export type { Backend } from "./backend/kernel.js";
export * as random from "./random/index.js";
export { trace, VJP_FORMULAS, type GraphData, type GraphNode, type GraphEdge, type TraceOpts } from "./trace/index.js";
export * as nn from "./nn/index.js";
export * as optim from "./optim/index.js";
export * as data from "./data/index.js";
export {
  init, setNumThreads, getNumThreads, backendInfo, availableBackends, initWasm, type BackendInfo, type InitOptions,
} from "./backend/select.js";
export { cpu as cpuBackend } from "./backend/runtime.js";
export { createWebGpuBackend, WebGpuBackend, WebGpuError, SyncReadError, type GpuLike } from "./backend/webgpu/index.js";
// ---- io ----
export * as io from "./io/index.js";

// ---- operator coverage: elementwise math, logic, bitwise, activations, any/all/norm ----
export {
  tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh, log2, log10, exp2, floor, ceil, round, trunc, frac,
  atan2, fmod, remainder, floorDivide, hypot, lerp, isnan, isinf, isfinite,
  logicalAnd, logicalOr, logicalXor, logicalNot, bitwiseAnd, bitwiseOr, bitwiseXor, bitwiseNot,
} from "./tensor/ops/arith.js";
export {
  elu, celu, selu, hardtanh, relu6, hardsigmoid, hardswish, mish, softsign, logsigmoid, glu, prelu,
} from "./tensor/ops/activations.js";
export { any, all, norm, type NormOpts } from "./tensor/ops/reduce.js";
// ---- scans, sorting, more shape and indexing operations ----
export { cumsum, cumprod, cummax, cummin, logcumsumexp } from "./tensor/ops/scan.js";
export { sort, argsort, topk, median, quantile, type SortOpts, type TopkOpts } from "./tensor/ops/sort.js";
export {
  tril, triu, diag, diagonal, roll, flip, tile, repeat, repeatInterleave, chunk, unbind, movedim, meshgrid, type DiagonalOpts, type MeshgridOpts,
} from "./tensor/ops/shape-more.js";
export { scatter, maskedFill, maskedSelect, nonzero, index, type IndexItem } from "./tensor/ops/index-more.js";
export { multinomial, type MultinomialOpts } from "./random/multinomial.js";
export { einsum } from "./tensor/ops/einsum.js";
// ---- language models ----
export * as models from "./models/index.js";
export * as text from "./text/index.js";
// ---- splat ----
export * as splat from "./splat/index.js";
