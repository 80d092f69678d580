"""Values and gradients of convolutions, pooling and interpolation for test/reference/conv.test.ts,
computed with PyTorch in float64.

Regenerate with Debian bookworm's PyTorch 1.13 (apt-get install --no-install-recommends python3-torch):
    /usr/bin/python3 test/reference/make-conv-reference.py > test/reference/conv-reference.json

Each case names a tensorgrad function (`fn`), its options in tensorgrad's camelCase (`opts`, plus
`args` for positional ones such as the kernel size), its float inputs (x, and weight and bias where
the function takes them), the output, and the gradient of Σ c·out with respect to every input for
a random cotangent c (also stored), so a gradient sent to the wrong position shows.
"""
import json
import sys

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
gen = torch.Generator().manual_seed(20261202)


def rand(*shape):
    return (torch.rand(*shape, generator=gen) * 4 - 2).requires_grad_()


def pair(v):
    return tuple(v) if isinstance(v, list) else v


def conv_kwargs(o):
    kw = {}
    for k, t in (("stride", "stride"), ("padding", "padding"), ("dilation", "dilation"), ("groups", "groups"), ("outputPadding", "output_padding")):
        if k in o:
            kw[t] = pair(o[k])
    return kw


def pool_kwargs(o):
    kw = {}
    for k, t in (("stride", "stride"), ("padding", "padding"), ("dilation", "dilation"), ("ceilMode", "ceil_mode"),
                 ("countIncludePad", "count_include_pad"), ("divisorOverride", "divisor_override")):
        if k in o:
            kw[t] = pair(o[k])
    return kw


def run_torch(fn, inputs, args, opts):
    x = inputs["x"]
    w = inputs.get("weight")
    b = inputs.get("bias")
    if fn == "conv2d":
        return F.conv2d(x, w, b, **conv_kwargs(opts))
    if fn == "conv1d":
        return F.conv1d(x, w, b, **conv_kwargs(opts))
    if fn == "convTranspose2d":
        return F.conv_transpose2d(x, w, b, **conv_kwargs(opts))
    if fn == "maxPool2d":
        return F.max_pool2d(x, pair(args[0]), **pool_kwargs(opts))
    if fn == "maxPool1d":
        return F.max_pool1d(x, args[0], **pool_kwargs(opts))
    if fn == "avgPool2d":
        return F.avg_pool2d(x, pair(args[0]), **pool_kwargs(opts))
    if fn == "adaptiveAvgPool2d":
        return F.adaptive_avg_pool2d(x, pair(args[0]))
    if fn == "interpolate":
        kw = {"mode": opts.get("mode", "nearest")}
        if "size" in opts:
            kw["size"] = pair(opts["size"])
        if "scaleFactor" in opts:
            kw["scale_factor"] = pair(opts["scaleFactor"])
        if "alignCorners" in opts:
            kw["align_corners"] = opts["alignCorners"]
        return F.interpolate(x, **kw)
    raise ValueError(fn)


def case(name, fn, shapes, opts=None, args=None):
    opts = opts or {}
    args = args or []
    inputs = {k: rand(*s) for k, s in shapes.items()}
    out = run_torch(fn, inputs, args, opts)
    cot = torch.rand(*out.shape, generator=gen) * 2 - 1
    grads = torch.autograd.grad((out * cot).sum(), list(inputs.values()))
    enc = lambda t: {"shape": list(t.shape), "data": t.detach().reshape(-1).tolist()}
    return {
        "name": name,
        "fn": fn,
        "args": args,
        "opts": opts,
        "inputs": {k: enc(v) for k, v in inputs.items()},
        "out": enc(out),
        "cotangent": enc(cot),
        "grads": {k: enc(g) for k, g in zip(inputs.keys(), grads)},
    }


