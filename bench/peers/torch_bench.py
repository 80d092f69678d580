"""PyTorch (CPU) side of the tensorgrad benchmark: the task functions; bench_harness.py runs the job.

The MLP step is the loop a PyTorch user writes: nn.Sequential of Linear layers, F.cross_entropy,
loss.backward(), torch.optim.SGD. Threads: torch.set_num_threads for ATen's own kernels, and
OPENBLAS_NUM_THREADS (set by the caller) for the BLAS that Debian's build calls for matmul.
"""

import ctypes
import os
import sys

from bench_harness import emit, mlp_problem, serve

try:
    import torch
    import torch.nn.functional as F
except Exception as exc:  # reported as a load error by the caller
    emit({"type": "loadError", "error": f"import torch failed: {exc}"})
    sys.exit(0)


def blas_info():
    """Which BLAS a float32 matmul ran on. Debian's torch links the system libblas.so.3; without
    libopenblas0-pthread that is the reference BLAS, some 50× slower, so the row says so."""
    torch.ones(64, 64) @ torch.ones(64, 64)
    with open("/proc/self/maps") as f:
        libs = sorted({line.split()[-1] for line in f if "blas" in line and "/" in line})
    openblas = [lib for lib in libs if "libopenblas" in lib]
    if not openblas:
        return f"no OpenBLAS loaded (slow reference BLAS? {', '.join(libs) or 'no BLAS library mapped'})"
    try:
        lib = ctypes.CDLL(openblas[0])
        lib.openblas_get_config.restype = ctypes.c_char_p
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return (
            # The config string starts "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ...": keep the version.
            f"{' '.join(lib.openblas_get_config().decode().split()[:2])} ({lib.openblas_get_corename().decode()} kernels, "
            f"{lib.openblas_get_num_threads()} BLAS threads)"
        )
    except (OSError, AttributeError):
        return os.path.basename(openblas[0])


def setup(threads):
    torch.set_num_threads(threads or os.cpu_count() or 1)
    details = f"PyTorch {torch.__version__}, {torch.get_num_threads()} ATen threads, BLAS {blas_info()}"
    if os.environ.get("OPENBLAS_CORETYPE"):
        details += f", OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']}"
    return details


def prep_matmul(p):
    n = int(p["n"])
    g = torch.Generator().manual_seed(1000 + n)
    a = torch.rand(n, n, generator=g) * 2 - 1
    b = torch.rand(n, n, generator=g) * 2 - 1
    return (lambda: torch.matmul(a, b)), (None, None)


def prep_mlp(p):
    prob = mlp_problem(p)
    inputs, hidden, classes, batch = prob["sizes"]

    def f32(values, *shape):
        return torch.tensor(values, dtype=torch.float64).to(torch.float32).reshape(*shape)

    x = f32(prob["x"], batch, inputs)
    labels = torch.tensor(prob["labels"], dtype=torch.int64)
    model = torch.nn.Sequential(torch.nn.Linear(inputs, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, classes))
    with torch.no_grad():
        # nn.Linear keeps weight as [out, in]: the shared problem's [in, out] transposed.
        model[0].weight.copy_(f32(prob["w1"], inputs, hidden).T)
        model[0].bias.zero_()
        model[2].weight.copy_(f32(prob["w2"], hidden, classes).T)
        model[2].bias.zero_()
    opt = torch.optim.SGD(model.parameters(), lr=float(p["lr"]))
    # every implementation restarts from the initial parameters after the same number of steps
    # (bench/data.ts, MlpSpec.restartEvery)
    initial = [w.detach().clone() for w in model.parameters()]
    restart_every = int(p["restartEvery"])
    steps = 0

    def step():
        nonlocal steps
        steps += 1
        if steps % restart_every == 0:
            with torch.no_grad():
                for w, w0 in zip(model.parameters(), initial):
                    w.copy_(w0)
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), labels).backward()
        opt.step()

    def loss():
        with torch.no_grad():
            return float(F.cross_entropy(model(x), labels))

    return step, (loss(), loss)


def prep_overhead(p):
    ops = int(p["ops"])
    a = torch.tensor([1, 2, 3, 4], dtype=torch.float32)
    b = torch.tensor([5, 6, 7, 8], dtype=torch.float32)
    add = torch.add

    def run():
        for _ in range(ops):
            add(a, b)

    return run, (None, None)


if __name__ == "__main__":
    from torch_conv import prep_cnn, prep_conv

    serve(setup, {"matmul": prep_matmul, "mlp": prep_mlp, "overhead": prep_overhead, "conv": prep_conv, "cnn": prep_cnn})
