"""Values and gradients of scans, sorting, shape and indexing operations (cumsum … einsum, index)
for test/reference/ops-b.test.ts, computed with PyTorch in float64: random inputs of several
shapes (0-d, size-1 axes, empty axes where PyTorch allows them, negative axes) and edge values
(ties, ±inf, NaN, zeros).

Regenerate with Debian bookworm's PyTorch 1.13 (apt-get install --no-install-recommends python3-torch):
    /usr/bin/python3 test/reference/make-ops-b-reference.py > test/reference/ops-b.json

Each case names an operation (the test maps the same name to tensorgrad), its inputs, the outputs
(a list: sort gives values and indices) and the gradient of Σₖ cₖ·outₖ with respect to every
float input, with the cotangent c = 1, 2, 3, … over each float output (so a gradient sent to the
wrong entry shows); `grads` is null where an input holds ±inf or NaN (the values are compared,
not the gradients). Non-finite numbers are written as "inf", "-inf", "nan"; torch's int64
results as int32, tensorgrad's integer type.
"""
import json
import math
import sys

import torch

torch.set_default_dtype(torch.float64)
gen = torch.Generator().manual_seed(1234)
INF = math.inf
NAN = math.nan
I64 = torch.int64


def r(*shape, lo=-2.0, hi=2.0):
    return torch.rand(shape, generator=gen) * (hi - lo) + lo


def ints(values):
    return torch.tensor(values, dtype=I64)


def distinct(*shape):
    """Random values without ties (a permutation of a grid), so index results are unambiguous."""
    n = 1
    for d in shape:
        n *= d
    perm = torch.randperm(n, generator=gen).to(torch.float64)
    return (perm / max(n, 1) * 4 - 2 + 0.01).reshape(shape)