X = "x"
W = "weight"
B = "bias"
cases = [
    # conv2d
    case("conv2d basic with bias", "conv2d", {X: (2, 3, 6, 7), W: (4, 3, 3, 3), B: (4,)}),
    case("conv2d stride 2, padding 1", "conv2d", {X: (2, 3, 7, 6), W: (5, 3, 3, 3), B: (5,)}, {"stride": 2, "padding": 1}),
    case("conv2d per-axis stride, padding, dilation", "conv2d", {X: (1, 2, 8, 7), W: (3, 2, 3, 2)}, {"stride": [2, 1], "padding": [1, 2], "dilation": [2, 1]}),
    case("conv2d padding same, even kernel", "conv2d", {X: (2, 2, 6, 5), W: (3, 2, 4, 2), B: (3,)}, {"padding": "same"}),
    case("conv2d padding same, dilation 2", "conv2d", {X: (1, 2, 7, 7), W: (2, 2, 3, 3)}, {"padding": "same", "dilation": 2}),
    case("conv2d padding valid", "conv2d", {X: (1, 3, 5, 6), W: (2, 3, 2, 3)}, {"padding": "valid"}),
    case("conv2d groups 2", "conv2d", {X: (2, 4, 5, 5), W: (6, 2, 3, 3), B: (6,)}, {"groups": 2, "padding": 1}),
    case("conv2d depthwise (groups = channels), stride 2", "conv2d", {X: (2, 4, 6, 6), W: (8, 1, 3, 3)}, {"groups": 4, "stride": 2}),
    case("conv2d 1x1 kernel", "conv2d", {X: (2, 3, 4, 5), W: (4, 3, 1, 1), B: (4,)}),
    case("conv2d unbatched", "conv2d", {X: (3, 5, 5), W: (2, 3, 3, 3), B: (2,)}, {"padding": 1}),
    case("conv2d kernel as large as the padded input", "conv2d", {X: (1, 1, 3, 3), W: (2, 1, 5, 5)}, {"padding": 1}),
    # conv1d
    case("conv1d stride 2, padding 1, bias", "conv1d", {X: (2, 3, 10), W: (4, 3, 3), B: (4,)}, {"stride": 2, "padding": 1}),
    case("conv1d dilation 2, padding same, groups 3", "conv1d", {X: (2, 3, 9), W: (6, 1, 3)}, {"dilation": 2, "padding": "same", "groups": 3}),
    case("conv1d unbatched", "conv1d", {X: (2, 7), W: (3, 2, 4)}),
    # convTranspose2d
    case("convTranspose2d stride 2, padding 1, outputPadding 1, bias", "convTranspose2d", {X: (2, 3, 4, 4), W: (3, 2, 3, 3), B: (2,)},
         {"stride": 2, "padding": 1, "outputPadding": 1}),
    case("convTranspose2d groups 2, dilation 2, per-axis stride", "convTranspose2d", {X: (1, 4, 3, 3), W: (4, 3, 2, 2), B: (6,)},
         {"groups": 2, "dilation": 2, "stride": [2, 1]}),
    case("convTranspose2d stride 1", "convTranspose2d", {X: (2, 2, 3, 4), W: (2, 3, 3, 2)}),
    case("convTranspose2d outputPadding below the dilation", "convTranspose2d", {X: (1, 2, 3, 3), W: (2, 2, 3, 3)},
         {"stride": 1, "dilation": 3, "outputPadding": 2}),
    # max pooling
    case("maxPool2d 2x2", "maxPool2d", {X: (2, 3, 6, 6)}, {}, [2]),
    case("maxPool2d kernel 3, stride 2, padding 1", "maxPool2d", {X: (1, 2, 7, 6)}, {"stride": 2, "padding": 1}, [3]),
    case("maxPool2d ceilMode", "maxPool2d", {X: (1, 2, 6, 7)}, {"stride": 2, "ceilMode": True}, [3]),
    case("maxPool2d dilation 2, per-axis kernel", "maxPool2d", {X: (1, 2, 8, 7)}, {"stride": 1, "dilation": 2}, [[2, 3]]),
    case("maxPool2d unbatched", "maxPool2d", {X: (2, 5, 5)}, {"stride": 2}, [2]),
    case("maxPool1d kernel 3, stride 2, padding 1, ceilMode", "maxPool1d", {X: (2, 3, 10)}, {"stride": 2, "padding": 1, "ceilMode": True}, [3]),
    # average pooling
    case("avgPool2d 2x2", "avgPool2d", {X: (2, 3, 6, 6)}, {}, [2]),
    case("avgPool2d padding 1, countIncludePad", "avgPool2d", {X: (1, 2, 7, 6)}, {"stride": 2, "padding": 1}, [3]),
    case("avgPool2d padding 1, countIncludePad false", "avgPool2d", {X: (1, 2, 7, 6)}, {"stride": 2, "padding": 1, "countIncludePad": False}, [3]),
    case("avgPool2d ceilMode, countIncludePad", "avgPool2d", {X: (1, 2, 6, 7)}, {"stride": 2, "padding": 1, "ceilMode": True}, [3]),
    case("avgPool2d ceilMode, countIncludePad false", "avgPool2d", {X: (1, 2, 6, 7)}, {"stride": 2, "ceilMode": True, "countIncludePad": False}, [3]),
    case("avgPool2d per-axis kernel and stride", "avgPool2d", {X: (2, 1, 5, 8)}, {"stride": [1, 2]}, [[2, 3]]),
    case("avgPool2d divisorOverride", "avgPool2d", {X: (1, 1, 4, 4)}, {"divisorOverride": 3}, [2]),
    # adaptive average pooling
    case("adaptiveAvgPool2d 7x7 to 3x3", "adaptiveAvgPool2d", {X: (2, 2, 7, 7)}, {}, [3]),
    case("adaptiveAvgPool2d 5x6 to 2x4", "adaptiveAvgPool2d", {X: (1, 3, 5, 6)}, {}, [[2, 4]]),
    case("adaptiveAvgPool2d global", "adaptiveAvgPool2d", {X: (2, 3, 4, 5)}, {}, [1]),
    case("adaptiveAvgPool2d upsampling", "adaptiveAvgPool2d", {X: (1, 1, 3, 2)}, {}, [[5, 4]]),
    # interpolation
    case("interpolate nearest to a size", "interpolate", {X: (1, 2, 4, 3)}, {"size": [7, 5]}),
    case("interpolate nearest scaleFactor 2", "interpolate", {X: (2, 1, 3, 3)}, {"scaleFactor": 2}),
    case("interpolate nearest scaleFactor 1.5", "interpolate", {X: (1, 1, 4, 5)}, {"scaleFactor": 1.5}),
    case("interpolate nearest downsampling", "interpolate", {X: (1, 1, 7, 6)}, {"size": [3, 4]}),
    case("interpolate nearest 1-D", "interpolate", {X: (2, 2, 5)}, {"size": 8}),
    case("interpolate bilinear to a size", "interpolate", {X: (1, 2, 4, 3)}, {"size": [7, 5], "mode": "bilinear"}),
    case("interpolate bilinear alignCorners", "interpolate", {X: (1, 2, 4, 3)}, {"size": [7, 5], "mode": "bilinear", "alignCorners": True}),
    case("interpolate bilinear scaleFactor 1.7", "interpolate", {X: (1, 1, 4, 5)}, {"scaleFactor": 1.7, "mode": "bilinear"}),
    case("interpolate bilinear downsampling", "interpolate", {X: (2, 1, 8, 6)}, {"scaleFactor": 0.5, "mode": "bilinear"}),
    case("interpolate bilinear downsampling alignCorners", "interpolate", {X: (1, 1, 7, 6)}, {"size": [3, 1], "mode": "bilinear", "alignCorners": True}),
]

json.dump({"torch": torch.__version__, "cases": cases}, sys.stdout, separators=(",", ":"))
sys.stdout.write("\n")
