"""NumPy side of the tensorgrad benchmark.

Reads {"timing": {...}, "tasks": [{"id", "kind", "params"}]} as JSON on stdin and writes one JSON
object per line on stdout: first {"type": "loaded", ...}, then {"type": "cell", ...} per task.
The timing protocol and the data generator mirror bench/harness.ts and bench/data.ts.
"""

import json
import math
import sys
import time

try:
    import numpy as np
except Exception as exc:  # reported as a load error by the caller
    print(json.dumps({"type": "loadError", "error": f"import numpy failed: {exc}"}), flush=True)
    sys.exit(0)

MASK = 0xFFFFFFFF


def emit(obj):
    print(json.dumps(obj), flush=True)


def mulberry32(seed):
    state = seed & MASK

    def imul(a, b):
        return (a * b) & MASK

    def nxt():
        nonlocal state
        state = (state + 0x6D2B79F5) & MASK
        a = state
        t = imul(a ^ (a >> 15), 1 | a)
        t = (((t + imul(t ^ (t >> 7), 61 | t)) & MASK) ^ t) & MASK
        return ((t ^ (t >> 14)) & MASK) / 4294967296.0

    return nxt


def uniform(rng, size, lo, hi):
    return np.array([lo + (hi - lo) * rng() for _ in range(size)], dtype=np.float64).astype(np.float32)


def blas_info():
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:
        return "unknown BLAS"


def measure(fn, timing):
    clock = time.perf_counter
    warm_calls = 0
    last = 0.0
    after_first = 0.0
    start = clock()
    while warm_calls < timing["minWarmupCalls"] or clock() - start < timing["warmupSeconds"]:
        t0 = clock()
        fn()
        last = clock() - t0
        if warm_calls > 0:
            after_first += last
        warm_calls += 1
        if last > timing["singleRunSeconds"]:
            break
    if last > timing["singleRunSeconds"]:
        t0 = clock()
        fn()
        t = clock() - t0
        return {"seconds": t, "samples": [t], "callsPerSample": 1, "warmupCalls": warm_calls, "note": "1 timed run (slow)"}
    per_call = max(after_first / (warm_calls - 1) if warm_calls > 1 else last, 1e-7)
    samples = timing["samples"]
    calls = int(timing["budgetSeconds"] // (samples * per_call))
    if calls < 1:
        calls = 1
        samples = max(timing["minSamples"], int(timing["budgetSeconds"] // per_call))
    times = []
    for _ in range(samples):
        t0 = clock()
        for _ in range(calls):
            fn()
        times.append((clock() - t0) / calls)
    s = sorted(times)
    m = len(s) // 2
    med = s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2
    return {"seconds": med, "samples": times, "callsPerSample": calls, "warmupCalls": warm_calls}


def prep_matmul(p):
    n = int(p["n"])
    rng = np.random.default_rng(1000 + n)
    a = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    b = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    return (lambda: np.matmul(a, b)), (None, None)


def mlp_problem(p):
    inputs, hidden, classes, batch = int(p["inputs"]), int(p["hidden"]), int(p["classes"]), int(p["batch"])
    rng = mulberry32(int(p["seed"]))
    labels = np.zeros(batch, dtype=np.int64)
    if p["data"] == "quadrant":
        x = uniform(rng, batch * inputs, -1, 1).reshape(batch, inputs)
        labels = (x[:, 0] < 0).astype(np.int64) + 2 * (x[:, 1] < 0).astype(np.int64)
    else:
        x = uniform(rng, batch * inputs, 0, 1).reshape(batch, inputs)
        for i in range(batch):
            labels[i] = min(classes - 1, math.floor(rng() * classes))
    onehot = np.zeros((batch, classes), dtype=np.float32)
    onehot[np.arange(batch), labels] = 1
    a1 = math.sqrt(6 / inputs)
    w1 = uniform(rng, inputs * hidden, -a1, a1).reshape(inputs, hidden)
    a2 = math.sqrt(3 / hidden)
    w2 = uniform(rng, hidden * classes, -a2, a2).reshape(hidden, classes)
    return x, onehot, w1, np.zeros(hidden, np.float32), w2, np.zeros(classes, np.float32)


def prep_mlp(p):
    x, y, w1, b1, w2, b2 = mlp_problem(p)
    lr = np.float32(p["lr"])
    inv_batch = np.float32(1.0 / x.shape[0])

    def forward():
        pre = x @ w1 + b1
        h = np.maximum(pre, 0)
        logits = h @ w2 + b2
        shifted = logits - logits.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return pre, h, logp

    def step():
        nonlocal w1, b1, w2, b2
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


PREP = {"matmul": prep_matmul, "mlp": prep_mlp, "overhead": prep_overhead}


def main():
    job = json.load(sys.stdin)
    emit({"type": "loaded", "details": f"NumPy {np.__version__}, {blas_info()}"})
    for task in job["tasks"]:
        try:
            fn, (check, final) = PREP[task["kind"]](task["params"])
            cell = measure(fn, job["timing"])
            if check is not None:
                cell["check"] = check
            if final is not None:
                cell["final"] = final()
            emit({"type": "cell", "id": task["id"], **cell})
        except Exception as exc:
            emit({"type": "cell", "id": task["id"], "error": f"{type(exc).__name__}: {exc}"})


if __name__ == "__main__":
    main()
