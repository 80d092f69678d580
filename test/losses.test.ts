// nn.functional losses: values against formulas evaluated here with plain JS numbers, gradients
// against hand-derived closed forms and central differences (tg.gradcheck, float64), and the
// numerically hard cases (huge logits) that a naive implementation gets wrong.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../src/index.js";
import { nn, type Tensor } from "../src/index.js";

const F = nn.functional;
const F64 = { dtype: "float64" } as const;
const I32 = { dtype: "int32" } as const;
const gen = (seed: number) => tg.random.generator(seed);

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-12, what = "value"): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++)
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

/** log Σ exp over a JS row, shifted by its maximum. */
function lse(row: readonly number[]): number {
  const m = Math.max(...row);
  return m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
}

function softmaxRow(row: readonly number[]): number[] {
  const l = lse(row);
  return row.map((v) => Math.exp(v - l));
}

const LOGITS = [
  [2, 0, -1],
  [0, 1, 0],
  [-3, 5, 2],
  [0.5, -0.5, 0.25],
];
const TARGETS = [0, 1, 2, 1];

function checkPassed(r: tg.GradcheckReport, what: string): void {
  assert.ok(r.passed, `${what}: ${JSON.stringify(r.inputs)}`);
}

test("mseLoss and l1Loss: values and reductions", () => {
  const p = tg.tensor([1, 2, 3], F64);
  const t = tg.tensor([0, 2, 5], F64);
  assertClose([F.mseLoss(p, t).item()], [(1 + 0 + 4) / 3]);
  assertClose([F.mseLoss(p, t, { reduction: "sum" }).item()], [5]);
  assertClose(F.mseLoss(p, t, { reduction: "none" }).data(), [1, 0, 4]);
  assertClose([F.l1Loss(p, t).item()], [(1 + 0 + 2) / 3]);
  assertClose(F.l1Loss(p, t, { reduction: "none" }).data(), [1, 0, 2]);
  // gradient of the mean squared error: 2(p − t)/N
  const pg = p.detach().setRequiresGrad();
  F.mseLoss(pg, t).backward();
  assertClose(pg.grad!.data(), [2 / 3, 0, -4 / 3]);
  assert.throws(
    () => F.mseLoss(tg.zeros([3, 1]), tg.zeros([3])),
    (e: unknown) => e instanceof tg.ShapeError && e.message === "mseLoss: input shape [3,1] and target shape [3] differ",
  );
  assert.throws(() => F.l1Loss(p, t, { reduction: "avg" as "mean" }), /l1Loss: reduction must be "mean", "sum" or "none"/);
  assert.throws(() => F.mseLoss(tg.zeros([2], "int32"), tg.zeros([2])), tg.DTypeError);
});

test("crossEntropy with class indices equals logsumexp(x) − x[y]", () => {
  const logits = tg.tensor(LOGITS, F64);
  const target = tg.tensor(TARGETS, I32);
  const perRow = LOGITS.map((row, i) => lse(row) - row[TARGETS[i]]);
  assertClose(F.crossEntropy(logits, target, { reduction: "none" }).data(), perRow);
  assertClose([F.crossEntropy(logits, target, { reduction: "sum" }).item()], [perRow.reduce((a, b) => a + b)]);
  assertClose([F.crossEntropy(logits, target).item()], [perRow.reduce((a, b) => a + b) / 4]);
  // the same through nllLoss(logSoftmax(x))
  assertClose([F.nllLoss(F.logSoftmax(logits), target).item()], [perRow.reduce((a, b) => a + b) / 4]);
  // float32 logits agree to float32 precision
  assertClose([F.crossEntropy(logits.cast("float32"), target).item()], [perRow.reduce((a, b) => a + b) / 4], 1e-6);
});

test("crossEntropy gradient for the mean is (softmax − onehot)/B", () => {
  const B = LOGITS.length;
  const x = tg.tensor(LOGITS, F64).setRequiresGrad();
  F.crossEntropy(x, tg.tensor(TARGETS, I32)).backward();
  const expected = LOGITS.flatMap((row, i) => softmaxRow(row).map((p, c) => (p - (c === TARGETS[i] ? 1 : 0)) / B));
  assertClose(x.grad!.data(), expected, 1e-12);
});

