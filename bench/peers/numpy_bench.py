"""NumPy side of the tensorgrad benchmark: the task functions; bench_harness.py runs the job.
Threads are set by the caller through OPENBLAS_NUM_THREADS (NumPy has no thread setting of its own).
"""

import sys

from bench_harness import emit, mlp_problem, serve

try:
    import numpy as np
except Exception as exc:  # reported as a load error by the caller
    emit({"type": "loadError", "error": f"import numpy failed: {exc}"})
    sys.exit(0)


def f32(values, shape):
    return np.array(values, dtype=np.float64).astype(np.float32).reshape(shape)


def blas_info():
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:
        return "unknown BLAS"


def setup(_threads):
    return f"NumPy {np.__version__}, {blas_info()}"


def prep_matmul(p):
    n = int(p["n"])
    rng = np.random.default_rng(1000 + n)
    a = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    b = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    return (lambda: np.matmul(a, b)), (None, None)


def prep_mlp(p):
    prob = mlp_problem(p)
    inputs, hidden, classes, batch = prob["sizes"]
    x = f32(prob["x"], (batch, inputs))
    y = np.zeros((batch, classes), dtype=np.float32)
    y[np.arange(batch), prob["labels"]] = 1
    w1 = f32(prob["w1"], (inputs, hidden))
    w2 = f32(prob["w2"], (hidden, classes))
    b1 = np.zeros(hidden, np.float32)
    b2 = np.zeros(classes, np.float32)
    lr = np.float32(p["lr"])
    inv_batch = np.float32(1.0 / batch)
    # every implementation restarts from the initial parameters after the same number of steps
    # (bench/data.ts, MlpSpec.restartEvery)
    initial = [w.copy() for w in (w1, b1, w2, b2)]
    restart_every = int(p["restartEvery"])
    steps = 0

    def forward():
        pre = x @ w1 + b1
        h = np.maximum(pre, 0)
        logits = h @ w2 + b2
        shifted = logits - logits.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return pre, h, logp

    def step():
        nonlocal w1, b1, w2, b2, steps
        steps += 1
        if steps % restart_every == 0:
            for w, w0 in zip((w1, b1, w2, b2), initial):
                w[...] = w0
        pre, h, logp = forward()
        dlogits = (np.exp(logp) - y) * inv_batch
        dw2 = h.T @ dlogits
        db2 = dlogits.sum(axis=0)
        dh = (dlogits @ w2.T) * (pre > 0)
        dw1 = x.T @ dh
        db1 = dh.sum(axis=0)
        w1 -= lr * dw1
        b1 -= lr * db1
        w2 -= lr * dw2
        b2 -= lr * db2

    def loss():
        _, _, logp = forward()
        return float(-(logp * y).sum(axis=1).mean())

    return step, (loss(), loss)


def prep_overhead(p):
    ops = int(p["ops"])
    a = np.array([1, 2, 3, 4], dtype=np.float32)
    b = np.array([5, 6, 7, 8], dtype=np.float32)
    add = np.add

    def run():
        for _ in range(ops):
            add(a, b)

    return run, (None, None)


if __name__ == "__main__":
    serve(setup, {"matmul": prep_matmul, "mlp": prep_mlp, "overhead": prep_overhead})
