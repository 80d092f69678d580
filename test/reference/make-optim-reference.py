"""Reference trajectories for test/optim.test.ts, computed with PyTorch in float64.

Regenerate with Debian bookworm's PyTorch 1.13 (apt-get install --no-install-recommends python3-torch):
    /usr/bin/python3 test/reference/make-optim-reference.py > test/reference/optim-reference.json
PyTorch 1.13 runs its optimizers' single-tensor code path on CPU (foreach defaults to False).

Contents:
  problems    the two objectives, with their data and starting points
  runs        parameter values after each of STEPS optimizer steps, per (problem, optimizer config)
  schedules   learning rates of torch.optim.lr_scheduler schedulers over their first steps
  clip        clip_grad_norm_ results (total norm and clipped gradients) for several norm types
Option names are written in tensorgrad's camelCase so the test can pass them through unchanged.
"""
import json
import math
import sys

import torch

torch.set_default_dtype(torch.float64)
STEPS = 25

# f(x, y) = x² + 10y² from (−3, 2): one parameter tensor of shape [2]
QUAD_START = [-3.0, 2.0]

# least squares with two parameter tensors: mean((X Wᵀ + b − Y)²)
LSQ_X = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5], [-1.0, 2.0, 0.75], [0.0, -0.5, 1.25], [2.0, 1.0, -1.5]]
LSQ_Y = [[1.0, -2.0], [0.5, 0.0], [-1.5, 2.5], [0.25, 1.0], [3.0, -1.0]]
LSQ_W0 = [[0.1, -0.2, 0.3], [0.0, 0.4, -0.1]]
LSQ_B0 = [0.05, -0.05]


def quad_loss(params):
    (xy,) = params
    return xy[0] ** 2 + 10 * xy[1] ** 2


def lsq_loss(params):
    w, b = params
    x = torch.tensor(LSQ_X)
    y = torch.tensor(LSQ_Y)
    return ((x @ w.T + b - y) ** 2).mean()


PROBLEMS = {
    "quadratic": (lambda: [torch.tensor(QUAD_START, requires_grad=True)], quad_loss),
    "leastSquares": (
        lambda: [torch.tensor(LSQ_W0, requires_grad=True), torch.tensor(LSQ_B0, requires_grad=True)],
        lsq_loss,
    ),
}

CAMEL_TO_TORCH = {
    "lr": "lr", "momentum": "momentum", "dampening": "dampening", "nesterov": "nesterov",
    "weightDecay": "weight_decay", "maximize": "maximize", "betas": "betas", "eps": "eps",
    "amsgrad": "amsgrad", "alpha": "alpha", "centered": "centered", "lrDecay": "lr_decay",
    "initialAccumulatorValue": "initial_accumulator_value",
}

CONFIGS = [
    ("SGD", {"lr": 0.04}),
    ("SGD", {"lr": 0.02, "momentum": 0.9}),
    ("SGD", {"lr": 0.02, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.02, "momentum": 0.8, "dampening": 0.3, "weightDecay": 0.1}),
    ("SGD", {"lr": 0.04, "maximize": True}),
    ("Adam", {"lr": 0.1}),
    ("Adam", {"lr": 0.1, "betas": [0.8, 0.99], "eps": 1e-6, "weightDecay": 0.1, "amsgrad": True}),
    ("AdamW", {"lr": 0.1}),
    ("AdamW", {"lr": 0.1, "weightDecay": 0.5, "amsgrad": True}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": True, "weightDecay": 0.1}),
    ("Adagrad", {"lr": 0.5}),
    ("Adagrad", {"lr": 0.5, "lrDecay": 0.01, "weightDecay": 0.1, "initialAccumulatorValue": 0.1}),
]


def run(problem, opt_name, opts, groups=None):
    make, loss_fn = PROBLEMS[problem]
    params = make()
    kwargs = {CAMEL_TO_TORCH[k]: (tuple(v) if k == "betas" else v) for k, v in opts.items()}
    cls = getattr(torch.optim, opt_name)
    if groups is None:
        opt = cls(params, **kwargs)
    else:
        opt = cls([{"params": [params[i]], **{CAMEL_TO_TORCH[k]: v for k, v in g.items()}}
                   for i, g in enumerate(groups)], **kwargs)
    traj = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss_fn(params).backward()
        opt.step()
        traj.append([p.detach().flatten().tolist() for p in params])
    return traj


runs = []
for problem in PROBLEMS:
    for name, opts in CONFIGS:
        runs.append({"problem": problem, "optimizer": name, "opts": opts, "trajectory": run(problem, name, opts)})
# parameter groups: W and b with their own learning rates
runs.append({
    "problem": "leastSquares", "optimizer": "Adam", "opts": {"lr": 0.1},
    "groups": [{"lr": 0.05}, {"lr": 0.2}],
    "trajectory": run("leastSquares", "Adam", {"lr": 0.1}, groups=[{"lr": 0.05}, {"lr": 0.2}]),
})


def schedule(make, n):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=1.0, momentum=0.9)
    sched = make(opt)
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(n - 1):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    return lrs