test("crossEntropy is finite for huge logits", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const x = tg.tensor([[1000, 0], [0, 1000], [-1000, 1000]], { dtype }).setRequiresGrad();
    const y = tg.tensor([1, 1, 0], I32);
    const loss = F.crossEntropy(x, y, { reduction: "none" });
    // row 0: lse = 1000, loss 1000 − 0; row 1: 1000 − 1000 = 0 (up to e^−1000); row 2: 1000 − (−1000)
    assertClose(loss.data(), [1000, 0, 2000], 1e-7, dtype);
    loss.sum().backward();
    // softmax rows are [1, 0], [0, 1], [0, 1] to within e^−1000
    assertClose(x.grad!.data(), [1, -1, 0, 0, -1, 1], 1e-12, `${dtype} grad`);
    assert.ok(x.grad!.data().every(Number.isFinite));
  }
});

test("crossEntropy label smoothing matches (1 − ε)·nll + (ε/C)·Σ_c −log p_c", () => {
  const eps = 0.1;
  const C = 3;
  const logits = tg.tensor(LOGITS, F64);
  const target = tg.tensor(TARGETS, I32);
  const perRow = LOGITS.map((row, i) => {
    const l = lse(row);
    const nll = l - row[TARGETS[i]];
    const uniform = row.reduce((s, v) => s + (l - v), 0);
    return (1 - eps) * nll + (eps / C) * uniform;
  });
  assertClose(F.crossEntropy(logits, target, { labelSmoothing: eps, reduction: "none" }).data(), perRow);
  assertClose([F.crossEntropy(logits, target, { labelSmoothing: eps }).item()], [perRow.reduce((a, b) => a + b) / 4]);
  // gradient: softmax − ((1 − ε)·onehot + ε/C), over B
  const x = logits.detach().setRequiresGrad();
  F.crossEntropy(x, target, { labelSmoothing: eps }).backward();
  const expected = LOGITS.flatMap((row, i) => softmaxRow(row).map((p, c) => (p - ((1 - eps) * (c === TARGETS[i] ? 1 : 0) + eps / C)) / 4));
  assertClose(x.grad!.data(), expected, 1e-12);
  // the same as a probability target smoothed by hand
  const smoothed = tg.tensor(TARGETS.map((t) => [0, 1, 2].map((c) => (c === t ? 1 - eps + eps / C : eps / C))), F64);
  assertClose([F.crossEntropy(logits, smoothed).item()], [perRow.reduce((a, b) => a + b) / 4]);
  assert.throws(() => F.crossEntropy(logits, target, { labelSmoothing: 1.5 }), /crossEntropy: labelSmoothing must be in \[0, 1\], got 1.5/);
});

test("crossEntropy ignoreIndex: ignored rows add nothing and the mean is over the rest", () => {
  const logits = tg.tensor(LOGITS, F64);
  const withIgnored = [0, -100, 2, -100];
  const kept = [0, 2];
  const rows = kept.map((i) => lse(LOGITS[i]) - LOGITS[i][TARGETS[i]]);
  assertClose([F.crossEntropy(logits, tg.tensor(withIgnored, I32)).item()], [(rows[0] + rows[1]) / 2]);
  assertClose(F.crossEntropy(logits, tg.tensor(withIgnored, I32), { reduction: "none" }).data(), [rows[0], 0, rows[1], 0]);
  const x = logits.detach().setRequiresGrad();
  F.crossEntropy(x, tg.tensor(withIgnored, I32)).backward();
  const g = x.grad!.data();
  const expected = LOGITS.flatMap((row, i) =>
    kept.includes(i) ? softmaxRow(row).map((p, c) => (p - (c === TARGETS[i] ? 1 : 0)) / 2) : [0, 0, 0],
  );
  assertClose(g, expected, 1e-12);
  // a custom ignore value, with label smoothing: the smoothing term is also skipped
  const eps = 0.2;
  const smoothRows = kept.map((i) => {
    const l = lse(LOGITS[i]);
    return (1 - eps) * (l - LOGITS[i][TARGETS[i]]) + (eps / 3) * LOGITS[i].reduce((s, v) => s + (l - v), 0);
  });
  const custom = F.crossEntropy(logits, tg.tensor([0, 7, 2, 7], I32), { ignoreIndex: 7, labelSmoothing: eps });
  assertClose([custom.item()], [(smoothRows[0] + smoothRows[1]) / 2]);
  assertClose([F.nllLoss(F.logSoftmax(logits), tg.tensor(withIgnored, I32), { reduction: "sum" }).item()], [rows[0] + rows[1]]);
});

