"""Values and gradients at edge values (zeros, ties, bounds, ±inf, 0-d and size-1 shapes, negative
axes) for test/reference/edge-values.test.ts, computed with PyTorch in float64.

Regenerate with Debian bookworm's PyTorch 1.13 (apt-get install --no-install-recommends python3-torch):
    /usr/bin/python3 test/reference/make-edge-reference.py > test/reference/edge-values.json

Each case names an operation (the test maps the same name to tensorgrad), its inputs, the outputs
(a list: torch.max(x, dim) gives values and indices) and the gradient of Σₖ cₖ·outₖ with respect
to every float input, with the cotangent c = 1, 2, 3, … over each float output (so a gradient
sent to the wrong entry shows). Non-finite numbers are written as the strings "inf", "-inf",
"nan" (JSON has no literal for them). torch's int64 results are written as int32, tensorgrad's
integer type.
"""
import json
import math
import sys

import torch

torch.set_default_dtype(torch.float64)

F64 = torch.float64
I32 = torch.int32

OPS = {
    # reductions
    "prod": lambda x: x.prod(),
    "prod(1)": lambda x: x.prod(1),
    "prod(-1, keepdim)": lambda x: x.prod(-1, keepdim=True),
    "prod(0)": lambda x: x.prod(0),
    "max": lambda x: x.max(),
    "min": lambda x: x.min(),
    "max(1)": lambda x: tuple(x.max(1)),
    "max(-1, keepdim)": lambda x: tuple(x.max(-1, keepdim=True)),
    "min(0)": lambda x: tuple(x.min(0)),
    "max(0) of 0-d": lambda x: tuple(x.max(0)),
    "amax(1)": lambda x: x.amax(1),
    "amin(-1)": lambda x: x.amin(-1),
    "amax((0, 1))": lambda x: x.amax((0, 1)),
    "sum(-1)": lambda x: x.sum(-1),
    "mean(0)": lambda x: x.mean(0),
    "std": lambda x: x.std(),
    "std(1)": lambda x: x.std(1),
    "std(-1, correction 0, keepdim)": lambda x: x.std(-1, unbiased=False, keepdim=True),
    "var(1)": lambda x: x.var(1),
    "logsumexp(1)": lambda x: x.logsumexp(1),
    "softmax(-1)": lambda x: x.softmax(-1),
    "logSoftmax(-1)": lambda x: x.log_softmax(-1),
    # clamp
    "clamp(-1, 1)": lambda x: x.clamp(-1, 1),
    "clamp(0, null)": lambda x: x.clamp(0, None),
    "clamp(null, 0.5)": lambda x: x.clamp(None, 0.5),
    "clamp(1, 1)": lambda x: x.clamp(1, 1),
    "clamp(1, -1)": lambda x: x.clamp(1, -1),
    # pow
    "pow": lambda a, b: a ** b,
    "pow(x, 0)": lambda x: x ** 0,
    "pow(x, 2)": lambda x: x ** 2,
    "pow(x, 0.5)": lambda x: x ** 0.5,
    "pow(x, -1)": lambda x: x ** -1,
    "pow(0, x)": lambda x: torch.zeros_like(x) ** x,
    "pow(x, 7)": lambda x: x ** 7,
    "pow(x, 0) int": lambda x: x ** 0,
    # elementwise binary
    "maximum": torch.maximum,
    "minimum": torch.minimum,
    "add": torch.add,
    "sub": torch.sub,
    "mul": torch.mul,
    "div": torch.div,
    "where(x > 0, x, 0)": lambda x: torch.where(x > 0, x, torch.zeros(())),
    "where(x > 0, 1, 3)": lambda x: torch.where(x > 0, 1, 3),
    # elementwise unary
    "abs": torch.abs,
    "relu": torch.relu,
    "sign": torch.sign,
    "neg": torch.neg,
    "exp": torch.exp,
    "expm1": torch.expm1,
    "log": torch.log,
    "log1p": torch.log1p,
    "sqrt": torch.sqrt,
    "rsqrt": torch.rsqrt,
    "sin": torch.sin,
    "cos": torch.cos,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "erf": torch.erf,
    "square": torch.square,
    "softplus": torch.nn.functional.softplus,
    "silu": torch.nn.functional.silu,
    "gelu": torch.nn.functional.gelu,
    "leakyRelu(0.1)": lambda x: torch.nn.functional.leaky_relu(x, 0.1),
}

