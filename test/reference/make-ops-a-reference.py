"""Values and gradients of the elementwise math, logic, bitwise, activation, any/all/norm,
normalization and loss operations, for test/reference/ops-a.test.ts, computed with PyTorch in
float64: random inputs of several shapes (0-d, size-1 axes, broadcasting, negative axes) and edge
values (zeros, ties, bounds, ±inf, NaN).

Regenerate with Debian bookworm's PyTorch 1.13 (apt-get install --no-install-recommends python3-torch):
    /usr/bin/python3 test/reference/make-ops-a-reference.py > test/reference/ops-a.json

Each case names an operation (the test maps the same name to tensorgrad), its inputs, its outputs
(a list) and the gradient of Σₖ cₖ·outₖ over the float outputs, c = 1, 2, 3, …, with respect to
the inputs listed in `wrt` (default: every float input). Non-finite numbers are written as the
strings "inf", "-inf", "nan". Integer inputs are int32 (tensorgrad's integer type; converted to
int64 here where torch wants it), integer results are written as int32.
"""
import json
import warnings
import math
import sys

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
warnings.filterwarnings("ignore", message="reduction: .mean. divides")

F64 = torch.float64
I32 = torch.int32
INF = math.inf
NAN = math.nan
gen = torch.Generator().manual_seed(20261202)


def rand(shape, lo=-2.0, hi=2.0):
    return torch.rand(shape, generator=gen, dtype=F64) * (hi - lo) + lo


def ints(values):
    return torch.tensor(values, dtype=I32)


def bools(values):
    return torch.tensor(values, dtype=torch.bool)


L = lambda t: t.long()


def batch_norm_train(x, rm, rv, w, b, momentum=0.1):
    rm, rv = rm.clone(), rv.clone()
    y = F.batch_norm(x, rm, rv, w, b, training=True, momentum=momentum, eps=1e-5)
    return (y, rm, rv)


def batch_norm_module(cls, momentum, *xs):
    """Three training steps of a fresh layer, then one in evaluation mode, with its running statistics."""
    m = cls(xs[0].shape[1], momentum=momentum).double()
    ys = [m(x) for x in xs]
    m.eval()
    ys.append(m(xs[0]))
    return (*ys, m.running_mean, m.running_var)


def rms_norm(x, w, k):
    axes = tuple(range(x.dim() - k, x.dim()))
    return x * torch.rsqrt((x * x).mean(axes, keepdim=True) + torch.finfo(x.dtype).eps) * w