OPS = {
    # scans
    "cumsum(0)": lambda x: torch.cumsum(x, 0),
    "cumsum(1)": lambda x: torch.cumsum(x, 1),
    "cumsum(-1)": lambda x: torch.cumsum(x, -1),
    "cumsum(-2)": lambda x: torch.cumsum(x, -2),
    "cumprod(0)": lambda x: torch.cumprod(x, 0),
    "cumprod(1)": lambda x: torch.cumprod(x, 1),
    "cumprod(-1)": lambda x: torch.cumprod(x, -1),
    "logcumsumexp(0)": lambda x: torch.logcumsumexp(x, 0),
    "logcumsumexp(-1)": lambda x: torch.logcumsumexp(x, -1),
    "logcumsumexp(1)": lambda x: torch.logcumsumexp(x, 1),
    "cummax(0)": lambda x: tuple(torch.cummax(x, 0)),
    "cummax(-1)": lambda x: tuple(torch.cummax(x, -1)),
    "cummin(0)": lambda x: tuple(torch.cummin(x, 0)),
    "cummin(1)": lambda x: tuple(torch.cummin(x, 1)),
    # sorting
    "sort": lambda x: tuple(torch.sort(x, stable=True)),
    "sort(0)": lambda x: tuple(torch.sort(x, dim=0, stable=True)),
    "sort(-1, descending)": lambda x: tuple(torch.sort(x, dim=-1, descending=True, stable=True)),
    "argsort(0)": lambda x: torch.sort(x, dim=0, stable=True)[1],
    "argsort(-1, descending)": lambda x: torch.sort(x, dim=-1, descending=True, stable=True)[1],
    "topk(2)": lambda x: tuple(torch.topk(x, 2)),
    "topk(1, 0)": lambda x: tuple(torch.topk(x, 1, 0)),
    "topk(3, -1, smallest)": lambda x: tuple(torch.topk(x, 3, -1, largest=False)),
    "topk(0)": lambda x: tuple(torch.topk(x, 0)),
    "median": lambda x: torch.median(x),
    "median(1)": lambda x: tuple(torch.median(x, 1)),
    "median(-1, keepdim)": lambda x: tuple(torch.median(x, -1, keepdim=True)),
    "quantile(0.3)": lambda x: torch.quantile(x, 0.3),
    "quantile([0.25, 0.5, 1], 1)": lambda x: torch.quantile(x, torch.tensor([0.25, 0.5, 1.0]), 1),
    # shape
    "tril": lambda x: torch.tril(x),
    "tril(-1)": lambda x: torch.tril(x, -1),
    "triu(1)": lambda x: torch.triu(x, 1),
    "triu(-2)": lambda x: torch.triu(x, -2),
    "diag": lambda x: torch.diag(x),
    "diag(1)": lambda x: torch.diag(x, 1),
    "diag(-2)": lambda x: torch.diag(x, -2),
    "diagonal": lambda x: torch.diagonal(x),
    "diagonal(1, 0, 2)": lambda x: torch.diagonal(x, 1, 0, 2),
    "diagonal(-1, -1, -2)": lambda x: torch.diagonal(x, -1, -1, -2),
    "roll(1)": lambda x: torch.roll(x, 1),
    "roll(-2, 1)": lambda x: torch.roll(x, -2, 1),
    "roll([1, 5], [0, -1])": lambda x: torch.roll(x, (1, 5), (0, -1)),
    "flip([0])": lambda x: torch.flip(x, [0]),
    "flip([0, -1])": lambda x: torch.flip(x, [0, -1]),
    "tile([2])": lambda x: torch.tile(x, (2,)),
    "tile([2, 1, 3])": lambda x: torch.tile(x, (2, 1, 3)),
    "repeat([2, 3])": lambda x: x.repeat(2, 3),
    "repeat([2, 1, 2])": lambda x: x.repeat(2, 1, 2),
    "repeatInterleave(2)": lambda x: torch.repeat_interleave(x, 2),
    "repeatInterleave(3, 1)": lambda x: torch.repeat_interleave(x, 3, 1),
    "repeatInterleave([1, 0, 2], 0)": lambda x: torch.repeat_interleave(x, ints([1, 0, 2]), 0),
    "chunk(2)": lambda x: tuple(torch.chunk(x, 2)),
    "chunk(3, -1)": lambda x: tuple(torch.chunk(x, 3, -1)),
    "unbind(1)": lambda x: tuple(torch.unbind(x, 1)),
    "movedim(0, -1)": lambda x: torch.movedim(x, 0, -1),
    "movedim([0, 1], [2, 0])": lambda x: torch.movedim(x, (0, 1), (2, 0)),
    "meshgrid ij": lambda a, b: tuple(torch.meshgrid(a, b, indexing="ij")),
    "meshgrid xy": lambda a, b, c: tuple(torch.meshgrid(a, b, c, indexing="xy")),
    # einsum
    "einsum ij,jk->ik": lambda a, b: torch.einsum("ij,jk->ik", a, b),
    "einsum bij,bjk->bik": lambda a, b: torch.einsum("bij,bjk->bik", a, b),
    "einsum ii->i": lambda a: torch.einsum("ii->i", a),
    "einsum ii": lambda a: torch.einsum("ii", a),
    "einsum ij->": lambda a: torch.einsum("ij->", a),
    "einsum ij->ji": lambda a: torch.einsum("ij->ji", a),
    "einsum i,j->ij": lambda a, b: torch.einsum("i,j->ij", a, b),
    "einsum i,i->": lambda a, b: torch.einsum("i,i->", a, b),
    "einsum bhqd,bhkd->bhqk": lambda a, b: torch.einsum("bhqd,bhkd->bhqk", a, b),
    "einsum ...ij,...jk->...ik": lambda a, b: torch.einsum("...ij,...jk->...ik", a, b),
    "einsum ij,jk,kl->il": lambda a, b, c: torch.einsum("ij,jk,kl->il", a, b, c),
    "einsum iij,jk": lambda a, b: torch.einsum("iij,jk", a, b),
    "einsum bn,anm,bm->ba": lambda a, b, c: torch.einsum("bn,anm,bm->ba", a, b, c),
    "einsum i...->...": lambda a: torch.einsum("i...->...", a),
    "einsum ...ij->ij": lambda a: torch.einsum("...ij->ij", a),
    "einsum i...->i": lambda a: torch.einsum("i...->i", a),
    "einsum ij,ij->ij": lambda a, b: torch.einsum("ij,ij->ij", a, b),
    "einsum bij,bjk": lambda a, b: torch.einsum("bij,bjk", a, b),
    "einsum b i j , b j k -> b i k": lambda a, b: torch.einsum("b i j , b j k -> b i k", a, b),
    "einsum Ab,bC->CA": lambda a, b: torch.einsum("Ab,bC->CA", a, b),
    # indexing
    "scatter(1)": lambda x, i, s: torch.scatter(x, 1, i, s),
    "scatter(0)": lambda x, i, s: torch.scatter(x, 0, i, s),
    "scatter(-1, 2.5)": lambda x, i: torch.scatter(x, -1, i, 2.5),
    "maskedFill(-inf)": lambda x, m: x.masked_fill(m, -INF),
    "maskedFill(3)": lambda x, m: x.masked_fill(m, 3.0),
    "maskedFill(tensor)": lambda x, m, v: x.masked_fill(m, v),
    "maskedSelect": lambda x, m: torch.masked_select(x, m),
    "nonzero": lambda x: torch.nonzero(x),
    "index [i]": lambda x, i: x[i],
    "index [null, i]": lambda x, i: x[:, i],
    "index [i, j]": lambda x, i, j: x[i, j],
    "index [null, i, j]": lambda x, i, j: x[:, i, j],
    "index [i, null, j]": lambda x, i, j: x[i, :, j],
    # NumPy's rule, which tensorgrad follows: a number beside an index tensor is an advanced index
    # too (here non-adjacent, so the broadcast axes come first); torch applies the number as a
    # basic index first, so the reference spells it as a broadcast index tensor
    "index [1, null, j]": lambda x, j: x[torch.ones_like(j), :, j],
    "index [null, 1, j]": lambda x, j: x[:, 1, j],
    "index [-1, 0]": lambda x: x[-1, 0],
    "scatter(0) of 0-d": lambda x, i, s: torch.scatter(x, 0, i, s),
    "topk(1) of 0-d": lambda x: tuple(torch.topk(x, 1)),
    "diagonal(0, 2, 0)": lambda x: torch.diagonal(x, 0, 2, 0),
}

