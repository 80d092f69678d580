"""What the Python peers of the tensorgrad benchmark share: the job protocol, the timing protocol
and the seeded problems. Each peer (numpy_bench.py, torch_bench.py) supplies its task functions
and calls `serve`.

Protocol: the job {"timing": {...}, "threads": n | null, "tasks": [{"id", "kind", "params"}]}
arrives as JSON on stdin; one JSON object per line goes to stdout: {"type": "loaded", ...} first,
then {"type": "cell", ...} per task. The timing protocol and the data generator mirror
bench/harness.ts and bench/data.ts, so every row is measured alike and starts from the same data.
Pure Python (no NumPy), so a peer can run under an interpreter that has only its own library.
"""

import json
import math
import sys
import time

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
    """`size` float64 values in [lo, hi); rounded to float32 by the peer, as bench/data.ts does on store."""
    return [lo + (hi - lo) * rng() for _ in range(size)]


def mlp_problem(p):
    """The MLP problem of bench/data.ts `mlpProblem`: flat row-major lists and integer labels."""
    inputs, hidden, classes, batch = int(p["inputs"]), int(p["hidden"]), int(p["classes"]), int(p["batch"])
    rng = mulberry32(int(p["seed"]))
    if p["data"] == "quadrant":
        x = uniform(rng, batch * inputs, -1, 1)
        # The label comes from the float32 value, as in data.ts (the sign survives rounding).
        labels = [(1 if x[i * inputs] < 0 else 0) + (2 if x[i * inputs + 1] < 0 else 0) for i in range(batch)]
    else:
        x = uniform(rng, batch * inputs, 0, 1)
        labels = [min(classes - 1, math.floor(rng() * classes)) for _ in range(batch)]
    a1 = math.sqrt(6 / inputs)
    w1 = uniform(rng, inputs * hidden, -a1, a1)
    a2 = math.sqrt(3 / hidden)
    w2 = uniform(rng, hidden * classes, -a2, a2)
    return {"x": x, "labels": labels, "w1": w1, "w2": w2, "sizes": (inputs, hidden, classes, batch)}


def measure(fn, timing):
    """bench/harness.ts `measure`: warm-up in windows until the time per call is steady, then the
    median of samples of one or more calls."""
    clock = time.perf_counter
    warm_calls = 0
    last = 0.0
    start = clock()
    previous = math.inf
    per_call = 0.0
    while True:
        calls = 0
        spent = 0.0
        while calls == 0 or spent < timing["warmupWindowSeconds"]:
            t0 = clock()
            fn()
            last = clock() - t0
            spent += last
            calls += 1
            if last > timing["singleRunSeconds"]:
                break
        warm_calls += calls
        per_call = spent / calls
        if last > timing["singleRunSeconds"]:
            break
        elapsed = clock() - start
        steady = abs(per_call - previous) <= timing["steadyTolerance"] * min(per_call, previous)
        if warm_calls >= timing["minWarmupCalls"] and ((elapsed >= timing["warmupSeconds"] and steady) or elapsed >= timing["maxWarmupSeconds"]):
            break
        previous = per_call
    if last > timing["singleRunSeconds"]:
        t0 = clock()
        fn()
        t = clock() - t0
        return {"seconds": t, "samples": [t], "callsPerSample": 1, "warmupCalls": warm_calls, "note": "1 timed run (slow)"}
    per_call = max(per_call, 1e-7)
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


def serve(setup, prep):
    """Runs one job. `setup(threads)` configures the library and returns its description;
    `prep[kind](params)` returns (fn, (check, final)): the call to time, the value before the
    timed calls (or None) and a function giving it after them (or None)."""
    job = json.load(sys.stdin)
    emit({"type": "loaded", "details": setup(job.get("threads"))})
    for task in job["tasks"]:
        make = prep.get(task["kind"])
        if make is None:
            emit({"type": "cell", "id": task["id"], "skipped": "not implemented"})
            continue
        try:
            fn, (check, final) = make(task["params"])
            cell = measure(fn, job["timing"])
            if check is not None:
                cell["check"] = check
            if final is not None:
                cell["final"] = final()
            emit({"type": "cell", "id": task["id"], **cell})
        except Exception as exc:
            emit({"type": "cell", "id": task["id"], "error": f"{type(exc).__name__}: {exc}"})