OPS = {
    # elementwise unary
    "tan": torch.tan, "asin": torch.asin, "acos": torch.acos, "atan": torch.atan,
    "sinh": torch.sinh, "cosh": torch.cosh, "asinh": torch.asinh, "acosh": torch.acosh, "atanh": torch.atanh,
    "log2": torch.log2, "log10": torch.log10, "exp2": torch.exp2,
    "floor": torch.floor, "ceil": torch.ceil, "round": torch.round, "trunc": torch.trunc, "frac": torch.frac,
    "isnan": torch.isnan, "isinf": torch.isinf, "isfinite": torch.isfinite, "logicalNot": torch.logical_not,
    # elementwise binary
    "atan2": torch.atan2, "fmod": torch.fmod, "remainder": torch.remainder, "floorDivide": torch.floor_divide,
    "hypot": torch.hypot, "lerp": torch.lerp, "lerp(a, b, 0.7)": lambda a, b: torch.lerp(a, b, 0.7),
    "logicalAnd": torch.logical_and, "logicalOr": torch.logical_or, "logicalXor": torch.logical_xor,
    "bitwiseAnd": torch.bitwise_and, "bitwiseOr": torch.bitwise_or, "bitwiseXor": torch.bitwise_xor,
    "bitwiseNot": torch.bitwise_not,
    # activations
    "elu": F.elu, "elu(0.5)": lambda x: F.elu(x, 0.5), "celu(2)": lambda x: F.celu(x, 2.0), "selu": F.selu,
    "relu6": F.relu6, "hardtanh": F.hardtanh, "hardtanh(-2, 0.5)": lambda x: F.hardtanh(x, -2.0, 0.5),
    "hardsigmoid": F.hardsigmoid, "hardswish": F.hardswish, "mish": F.mish, "softsign": F.softsign,
    "logsigmoid": F.logsigmoid, "glu": F.glu, "glu(0)": lambda x: F.glu(x, 0), "glu(1)": lambda x: F.glu(x, 1),
    "prelu": F.prelu,
    # reductions
    "any": lambda x: x.any(), "any(1)": lambda x: x.any(1), "any(-1, keepdim)": lambda x: x.any(-1, keepdim=True),
    "all": lambda x: x.all(), "all(0)": lambda x: x.all(0), "all(-1, keepdim)": lambda x: x.all(-1, keepdim=True),
    "norm": lambda x: torch.linalg.vector_norm(x),
    "norm(1)": lambda x: torch.linalg.vector_norm(x, 1),
    "norm(0)": lambda x: torch.linalg.vector_norm(x, 0),
    "norm(3)": lambda x: torch.linalg.vector_norm(x, 3),
    "norm(0.5)": lambda x: torch.linalg.vector_norm(x, 0.5),
    "norm(-1)": lambda x: torch.linalg.vector_norm(x, -1),
    "norm(inf)": lambda x: torch.linalg.vector_norm(x, INF),
    "norm(-inf)": lambda x: torch.linalg.vector_norm(x, -INF),
    "norm(2, 1)": lambda x: torch.linalg.vector_norm(x, 2, 1),
    "norm(2, -1, keepdim)": lambda x: torch.linalg.vector_norm(x, 2, -1, keepdim=True),
    "norm(1, (0, 1))": lambda x: torch.linalg.vector_norm(x, 1, (0, 1)),
    "norm(inf, 1)": lambda x: torch.linalg.vector_norm(x, INF, 1),
    "norm(3, 0, keepdim)": lambda x: torch.linalg.vector_norm(x, 3, 0, keepdim=True),
    # normalization
    "batchNorm train": lambda x, rm, rv, w, b: batch_norm_train(x, rm, rv, w, b),
    "batchNorm train momentum 0.3": lambda x, rm, rv, w, b: batch_norm_train(x, rm, rv, w, b, 0.3),
    "batchNorm train no stats": lambda x: F.batch_norm(x, None, None, training=True),
    "batchNorm eval": lambda x, rm, rv, w, b: F.batch_norm(x, rm, rv, w, b, training=False, eps=1e-5),
    "BatchNorm1d steps": lambda *xs: batch_norm_module(torch.nn.BatchNorm1d, 0.1, *xs),
    "BatchNorm1d steps momentum null": lambda *xs: batch_norm_module(torch.nn.BatchNorm1d, None, *xs),
    "BatchNorm2d steps": lambda *xs: batch_norm_module(torch.nn.BatchNorm2d, 0.25, *xs),
    "groupNorm(2)": lambda x, w, b: F.group_norm(x, 2, w, b),
    "groupNorm(1)": lambda x: F.group_norm(x, 1),
    "instanceNorm": lambda x: F.instance_norm(x),
    "instanceNorm affine": lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
    "rmsNorm(1)": lambda x, w: rms_norm(x, w, 1),
    "rmsNorm(2)": lambda x, w: rms_norm(x, w, 2),
    "layerNorm(2)": lambda x, w, b: F.layer_norm(x, x.shape[-2:], w, b),
    "normalize": lambda x: F.normalize(x),
    "normalize(p 1, axis -1)": lambda x: F.normalize(x, p=1.0, dim=-1),
    "normalize(p inf, axis 0)": lambda x: F.normalize(x, p=INF, dim=0),
    # losses
    "crossEntropy weight": lambda x, t, w: F.cross_entropy(x, L(t), weight=w),
    "crossEntropy weight sum": lambda x, t, w: F.cross_entropy(x, L(t), weight=w, reduction="sum"),
    "crossEntropy weight none": lambda x, t, w: F.cross_entropy(x, L(t), weight=w, reduction="none"),
    "crossEntropy weight ignoreIndex 1": lambda x, t, w: F.cross_entropy(x, L(t), weight=w, ignore_index=1),
    "crossEntropy weight labelSmoothing 0.2": lambda x, t, w: F.cross_entropy(x, L(t), weight=w, label_smoothing=0.2),
    "crossEntropy weight labelSmoothing 0.2 ignoreIndex 0": lambda x, t, w: F.cross_entropy(x, L(t), weight=w, label_smoothing=0.2, ignore_index=0),
    "crossEntropy probs weight": lambda x, t, w: F.cross_entropy(x, t, weight=w),
    "crossEntropy probs weight labelSmoothing 0.1": lambda x, t, w: F.cross_entropy(x, t, weight=w, label_smoothing=0.1),
    "nllLoss weight": lambda x, t, w: F.nll_loss(x, L(t), weight=w),
    "nllLoss weight none": lambda x, t, w: F.nll_loss(x, L(t), weight=w, reduction="none"),
    "huberLoss": F.huber_loss,
    "huberLoss(0.5) sum": lambda a, b: F.huber_loss(a, b, reduction="sum", delta=0.5),
    "smoothL1Loss": F.smooth_l1_loss,
    "smoothL1Loss(0.5) none": lambda a, b: F.smooth_l1_loss(a, b, reduction="none", beta=0.5),
    "smoothL1Loss(0)": lambda a, b: F.smooth_l1_loss(a, b, beta=0.0),
    "klDiv": lambda a, b: F.kl_div(a, b),
    "klDiv batchmean": lambda a, b: F.kl_div(a, b, reduction="batchmean"),
    "klDiv sum": lambda a, b: F.kl_div(a, b, reduction="sum"),
    "klDiv none logTarget": lambda a, b: F.kl_div(a, b, reduction="none", log_target=True),
    "binaryCrossEntropy": F.binary_cross_entropy,
    "binaryCrossEntropy weight sum": lambda a, b, w: F.binary_cross_entropy(a, b, weight=w, reduction="sum"),
    "binaryCrossEntropy none": lambda a, b: F.binary_cross_entropy(a, b, reduction="none"),
    "cosineSimilarity": lambda a, b: F.cosine_similarity(a, b),
    "cosineSimilarity(-1)": lambda a, b: F.cosine_similarity(a, b, dim=-1),
    "cosineSimilarity(0, eps 0.1)": lambda a, b: F.cosine_similarity(a, b, dim=0, eps=0.1),
}