S = torch.optim.lr_scheduler
schedules = [
    {"name": "stepLR", "opts": {"lr": 0.5, "stepSize": 3, "gamma": 0.5},
     "lrs": schedule(lambda o: (o.param_groups[0].update(lr=0.5), S.StepLR(o, step_size=3, gamma=0.5))[1], 12)},
    {"name": "exponentialLR", "opts": {"lr": 0.5, "gamma": 0.9},
     "lrs": schedule(lambda o: (o.param_groups[0].update(lr=0.5), S.ExponentialLR(o, gamma=0.9))[1], 12)},
    {"name": "cosineAnnealingLR", "opts": {"lr": 0.5, "tMax": 10, "etaMin": 0.01},
     "lrs": schedule(lambda o: (o.param_groups[0].update(lr=0.5), S.CosineAnnealingLR(o, T_max=10, eta_min=0.01))[1], 11)},
    {"name": "oneCycleLR", "opts": {"maxLr": 0.8, "totalSteps": 20},
     "lrs": schedule(lambda o: S.OneCycleLR(o, max_lr=0.8, total_steps=20), 20)},
    {"name": "oneCycleLR", "opts": {"maxLr": 0.8, "totalSteps": 17, "pctStart": 0.25, "annealStrategy": "linear",
                                    "divFactor": 10, "finalDivFactor": 100},
     "lrs": schedule(lambda o: S.OneCycleLR(o, max_lr=0.8, total_steps=17, pct_start=0.25, anneal_strategy="linear",
                                            div_factor=10, final_div_factor=100), 17)},
    {"name": "oneCycleLR", "opts": {"maxLr": 0.8, "totalSteps": 24, "threePhase": True},
     "lrs": schedule(lambda o: S.OneCycleLR(o, max_lr=0.8, total_steps=24, three_phase=True), 24)},
]

CLIP_GRADS = [[[0.5, -1.5, 2.0], [3.0, -0.25, 0.75]], [-4.0, 1.0]]
clip = []
for norm_type, max_norm in [(2, 1.0), (2, 100.0), (1, 2.0), (math.inf, 1.5), (3, 0.5)]:
    ps = [torch.zeros(2, 3, requires_grad=True), torch.zeros(2, requires_grad=True)]
    for p, g in zip(ps, CLIP_GRADS):
        p.grad = torch.tensor(g)
    total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
    clip.append({
        "normType": "Infinity" if norm_type == math.inf else norm_type, "maxNorm": max_norm,
        "totalNorm": total.item(), "clipped": [p.grad.flatten().tolist() for p in ps],
    })

json.dump({
    "torch": torch.__version__,
    "steps": STEPS,
    "problems": {
        "quadratic": {"start": QUAD_START},
        "leastSquares": {"x": LSQ_X, "y": LSQ_Y, "w0": LSQ_W0, "b0": LSQ_B0},
    },
    "runs": runs,
    "schedules": schedules,
    "clip": {"grads": CLIP_GRADS, "cases": clip},
}, sys.stdout, separators=(",", ":"))
print()