test("crossEntropy with probability targets: −Σ_c t_c·log p_c", () => {
  const logits = tg.tensor(LOGITS, F64);
  const onehot = tg.oneHot(tg.tensor(TARGETS, I32), 3, { dtype: "float64" });
  assertClose([F.crossEntropy(logits, onehot).item()], [F.crossEntropy(logits, tg.tensor(TARGETS, I32)).item()], 1e-14);
  const soft = [
    [0.7, 0.2, 0.1],
    [0.1, 0.8, 0.1],
    [0, 0.5, 0.5],
    [1 / 3, 1 / 3, 1 / 3],
  ];
  const perRow = LOGITS.map((row, i) => {
    const l = lse(row);
    return row.reduce((s, v, c) => s - soft[i][c] * (v - l), 0);
  });
  assertClose(F.crossEntropy(logits, tg.tensor(soft, F64), { reduction: "none" }).data(), perRow);
  // a float32 target with float64 logits is converted
  assertClose([F.crossEntropy(logits, tg.tensor(soft)).item()], [perRow.reduce((a, b) => a + b) / 4], 1e-7);
});

test("crossEntropy on [N, C, d] logits and an unbatched [C] row", () => {
  // logits [2, 3, 2]: class axis 1, targets [2, 2]
  const x = tg.randn([2, 3, 2], { dtype: "float64", generator: gen(1) });
  const y = [[0, 2], [1, 1]];
  const xs = x.data();
  const perPos: number[] = [];
  for (let n = 0; n < 2; n++)
    for (let d = 0; d < 2; d++) {
      const row = [0, 1, 2].map((c) => xs[n * 6 + c * 2 + d]);
      perPos.push(lse(row) - row[y[n][d]]);
    }
  assertClose(F.crossEntropy(x, tg.tensor(y, I32), { reduction: "none" }).data(), perPos);
  assertClose([F.crossEntropy(x, tg.tensor(y, I32)).item()], [perPos.reduce((a, b) => a + b) / 4]);
  const row = LOGITS[2];
  assertClose([F.crossEntropy(tg.tensor(row, F64), tg.tensor(2, I32)).item()], [lse(row) - row[2]]);
});

test("crossEntropy errors name the shapes and the bad class index", () => {
  const logits = tg.zeros([4, 5]);
  assert.throws(
    () => F.crossEntropy(logits, tg.tensor([0, 1, 2], I32)),
    (e: unknown) =>
      e instanceof tg.ShapeError &&
      e.message === "crossEntropy: target shape [3] does not match input shape [4,5] (expected target shape [4])",
  );
  // class indices are checked on the device: the call succeeds, the next sync point throws
  const bad = F.crossEntropy(logits, tg.tensor([0, 1, 5, 2], I32));
  assert.throws(
    () => bad.item(),
    (e: unknown) =>
      e instanceof tg.ArgumentError && e.message === "crossEntropy: index 5 at position 2 is out of range for axis 1 of size 5 (logits [4,5], target [4])",
  );
  // as in PyTorch, a negative class (other than ignoreIndex) is refused, not counted from the end
  assert.throws(
    () => F.crossEntropy(logits, tg.tensor([0, -1, 0, 0], I32)).item(),
    /crossEntropy: index -1 at position 1 is out of range for axis 1 of size 5 \(logits \[4,5\], target \[4\]\); crossEntropy does not count negative indices from the end$/,
  );
  assert.throws(
    () => F.crossEntropy(logits, tg.zeros([4, 4])),
    /crossEntropy: probability target shape \[4,4\] must equal logits shape \[4,5\]/,
  );
  assert.throws(() => F.crossEntropy(logits, tg.zeros([4], "bool")), tg.DTypeError);
  assert.throws(() => F.crossEntropy(logits, tg.zeros([4])), /crossEntropy: class-index target must be int32, got float32\[4\]/);
  assert.throws(() => F.nllLoss(logits, tg.tensor([9, 0, 0, 0], I32)).item(), /nllLoss: index 9 at position 0 is out of range for axis 1 of size 5 \(input \[4,5\], target \[4\]\)$/);
  // the backward pass is a sync point too
  const w = tg.zeros([4, 5]).setRequiresGrad();
  assert.throws(() => F.crossEntropy(w, tg.tensor([0, 7, 0, 0], I32)).backward(), /crossEntropy: index 7 at position 1 is out of range for axis 1/);
});

