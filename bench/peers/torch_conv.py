"""PyTorch (CPU) convolution tasks of the tensorgrad benchmark (bench/workloads/conv.ts), with the
same inputs: the conv2d forward and backward pass of one batch, and a training step of the cnn
experiment's network written the way a PyTorch user writes it (nn.Sequential, F.cross_entropy,
backward, SGD with Nesterov momentum)."""

import math

import torch
import torch.nn.functional as F

from bench_harness import mulberry32, uniform


def _t(values, *shape):
    return torch.tensor(values, dtype=torch.float64).to(torch.float32).reshape(*shape)


def prep_conv(p):
    n, c, h, w, f, k, pad = (int(p[key]) for key in ("n", "c", "h", "w", "f", "k", "pad"))
    rng = mulberry32(int(p["seed"]))
    oh, ow = h + 2 * pad - k + 1, w + 2 * pad - k + 1
    bound = 1 / math.sqrt(c * k * k)
    x = _t(uniform(rng, n * c * h * w, -1, 1), n, c, h, w).requires_grad_()
    weight = _t(uniform(rng, f * c * k * k, -bound, bound), f, c, k, k).requires_grad_()
    bias = _t(uniform(rng, f, -bound, bound), f).requires_grad_()
    g = _t(uniform(rng, n * f * oh * ow, -1, 1), n, f, oh, ow)

    if int(p.get("forwardOnly", 0)):
        def forward():
            with torch.no_grad():
                return F.conv2d(x, weight, bias, padding=pad)

        return forward, (float(forward().abs().sum()), None)

    def grads():
        y = F.conv2d(x, weight, bias, padding=pad)
        return torch.autograd.grad(y, (x, weight, bias), g)

    check = float(grads()[1].abs().sum())
    return grads, (check, None)


def prep_cnn(p):
    batch, c1, c2 = int(p["batch"]), int(p["c1"]), int(p["c2"])
    rng = mulberry32(int(p["seed"]))
    x = _t(uniform(rng, batch * 28 * 28, 0, 1), batch, 1, 28, 28)
    labels = torch.tensor([min(9, math.floor(rng() * 10)) for _ in range(batch)], dtype=torch.int64)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, c1, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(c1, c2, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(c2 * 49, 10),
    )
    fan_ins = [9, 9, c1 * 9, c1 * 9, c2 * 49, c2 * 49]
    with torch.no_grad():
        for param, fan in zip(model.parameters(), fan_ins):
            b = 1 / math.sqrt(fan)
            param.copy_(_t(uniform(rng, param.numel(), -b, b), *param.shape))
    opt = torch.optim.SGD(model.parameters(), lr=float(p["lr"]), momentum=0.9, nesterov=True)

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), labels).backward()
        opt.step()

    def loss():
        with torch.no_grad():
            return float(F.cross_entropy(model(x), labels))

    return step, (loss(), loss)