CASES = [
    # scans: shapes incl. 0-d, size-1 and empty axes, negative axes
    ("cumsum(0)", [r(5)]),
    ("cumsum(1)", [r(3, 4)]),
    ("cumsum(-2)", [r(2, 3, 4)]),
    ("cumsum(0)", [r()]),
    ("cumsum(-1)", [r(1, 4)]),
    ("cumsum(1)", [r(3, 0)]),
    ("cumsum(0)", [r(0, 3)]),
    ("cumsum(-1)", [torch.tensor([1.0, INF, -INF, 2.0])]),
    ("cumsum(0)", [ints([3, -1, 4, 1])]),
    ("cumprod(0)", [r(5)]),
    ("cumprod(1)", [r(3, 4)]),
    ("cumprod(-1)", [r(2, 1, 3)]),
    ("cumprod(0)", [r()]),
    ("cumprod(-1)", [r(2, 0)]),
    ("cumprod(0)", [torch.tensor([2.0, 0.0, 3.0, 0.0, 4.0])]),
    ("cumprod(1)", [torch.tensor([[0.0, 2.0, 3.0], [1.5, 0.0, -2.0], [1.0, 2.0, 0.0], [0.0, 0.0, 0.0]])]),
    ("cumprod(0)", [ints([2, -3, 4])]),
    ("logcumsumexp(0)", [r(6)]),
    ("logcumsumexp(1)", [r(3, 4)]),
    ("logcumsumexp(-1)", [r(2, 3, 1)]),
    ("logcumsumexp(0)", [r()]),
    ("logcumsumexp(0)", [torch.tensor([-800.0, 0.0, -1000.0, 700.0])]),
    ("logcumsumexp(-1)", [torch.tensor([-INF, -INF, 0.0, 1.0])]),
    # long axes (the O(n) rules): a wide range of magnitudes, and zeros in cumprod
    ("logcumsumexp(0)", [r(150, 2, lo=-300.0, hi=300.0)]),
    ("logcumsumexp(-1)", [r(2, 100)]),
    ("cumprod(1)", [torch.where(torch.rand((3, 120), generator=gen) < 0.02, 0.0, r(3, 120, lo=0.7, hi=1.3))]),
    ("cumprod(0)", [r(90, lo=0.8, hi=1.2)]),
    ("logcumsumexp(-1)", [torch.tensor([0.0, INF, 1.0, NAN, 2.0])]),
    ("cummax(0)", [r(6)]),
    ("cummax(-1)", [r(3, 5)]),
    ("cummin(1)", [r(2, 4, 3)]),
    ("cummin(0)", [r()]),
    ("cummax(-1)", [r(2, 0)]),
    ("cummax(0)", [torch.tensor([1.0, 3.0, 3.0, 2.0, 3.0, 5.0])]),
    ("cummin(0)", [torch.tensor([2.0, 1.0, 1.0, 4.0, 1.0])]),
    ("cummax(0)", [torch.tensor([1.0, 3.0, 3.0, 2.0, NAN, 5.0, NAN, 1.0])]),
    ("cummin(0)", [torch.tensor([1.0, -INF, 0.0, NAN, -INF])]),
    ("cummax(-1)", [ints([[1, 3, 2], [5, 5, 4]])]),
    # sorting
    ("sort", [r(7)]),
    ("sort(0)", [r(4, 3)]),
    ("sort(-1, descending)", [r(2, 3, 5)]),
    ("sort", [r()]),
    ("sort", [r(3, 1)]),
    ("sort", [r(2, 0)]),
    ("sort", [torch.tensor([3.0, NAN, 1.0, INF, -INF, 1.0, NAN, 3.0])]),
    ("sort(-1, descending)", [torch.tensor([3.0, NAN, 1.0, INF, -INF, 1.0, NAN, 3.0])]),
    ("sort", [ints([[4, 1, 4, 0], [2, 2, 2, 2]])]),
    ("sort(-1, descending)", [torch.tensor([[1.0, 2.0, 2.0, 0.0, 2.0], [0.0, 0.0, -1.0, -1.0, 0.0]])]),
    ("sort(0)", [torch.tensor([[1.0, 2.0], [1.0, 2.0], [0.0, 2.0]])]),
    ("argsort(0)", [r(5, 2)]),
    ("argsort(-1, descending)", [torch.tensor([[1.0, 2.0, 2.0, 0.0], [NAN, 0.0, NAN, -1.0]])]),
    ("topk(2)", [distinct(3, 5)]),
    ("topk(1, 0)", [distinct(4, 3)]),
    ("topk(3, -1, smallest)", [distinct(2, 2, 6)]),
    ("topk(2)", [distinct(2)]),
    ("topk(0)", [r(3)]),
    ("topk(2)", [torch.tensor([3.0, NAN, 1.0, INF, -INF])]),
    ("topk(3, -1, smallest)", [torch.tensor([3.0, NAN, 1.0, INF, -INF])]),
    ("median", [distinct(7)]),
    ("median", [distinct(2, 3)]),
    ("median(1)", [distinct(3, 4)]),
    ("median(-1, keepdim)", [distinct(2, 5)]),
    ("median(1)", [torch.tensor([[1.0, NAN, 3.0, 2.0], [4.0, 1.0, 2.0, 3.0]])]),
    ("median(1)", [torch.tensor([[1.0, 2.0, 2.0, 3.0], [5.0, 5.0, 5.0, 5.0], [2.0, 1.0, 1.0, 2.0]])]),
    ("quantile(0.3)", [torch.tensor([[1.0, 1.0, 2.0], [2.0, 0.0, 1.0]])]),
    ("quantile(0.3)", [distinct(3, 4)]),
    ("quantile([0.25, 0.5, 1], 1)", [distinct(2, 5)]),
    # shape
    ("tril", [r(3, 3)]),
    ("tril(-1)", [r(2, 3, 4)]),
    ("triu(1)", [r(4, 3)]),
    ("triu(-2)", [r(1, 2, 5, 5)]),
    ("tril", [r(0, 3)]),
    ("tril", [torch.tensor([[1.0, INF], [NAN, -INF]])]),
    ("diag", [r(3)]),
    ("diag(1)", [r(3)]),
    ("diag(-2)", [r(2)]),
    ("diag", [r(3, 4)]),
    ("diag(1)", [r(4, 3)]),
    ("diag(-2)", [r(4, 3)]),
    ("diag", [r(0)]),
    ("diagonal", [r(3, 4)]),
    ("diagonal(1, 0, 2)", [r(3, 2, 4)]),
    ("diagonal(-1, -1, -2)", [r(2, 3, 4)]),
    ("diagonal(1, 0, 2)", [r(2, 3, 1)]),
    ("roll(1)", [r(2, 3)]),
    ("roll(-2, 1)", [r(2, 3)]),
    ("roll([1, 5], [0, -1])", [r(3, 2, 4)]),
    ("roll(1)", [r()]),
    ("flip([0])", [r(4)]),
    ("flip([0, -1])", [r(2, 3, 4)]),
    ("flip([0])", [r(0, 2)]),
    ("tile([2])", [r(3)]),
    ("tile([2])", [r(2, 3)]),
    ("tile([2, 1, 3])", [r(2, 2)]),
    ("tile([2])", [r()]),
    ("repeat([2, 3])", [r(2)]),
    ("repeat([2, 1, 2])", [r(3, 2)]),
    ("repeatInterleave(2)", [r(2, 2)]),
    ("repeatInterleave(3, 1)", [r(2, 3)]),
    ("repeatInterleave([1, 0, 2], 0)", [r(3, 2)]),
    ("chunk(2)", [r(5, 2)]),
    ("chunk(3, -1)", [r(2, 7)]),
    ("chunk(2)", [r(1, 3)]),
    ("unbind(1)", [r(2, 3)]),
    ("movedim(0, -1)", [r(2, 3, 4)]),
    ("movedim([0, 1], [2, 0])", [r(2, 3, 4)]),
    ("meshgrid ij", [r(3), r(2)]),
    ("meshgrid xy", [r(3), r(2), r(4)]),
    # einsum
    ("einsum ij,jk->ik", [r(3, 4), r(4, 2)]),
    ("einsum bij,bjk->bik", [r(2, 3, 4), r(2, 4, 5)]),
    ("einsum ii->i", [r(3, 3)]),
    ("einsum ii", [r(4, 4)]),
    ("einsum ij->", [r(2, 3)]),
    ("einsum ij->ji", [r(2, 3)]),
    ("einsum i,j->ij", [r(3), r(2)]),
    ("einsum i,i->", [r(5), r(5)]),
    ("einsum bhqd,bhkd->bhqk", [r(2, 2, 3, 4), r(2, 2, 5, 4)]),
    ("einsum ...ij,...jk->...ik", [r(2, 1, 3, 4), r(5, 4, 2)]),
    ("einsum ...ij,...jk->...ik", [r(3, 4), r(4, 2)]),
    ("einsum ij,jk,kl->il", [r(2, 3), r(3, 4), r(4, 2)]),
    ("einsum iij,jk", [r(3, 3, 2), r(2, 4)]),
    ("einsum bn,anm,bm->ba", [r(2, 3), r(4, 3, 5), r(2, 5)]),
    ("einsum i...->...", [r(3, 2, 2)]),
    ("einsum ij,jk->ik", [r(2, 0), r(0, 3)]),
    ("einsum ...ij->ij", [r(2, 3, 4)]),
    ("einsum i...->i", [r(2, 3, 4)]),
    ("einsum ij,ij->ij", [r(2, 1), r(2, 3)]),
    ("einsum bij,bjk", [r(1, 2, 3), r(4, 3, 2)]),
    ("einsum b i j , b j k -> b i k", [r(2, 2, 3), r(2, 3, 1)]),
    ("einsum Ab,bC->CA", [r(2, 3), r(3, 4)]),
    # indexing
    ("scatter(1)", [r(3, 4), ints([[3, 0], [1, 2], [2, 0]]), r(3, 2)]),
    ("scatter(0)", [r(4, 3), ints([[1, 3, 0], [0, 2, 3]]), r(2, 3)]),
    ("scatter(1)", [r(3, 4), ints([[2], [0]]), r(2, 1)]),
    ("scatter(-1, 2.5)", [r(2, 3), ints([[0, 2], [1, 1]])]),
    ("maskedFill(-inf)", [r(3, 3), torch.rand((3, 3), generator=gen) > 0.5]),
    ("maskedFill(3)", [r(2, 3), torch.tensor([True, False, True])]),
    ("maskedFill(tensor)", [r(2, 3), torch.tensor([[True], [False]]), torch.tensor(-1.5)]),
    ("maskedFill(3)", [r(), torch.tensor(True)]),
    ("maskedSelect", [r(3, 4), torch.rand((3, 4), generator=gen) > 0.4]),
    ("maskedSelect", [r(2, 3), torch.tensor([False, True, True])]),
    ("maskedSelect", [r(1, 3), torch.rand((2, 1), generator=gen) > -1]),
    ("nonzero", [torch.tensor([[0.0, 1.0, 0.0], [NAN, 0.0, -2.0]])]),
    ("nonzero", [torch.tensor([True, False, True, True])]),
    ("nonzero", [torch.zeros(2, 0)]),
    ("nonzero", [torch.tensor(3.0)]),
    ("index [i]", [r(4, 3), ints([3, 0, -1, 3])]),
    ("index [null, i]", [r(2, 4), ints([[0, 1], [3, -2]])]),
    ("index [i, j]", [r(3, 4), ints([0, 2, 2]), ints([1, -1, 0])]),
    ("index [i, j]", [r(3, 4), ints([[0], [2]]), ints([1, 3, 0])]),
    ("index [null, i, j]", [r(2, 3, 4), ints([0, 2]), ints([3, 1])]),
    ("index [i, null, j]", [r(3, 2, 4), ints([0, 2]), ints([3, 1])]),
    ("index [1, null, j]", [r(3, 2, 4), ints([[0, 3], [1, 1]])]),
    ("index [null, 1, j]", [r(2, 3, 4), ints([0, 3, 3])]),
    ("index [-1, 0]", [r(3, 4, 2)]),
    ("index [i]", [r(4, 3), ints([])]),
    ("scatter(0) of 0-d", [r(), torch.tensor(0), r()]),
    ("topk(1) of 0-d", [r()]),
    ("median", [r()]),
    ("quantile(0.3)", [r()]),
    ("diagonal(0, 2, 0)", [r(2, 3, 4)]),
    ("median(1)", [distinct(3, 1)]),
]