SPECIALS = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, INF, -INF, NAN]
SHAPES = [[3, 4], [], [1, 5], [2, 1, 3]]

# (op, inputs, wrt or None)
CASES = []


def case(op, inputs, wrt=None):
    CASES.append((op, inputs, wrt))


DOMAINS = {"asin": (-0.95, 0.95), "acos": (-0.95, 0.95), "atanh": (-0.95, 0.95), "acosh": (1.1, 4.0),
           "log2": (0.1, 5.0), "log10": (0.1, 5.0), "tan": (-1.3, 1.3)}
for name in ["tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "log2", "log10", "exp2",
             "floor", "ceil", "round", "trunc", "frac", "isnan", "isinf", "isfinite", "logicalNot",
             "elu", "elu(0.5)", "celu(2)", "selu", "relu6", "hardtanh", "hardtanh(-2, 0.5)", "hardsigmoid",
             "hardswish", "mish", "softsign", "logsigmoid"]:
    lo, hi = DOMAINS.get(name, (-4.0, 4.0) if name in ("hardswish", "hardsigmoid", "relu6") else (-2.0, 2.0))
    for shape in SHAPES:
        case(name, [rand(shape, lo, hi)])
    case(name, [SPECIALS])
# bounds, halves and integers
for name in ["floor", "ceil", "round", "trunc", "frac"]:
    case(name, [[-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.0, -3.0, 1e20, 0.49999999999999994, -0.49999999999999994, 4503599627370497.0]])