test("binaryCrossEntropyWithLogits: values, stability, positive weights", () => {
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const xs = [-3, -0.5, 0.2, 2.5];
  const ys = [0, 1, 0.3, 1];
  const naive = xs.map((v, i) => -(ys[i] * Math.log(sig(v)) + (1 - ys[i]) * Math.log(1 - sig(v))));
  const x = tg.tensor(xs, F64);
  const y = tg.tensor(ys, F64);
  assertClose(F.binaryCrossEntropyWithLogits(x, y, { reduction: "none" }).data(), naive, 1e-12);
  assertClose([F.binaryCrossEntropyWithLogits(x, y).item()], [naive.reduce((a, b) => a + b) / 4], 1e-12);
  // gradient of the mean: (σ(x) − y)/N
  const xg = x.detach().setRequiresGrad();
  F.binaryCrossEntropyWithLogits(xg, y).backward();
  assertClose(xg.grad!.data(), xs.map((v, i) => (sig(v) - ys[i]) / 4), 1e-12);
  // huge logits: −log σ(−100) = 100 + log(1 + e^−100); a naive log(σ) would give log(0) = −∞
  for (const dtype of ["float32", "float64"] as const) {
    const big = F.binaryCrossEntropyWithLogits(tg.tensor([100, -100, 100, -100], { dtype }), tg.tensor([0, 1, 1, 0], { dtype }), { reduction: "none" });
    assertClose(big.data(), [100, 100, 0, 0], 1e-7, dtype);
  }
  // positive weight p: −(p·y·log σ(x) + (1 − y)·log(1 − σ(x)))
  const pw = [2, 0.5, 3, 1];
  const weighted = xs.map((v, i) => -(pw[i] * ys[i] * Math.log(sig(v)) + (1 - ys[i]) * Math.log(1 - sig(v))));
  assertClose(F.binaryCrossEntropyWithLogits(x, y, { posWeight: tg.tensor(pw, F64), reduction: "none" }).data(), weighted, 1e-12);
  const w3 = xs.map((v, i) => -(3 * ys[i] * Math.log(sig(v)) + (1 - ys[i]) * Math.log(1 - sig(v))));
  assertClose([F.binaryCrossEntropyWithLogits(x, y, { posWeight: 3 }).item()], [w3.reduce((a, b) => a + b) / 4], 1e-12);
  assert.throws(
    () => F.binaryCrossEntropyWithLogits(tg.zeros([2, 3]), tg.zeros([3, 2])),
    /binaryCrossEntropyWithLogits: logits shape \[2,3\] and target shape \[3,2\] differ/,
  );
});

test("every loss passes gradcheck in float64", () => {
  const r = (shape: number[], seed: number) => tg.randn(shape, { dtype: "float64", generator: gen(seed) });
  const target = tg.tensor([2, 0, 1], I32);
  const cases: [string, (...xs: Tensor[]) => Tensor, Tensor[]][] = [
    ["mseLoss", (p, t) => F.mseLoss(p, t), [r([3, 2], 10), r([3, 2], 11)]],
    ["l1Loss", (p, t) => F.l1Loss(p, t, { reduction: "sum" }), [r([4], 12), r([4], 13)]],
    ["crossEntropy", (x) => F.crossEntropy(x, target), [r([3, 4], 14)]],
    ["crossEntropy none", (x) => F.crossEntropy(x, target, { reduction: "none" }), [r([3, 4], 15)]],
    ["crossEntropy smoothing+ignore", (x) => F.crossEntropy(x, tg.tensor([2, -100, 1], I32), { labelSmoothing: 0.2 }), [r([3, 4], 16)]],
    ["crossEntropy probabilities", (x, t) => F.crossEntropy(x, t.softmax(), { labelSmoothing: 0.1 }), [r([3, 4], 17), r([3, 4], 18)]],
    ["nllLoss", (x) => F.nllLoss(x, target, { reduction: "sum" }), [r([3, 4], 19)]],
    ["binaryCrossEntropyWithLogits", (x, t) => F.binaryCrossEntropyWithLogits(x, t.sigmoid()), [r([5], 20), r([5], 21)]],
    ["binaryCrossEntropyWithLogits posWeight", (x, t, p) => F.binaryCrossEntropyWithLogits(x, t.sigmoid(), { posWeight: p.exp() }), [r([2, 3], 22), r([2, 3], 23), r([3], 24)]],
  ];
  for (const [name, f, inputs] of cases) checkPassed(tg.gradcheck(f, inputs), name);
});