def fmt(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def describe(t):
    if t.dtype == torch.bool:
        dtype, data = "bool", [bool(v) for v in t.flatten().tolist()]
    elif t.dtype in (torch.int64, torch.int32):
        dtype, data = "int32", [int(v) for v in t.flatten().tolist()]
    else:
        dtype, data = "float64", [fmt(float(v)) for v in t.flatten().tolist()]
    return {"dtype": dtype, "shape": list(t.shape), "data": data}


def run(name, inputs):
    ins = [x.clone().requires_grad_(x.dtype == torch.float64) for x in inputs]
    out = OPS[name](*ins)
    outs = list(out) if isinstance(out, tuple) else [out]
    floats = [o for o in outs if o.dtype == torch.float64 and o.requires_grad]
    finite = all(torch.isfinite(x).all() for x in inputs if x.dtype == torch.float64)
    wrt = [x for x in ins if x.requires_grad]
    grads = None
    if finite and wrt:
        loss = sum(((torch.arange(o.numel()) + 1.0).reshape(o.shape) * o).sum() for o in floats) if floats else None
        if loss is not None:
            gs = torch.autograd.grad(loss, wrt, allow_unused=True)
            grads = [describe(g if g is not None else torch.zeros_like(x)) for g, x in zip(gs, wrt)]
        else:
            grads = [describe(torch.zeros_like(x)) for x in wrt]
    return {
        "op": name,
        "inputs": [describe(x) for x in inputs],
        "outputs": [describe(o.detach()) for o in outs],
        "grads": grads,
    }


json.dump({"torch": torch.__version__, "cases": [run(n, i) for n, i in CASES]}, sys.stdout, indent=None)
sys.stdout.write("\n")