for name in ["asin", "acos", "atanh"]:
    case(name, [[1.0, -1.0, 1.5, -1.5]])
case("acosh", [[1.0, 0.5, INF]])
case("log2", [[0.0, 8.0, 0.125, -1.0, INF]])
case("log10", [[0.0, 1000.0, 1e-3, -1.0, INF]])
case("exp2", [[10.0, -1074.0, 1024.0, -INF]])
case("relu6", [[0.0, 6.0, -1.0, 7.0, 3.0]])
case("hardtanh", [[-1.0, 1.0, 0.0, -1.5, 1.5]])
case("hardtanh(-2, 0.5)", [[-2.0, 0.5, -3.0, 1.0]])
case("hardsigmoid", [[-3.0, 3.0, 0.0, -4.0, 4.0]])
case("hardswish", [[-3.0, 3.0, 0.0, -4.0, 4.0, -1.5]])
case("elu", [[0.0, -30.0, 30.0]])
case("mish", [[30.0, -30.0, 0.0, 100.0, -100.0]])
case("logsigmoid", [[-100.0, 100.0, 0.0, -800.0]])
case("isnan", [ints([1, 0, -5])])
case("isinf", [ints([1, 0, -5])])
case("isfinite", [ints([1, 0, -5])])
case("logicalNot", [ints([1, 0, -5])])
case("logicalNot", [bools([True, False])])

# binary, with broadcasting
for name in ["atan2", "hypot", "lerp(a, b, 0.7)"]:
    case(name, [rand([3, 4]), rand([3, 4])])
    case(name, [rand([3, 1]), rand([4])])
    case(name, [rand([]), rand([2, 3])])
case("atan2", [[0.0, -0.0, 0.0, -0.0, 1.0, -1.0, INF, 1.0], [0.0, 0.0, -0.0, -1.0, 0.0, 0.0, INF, -INF]])
case("hypot", [[0.0, 3.0, INF, 1e200], [0.0, 4.0, 1.0, 1e200]])
for name in ["fmod", "remainder"]:
    # away from the jumps, where the gradient is defined
    case(name, [rand([3, 4], -5, 5), torch.tensor([1.3, -1.3, 2.1, -0.7])])
    case(name, [rand([2, 1, 3], -5, 5), rand([4, 1], 0.5, 2)])
    case(name, [[5.5, -5.5, 5.5, -5.5, 0.0, -0.0, 3.0, 1.0, -1.0, INF, 2.0, 7.5], [2.0, 2.0, -2.0, -2.0, 3.0, 3.0, 0.0, INF, INF, 1.0, NAN, 2.5]], [])
    case(name, [ints([7, -7, 7, -7, 0, 9]), ints([3, 3, -3, -3, 5, 2])])
# torch 1.13 has no derivative for floor_divide (values only; tensorgrad's gradient is 0)
case("floorDivide", [rand([3, 4], -5, 5), rand([4], 0.5, 2)], [])
case("floorDivide", [[1.0, -1.0, 7.0, -7.0, 0.0, 5.0, -5.0, 1.0, -1.0, 0.0, 0.3, 2.0], [0.1, 0.1, 2.0, 2.0, 3.0, INF, INF, 0.0, 0.0, 0.0, 0.1, -0.0]], [])
case("floorDivide", [ints([7, -7, 7, -7, 0, 9]), ints([2, 2, -2, -2, 5, 3])])
case("lerp", [rand([3, 4]), rand([3, 4]), rand([3, 4], -0.5, 1.5)])
case("lerp", [rand([3, 1]), rand([4]), rand([]) * 0 + 0.5])
case("lerp", [[1.0, 1.0, 0.0, -INF], [3.0, 3.0, 1e300, INF], [0.0, 1.0, 0.5, 0.25]])
for name in ["logicalAnd", "logicalOr", "logicalXor"]:
    case(name, [[0.0, 1.0, 0.0, 2.0, NAN, -0.0], [0.0, 0.0, 3.0, 1.0, 0.0, 1.0]])
    case(name, [bools([[True], [False]]), bools([True, False, True])])
    case(name, [ints([0, 1, -2]), [0.0, 0.5, NAN]])