INF = math.inf
SPECIALS = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, INF, -INF]

CASES = [
    # prod: no zero, one zero, two zeros; 0-d, size 1; a slice of zeros
    ("prod", [[2.0, 0.0, 3.0]]),
    ("prod", [[0.0, 0.0, 3.0]]),
    ("prod", [[1.5, -2.0, 4.0]]),
    ("prod", [3.0]),
    ("prod", [0.0]),
    ("prod", [[0.0]]),
    ("prod(1)", [[[2.0, 0.0, 3.0], [1.0, 2.0, 3.0], [0.0, 0.0, 5.0], [0.0, 1.0, -1.0]]]),
    ("prod(-1, keepdim)", [[[0.0, 4.0], [2.0, -0.5]]]),
    ("prod(0)", [[[0.0, 2.0, 0.0], [3.0, 0.0, 0.0]]]),
    # max/min: ties, all equal, negative axes, 0-d and size 1
    ("max", [[1.0, 3.0, 3.0]]),
    ("max", [[2.0, 2.0, 2.0, 2.0]]),
    ("max", [7.0]),
    ("min", [[[1.0, -1.0], [-1.0, 4.0]]]),
    ("max(1)", [[[1.0, 3.0, 3.0], [5.0, 5.0, 5.0], [-INF, -INF, 0.0]]]),
    ("max(-1, keepdim)", [[[2.0, 1.0, 2.0]]]),
    ("min(0)", [[[1.0, 0.0], [1.0, -1.0], [0.5, 0.0]]]),
    ("max(0) of 0-d", [4.0]),
    ("max(1)", [[[9.0]]]),
    ("amax(1)", [[[1.0, 3.0, 3.0], [5.0, 5.0, 5.0]]]),
    ("amin(-1)", [[[0.0, -1.0, -1.0], [2.0, 2.0, 1.0]]]),
    ("amax((0, 1))", [[[1.0, 3.0], [3.0, 0.0]]]),
    ("sum(-1)", [[[1.0, 2.0], [3.0, 4.0]]]),
    ("mean(0)", [[[1.0, 2.0], [3.0, 5.0]]]),
    # std: constant slices (σ = 0)
    ("std", [[1.0, 1.0, 1.0]]),
    ("std", [[0.0, 0.0]]),
    ("std(1)", [[[1.0, 1.0], [1.0, 2.0]]]),
    ("std(-1, correction 0, keepdim)", [[[3.0, 3.0, 3.0], [1.0, 2.0, 4.0]]]),
    ("std(-1, correction 0, keepdim)", [[[5.0]]]),
    ("var(1)", [[[2.0, 2.0], [0.0, 1.0]]]),
    ("logsumexp(1)", [[[0.0, 0.0], [1.0, -INF]]]),
    ("softmax(-1)", [[[0.0, 0.0, 0.0], [1.0, -INF, 2.0]]]),
    ("logSoftmax(-1)", [[[0.0, 0.0, 0.0], [1.0, -INF, 2.0]]]),
    # clamp: at the bounds, outside, ±inf
    ("clamp(-1, 1)", [[-2.0, -1.0, 0.0, 1.0, 2.0, INF, -INF]]),
    ("clamp(0, null)", [[-1.0, 0.0, 1.0, -INF]]),
    ("clamp(null, 0.5)", [[0.0, 0.5, 1.0, INF]]),
    ("clamp(1, 1)", [[0.0, 1.0, 2.0]]),
    ("clamp(-1, 1)", [1.0]),
    ("clamp(1, -1)", [[-2.0, 0.0, 2.0]]),
    # pow: base 0 with every kind of exponent, and ordinary values
    ("pow", [[0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 1.0, 4.0], [0.0, 1.0, 2.0, 0.5, -1.0, 0.0, 3.0, -0.5]]),
    ("pow", [[[0.0], [2.0]], [0.0, 3.0]]),
    ("pow(x, 0)", [[0.0, 1.0, -2.0]]),
    ("pow(x, 2)", [[0.0, -3.0]]),
    ("pow(x, 0.5)", [[0.0, 4.0]]),
    ("pow(x, -1)", [[0.0, 2.0, -0.5]]),
    ("pow(0, x)", [[0.0, 1.0, -1.0, 2.5]]),
    # integer pow: exact, int32 (and wrapping past 2³¹ as torch's int32 does)
    ("pow(x, 7)", [torch.tensor([11, -3, 0, 1, 2], dtype=I32)]),
    ("pow(x, 0) int", [torch.tensor([0, 5, -5], dtype=I32)]),
    ("pow", [torch.tensor([2, 3, 10, -7], dtype=I32), torch.tensor([31, 20, 9, 3], dtype=I32)]),
    ("pow", [torch.tensor([2, 1, -1, -1, 5, 0], dtype=I32), torch.tensor([-1, -3, -3, -2, 0, 0], dtype=I32)]),
    # elementwise binary: ties, zeros, infinities, broadcasting against 0-d
    ("maximum", [[1.0, 2.0, 3.0, -INF], [1.0, 0.0, 4.0, -INF]]),
    ("minimum", [[1.0, 2.0, INF], [1.0, 3.0, INF]]),
    ("maximum", [[0.0, 1.0], 0.0]),
    ("add", [[1.0, INF], [2.0, 1.0]]),
    ("sub", [[1.0], [[2.0], [3.0]]]),
    ("mul", [[0.0, 2.0, -3.0], 4.0]),
    ("div", [[1.0, 0.0, -1.0], [0.0, 2.0, INF]]),
    ("where(x > 0, x, 0)", [[-1.0, 0.0, 2.0]]),
    ("where(x > 0, 1, 3)", [[-1.0, 0.0, 2.0]]),
]
CASES += [(name, [SPECIALS]) for name in [
    "abs", "relu", "sign", "neg", "exp", "expm1", "log1p", "sin", "cos", "tanh", "sigmoid", "erf", "square",
    "softplus", "silu", "gelu", "leakyRelu(0.1)",
]]
CASES += [(name, [[0.0, 1.0, 4.0, INF]]) for name in ["log", "sqrt", "rsqrt"]]
CASES += [("exp", [0.0]), ("tanh", [[0.0]])]


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
    return {"dtype": dtype_name(t), "shape": list(t.shape), "data": encode(t.detach().reshape(-1).tolist())}


def run(op, raw):
    inputs = [r if isinstance(r, torch.Tensor) else torch.tensor(r, dtype=F64) for r in raw]
    inputs = [t.clone().requires_grad_(t.dtype.is_floating_point) for t in inputs]
    out = OPS[op](*inputs)
    outs = list(out) if isinstance(out, tuple) else [out]
    floats = [o for o in outs if o.dtype.is_floating_point and o.requires_grad]
    grads = None
    wrt = [t for t in inputs if t.requires_grad]
    if floats and wrt:
        total = sum((o * torch.arange(1, o.numel() + 1, dtype=F64).reshape(o.shape)).sum() for o in floats)
        gs = torch.autograd.grad(total, wrt, allow_unused=True)
        grads = [described(g if g is not None else torch.zeros_like(t)) for g, t in zip(gs, wrt)]
    return {"op": op, "inputs": [described(t) for t in inputs], "outputs": [described(o) for o in outs], "grads": grads}


json.dump({"torch": torch.__version__, "cases": [run(op, raw) for op, raw in CASES]}, sys.stdout, separators=(",", ":"))
print()