for name in ["bitwiseAnd", "bitwiseOr", "bitwiseXor"]:
    case(name, [ints([12, -1, 0, 5, 2147483647, -2147483648]), ints([10, 7, -3, 5, -1, -1])])
    case(name, [bools([True, True, False, False]), bools([True, False, True, False])])
    case(name, [ints([[1], [6]]), ints([3, 5, -8])])
case("bitwiseNot", [ints([0, -1, 5, 2147483647, -2147483648])])
case("bitwiseNot", [bools([True, False])])

# glu and prelu
case("glu", [rand([3, 4])])
case("glu", [rand([6])])
case("glu(0)", [rand([2, 3])])
case("glu(1)", [rand([2, 4, 3])])
case("prelu", [rand([2, 3, 4]), torch.tensor([0.25, -0.5, 2.0])])
case("prelu", [rand([2, 3]), torch.tensor([0.1])])
case("prelu", [rand([5]), torch.tensor([0.3])])
case("prelu", [[0.0, -0.0, -1.0, 2.0, -INF], torch.tensor([0.25])])

# any / all
for name in ["any", "all"]:
    case(name, [[[0.0, 1.0], [0.0, 0.0]]])
    case(name, [[0.0, NAN]])
    case(name, [bools([[True, False], [True, True]])])
    case(name, [ints([[0, 3], [0, 0]])])
    case(name, [0.0])
    case(name, [torch.zeros([0])])
for name in ["any(1)", "any(-1, keepdim)"]:
    case(name, [[[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]])
    case(name, [bools([[True, False], [False, False]])])
for name in ["all(0)", "all(-1, keepdim)"]:
    case(name, [[[1.0, 1.0, 0.0], [2.0, 0.0, 3.0]]])
    case(name, [torch.zeros([2, 0])])

# vector norms
for name in ["norm", "norm(1)", "norm(0)", "norm(3)", "norm(0.5)", "norm(-1)", "norm(inf)", "norm(-inf)"]:
    case(name, [rand([3, 4])])
    case(name, [rand([])])
    case(name, [[0.0, 0.0, 0.0]])
    case(name, [[0.0, 2.0, -2.0, 1.0]])
for name in ["norm(2, 1)", "norm(2, -1, keepdim)", "norm(inf, 1)", "norm(3, 0, keepdim)"]:
    case(name, [rand([2, 3, 4])])
    case(name, [[[0.0, 0.0, 0.0], [3.0, -4.0, 4.0]]])
case("norm(1, (0, 1))", [rand([2, 1, 3])])
case("norm", [[INF, 1.0]])
case("norm(inf)", [[-INF, 1.0]])

# normalization
for shape in [[4, 3], [4, 3, 5], [2, 3, 4, 4], [2, 3, 1]]:
    c = shape[1]
    rm, rv = rand([c], -1, 1), rand([c], 0.5, 2)
    w, b = rand([c]), rand([c])
    case("batchNorm train", [rand(shape), rm, rv, w, b], [0, 3, 4])
    case("batchNorm eval", [rand(shape), rm, rv, w, b], [0, 3, 4])
case("batchNorm train momentum 0.3", [rand([5, 2]), torch.zeros(2), torch.ones(2), torch.ones(2), torch.zeros(2)], [0, 3, 4])
case("batchNorm train no stats", [rand([3, 2, 2])])
case("batchNorm train no stats", [[[1.0, 1.0], [1.0, 2.0]]])
case("BatchNorm1d steps", [rand([4, 3]), rand([4, 3]), rand([4, 3])])
case("BatchNorm1d steps", [rand([2, 2, 3]), rand([3, 2, 1]), rand([2, 2, 2])])
case("BatchNorm1d steps momentum null", [rand([4, 3]), rand([5, 3]), rand([2, 3])])
case("BatchNorm2d steps", [rand([2, 3, 2, 2]), rand([1, 3, 3, 2]), rand([2, 3, 1, 2])])
case("groupNorm(2)", [rand([2, 4, 3]), rand([4]), rand([4])])
case("groupNorm(2)", [rand([3, 6, 2, 2]), rand([6]), rand([6])])
case("groupNorm(1)", [rand([2, 3])])
case("instanceNorm", [rand([2, 3, 4, 4])])
case("instanceNorm", [rand([2, 3, 5])])
case("instanceNorm affine", [rand([2, 3, 2, 3]), rand([3]), rand([3])])
case("rmsNorm(1)", [rand([3, 4]), rand([4])])
case("rmsNorm(1)", [[[0.0, 0.0], [3.0, 4.0]], rand([2])])
case("rmsNorm(2)", [rand([2, 3, 4]), rand([3, 4])])
case("layerNorm(2)", [rand([2, 3, 4]), rand([3, 4]), rand([3, 4])])
case("normalize", [rand([3, 4])])
case("normalize", [[[0.0, 0.0], [3.0, 4.0]]])
case("normalize(p 1, axis -1)", [rand([2, 3, 4])])
case("normalize(p inf, axis 0)", [rand([3, 2])])

# losses
# class weights: torch's nll_loss is not differentiable in them, so gradients are w.r.t. the logits
w4 = torch.tensor([0.5, 2.0, 1.0, 0.25])
case("crossEntropy weight", [rand([5, 4]), ints([0, 3, 1, 1, 2]), w4], [0])
case("crossEntropy weight", [rand([2, 4, 3]), ints([[0, 3, 1], [2, 2, 0]]), w4], [0])
case("crossEntropy weight", [rand([4]), ints(2), w4], [0])
case("crossEntropy weight sum", [rand([5, 4]), ints([0, 3, 1, 1, 2]), w4], [0])
case("crossEntropy weight none", [rand([5, 4]), ints([0, 3, 1, 1, 2]), w4], [0])
case("crossEntropy weight ignoreIndex 1", [rand([5, 4]), ints([0, 3, 1, 1, 2]), w4], [0])
case("crossEntropy weight labelSmoothing 0.2", [rand([5, 4]), ints([0, 3, 1, 1, 2]), w4], [0])
case("crossEntropy weight labelSmoothing 0.2 ignoreIndex 0", [rand([2, 4, 3]), ints([[0, 3, 1], [2, 2, 0]]), w4], [0])
case("crossEntropy probs weight", [rand([3, 4]), torch.softmax(rand([3, 4]), 1), w4], [0, 1, 2])
case("crossEntropy probs weight labelSmoothing 0.1", [rand([3, 4]), torch.softmax(rand([3, 4]), 1), w4], [0, 1, 2])
case("nllLoss weight", [torch.log_softmax(rand([5, 4]), 1), ints([0, 3, 1, 1, 2]), w4], [0])
case("nllLoss weight none", [torch.log_softmax(rand([2, 4, 3]), 1), ints([[0, 3, 1], [2, 2, 0]]), w4], [0])
for name in ["huberLoss", "huberLoss(0.5) sum", "smoothL1Loss", "smoothL1Loss(0.5) none", "smoothL1Loss(0)"]:
    case(name, [rand([3, 4], -3, 3), rand([3, 4], -3, 3)])
    case(name, [rand([]), rand([])])
# |d| exactly at δ or β, and d = 0
case("huberLoss", [[1.0, -1.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0]])
case("huberLoss(0.5) sum", [[0.5, -0.5, 0.0], [0.0, 0.0, 0.0]])
case("smoothL1Loss", [[1.0, -1.0, 0.0], [0.0, 0.0, 0.0]])
case("smoothL1Loss(0)", [[1.0, -1.0, 0.0], [0.0, 0.0, 0.0]])
for name in ["klDiv", "klDiv batchmean", "klDiv sum"]:
    case(name, [torch.log_softmax(rand([3, 4]), 1), torch.softmax(rand([3, 4]), 1)])
    case(name, [torch.log_softmax(rand([2, 3]), 1), torch.tensor([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])], [0])
case("klDiv none logTarget", [torch.log_softmax(rand([3, 4]), 1), torch.log_softmax(rand([3, 4]), 1)])
case("klDiv none logTarget", [[-1.0, 0.0], [-INF, -0.5]], [0])
case("binaryCrossEntropy", [rand([3, 4], 0.05, 0.95), rand([3, 4], 0, 1)])
case("binaryCrossEntropy", [rand([]) * 0 + 0.3, rand([]) * 0 + 1.0])
case("binaryCrossEntropy weight sum", [rand([2, 3], 0.05, 0.95), rand([2, 3], 0, 1), rand([3], 0, 2)], [0, 1])
# probabilities at the bounds: the log bound −100 (values only; see the test for the gradients)
case("binaryCrossEntropy none", [[0.0, 0.0, 1.0, 1.0, 0.5, 1e-50], [0.0, 1.0, 0.0, 1.0, 0.5, 1.0]], [])
case("cosineSimilarity", [rand([3, 4]), rand([3, 4])])
case("cosineSimilarity", [rand([2, 4, 3]), rand([4, 1])])
case("cosineSimilarity(-1)", [rand([3, 4]), rand([4])])
case("cosineSimilarity(-1)", [[[0.0, 0.0], [1.0, 0.0], [1e-9, 0.0]], [[1.0, 1.0], [0.0, 2.0], [1.0, 0.0]]])
case("cosineSimilarity(0, eps 0.1)", [rand([3, 2]) * 0.05, rand([3, 2])])


def encode(v):
    if isinstance(v, list):
        return [encode(u) for u in v]
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def dtype_name(t):
    if t.dtype.is_floating_point:
        return "float64"
    return "bool" if t.dtype == torch.bool else "int32"


def described(t):
    t = t.detach()
    if t.dtype == torch.int64:
        t = t.to(I32)
    # bools as 0 and 1, as tensorgrad's data() gives them
    data = t.to(I32) if t.dtype == torch.bool else t
    return {"dtype": dtype_name(t), "shape": list(t.shape), "data": encode(data.reshape(-1).tolist())}


def run(op, raw, wrt):
    inputs = [r.clone() if isinstance(r, torch.Tensor) else torch.tensor(r, dtype=F64) for r in raw]
    floats = [i for i, t in enumerate(inputs) if t.dtype.is_floating_point]
    wrt = floats if wrt is None else wrt
    for i in wrt:
        inputs[i].requires_grad_(True)
    out = OPS[op](*inputs)
    outs = list(out) if isinstance(out, tuple) else [out]
    grads = None
    diff = [o for o in outs if o.dtype.is_floating_point and o.requires_grad]
    if diff and wrt:
        total = sum((o * torch.arange(1, o.numel() + 1, dtype=F64).reshape(o.shape)).sum() for o in diff)
        gs = torch.autograd.grad(total, [inputs[i] for i in wrt], allow_unused=True)
        grads = [described(g if g is not None else torch.zeros_like(inputs[i])) for g, i in zip(gs, wrt)]
    return {"op": op, "inputs": [described(t) for t in inputs], "wrt": wrt, "outputs": [described(o) for o in outs], "grads": grads}


json.dump({"torch": torch.__version__, "cases": [run(op, raw, wrt) for op, raw, wrt in CASES]}, sys.stdout, separators=(",", ":"))
print()
