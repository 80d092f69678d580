// The network of the Jacobian widget, f: Rⁿ → Rᵐ, n → 4 ReLU → 4 ReLU → m, and the
// computations on it, all by tensorgrad. Row-vector convention: z₁ = x·W₁ + b₁, h₁ = relu(z₁),
// z₂ = h₁·W₂ + b₂, h₂ = relu(z₂), y = h₂·W₃ + b₃, with the loss L = ½‖y − t‖².
//
// `backprop` runs the backward pass one layer at a time, each step a `tg.vjp` of that layer
// alone, so the widget can show every intermediate cotangent: a linear layer's VJP is g·Wᵀ and
// a ReLU's is g ⊙ 1[z > 0]. `jacobianBothWays` builds the full m×n Jacobian of f by forward mode
// (one `tg.jvp` per input) and by reverse mode (one `tg.vjp` pull per output).

import * as tg from "../../../src/index.js";

export const HIDDEN = 4;
const f64 = { dtype: "float64" as const };

export interface Weights {
  W1: tg.Tensor;
  b1: tg.Tensor;
  W2: tg.Tensor;
  b2: tg.Tensor;
  W3: tg.Tensor;
  b3: tg.Tensor;
}

/** The weights of an n → 4 → 4 → m network, drawn in this order from `seed`. */
export function weights(n: number, m: number, seed: number): Weights {
  const generator = tg.random.generator(seed);
  const r = (shape: number[], scale: number) => tg.randn(shape, { generator, ...f64 }).mul(scale);
  return { W1: r([n, HIDDEN], 0.8), b1: r([HIDDEN], 0.3), W2: r([HIDDEN, HIDDEN], 0.7), b2: r([HIDDEN], 0.3), W3: r([HIDDEN, m], 0.7), b3: r([m], 0.2) };
}

/** f(x) = relu(relu(x·W₁ + b₁)·W₂ + b₂)·W₃ + b₃ for a vector x. */
export const network = (w: Weights) => (x: tg.Tensor) => x.matmul(w.W1).add(w.b1).relu().matmul(w.W2).add(w.b2).relu().matmul(w.W3).add(w.b3);

const vec = (t: tg.Tensor) => Array.from(t.data());
const mat = (t: tg.Tensor) => t.toArray() as number[][];

export interface Backprop {
  x: number[];
  t: number[];
  W1: number[][];
  b1: number[];
  W2: number[][];
  b2: number[];
  W3: number[][];
  b3: number[];
  z1: number[];
  h1: number[];
  z2: number[];
  h2: number[];
  y: number[];
  loss: number;
  /** ∂L/∂y, ∂L/∂h₂, ∂L/∂z₂, ∂L/∂h₁, ∂L/∂z₁, ∂L/∂x: the layer-by-layer VJPs. */
  gy: number[];
  gh2: number[];
  gz2: number[];
  gh1: number[];
  gz1: number[];
  gx: number[];
  /** ∂L/∂x from one `tg.grad` of the whole loss, to compare with `gx`. */
  gxDirect: number[];
}

/** The forward pass and the backward pass layer by layer for the 3 → 4 → 4 → 2 network. */
export function backprop(x: number[], t: number[], seed: number): Backprop {
  const w = weights(3, 2, seed);
  const xt = tg.tensor(x, f64);
  const tt = tg.tensor(t, f64);
  const layer1 = (v: tg.Tensor) => v.matmul(w.W1).add(w.b1);
  const layer2 = (v: tg.Tensor) => v.matmul(w.W2).add(w.b2);
  const layer3 = (v: tg.Tensor) => v.matmul(w.W3).add(w.b3);
  const relu = (v: tg.Tensor) => v.relu();
  const lossOfY = (y: tg.Tensor) => y.sub(tt).square().sum().mul(0.5);
  const z1 = layer1(xt);
  const h1 = relu(z1);
  const z2 = layer2(h1);
  const h2 = relu(z2);
  const y = layer3(h2);
  // each backward step is the VJP of one layer at its own input: pull(g) = g·J
  const pull = (f: (v: tg.Tensor) => tg.Tensor, at: tg.Tensor, g: tg.Tensor) => tg.vjp(f, at)[1](g)[0];
  const gy = tg.grad(lossOfY)(y);
  const gh2 = pull(layer3, h2, gy);
  const gz2 = pull(relu, z2, gh2);
  const gh1 = pull(layer2, h1, gz2);
  const gz1 = pull(relu, z1, gh1);
  const gx = pull(layer1, xt, gz1);
  const gxDirect = tg.grad((v: tg.Tensor) => lossOfY(network(w)(v)))(xt);
  return {
    x,
    t,
    W1: mat(w.W1),
    b1: vec(w.b1),
    W2: mat(w.W2),
    b2: vec(w.b2),
    W3: mat(w.W3),
    b3: vec(w.b3),
    z1: vec(z1),
    h1: vec(h1),
    z2: vec(z2),
    h2: vec(h2),
    y: vec(y),
    loss: lossOfY(y).item(),
    gy: vec(gy),
    gh2: vec(gh2),
    gz2: vec(gz2),
    gh1: vec(gh1),
    gz1: vec(gz1),
    gx: vec(gx),
    gxDirect: vec(gxDirect),
  };
}

export interface ModeCost {
  /** The Jacobian, m rows × n columns. */
  J: number[][];
  /** How many JVPs (forward mode) or VJP pulls (reverse mode) built it. */
  passes: number;
  /** Multiply-adds in the matmuls. */
  macs: number;
  /** Measured milliseconds per Jacobian (the mean of `reps` runs). */
  ms: number;
  reps: number;
}

export interface JacobianCost {
  n: number;
  m: number;
  x: number[];
  forward: ModeCost;
  reverse: ModeCost;
  /** The largest |J_forward − J_reverse|. */
  maxDiff: number;
}

const basis = (k: number, i: number) => {
  const d = new Float64Array(k);
  d[i] = 1;
  return tg.tensor(d, f64);
};

/** Forward mode: column j of J is the JVP along eⱼ, one pass per input. */
function jacobianForward(f: (x: tg.Tensor) => tg.Tensor, x: tg.Tensor, n: number): number[][] {
  const cols: number[][] = [];
  for (let j = 0; j < n; j++) cols.push(vec(tg.jvp(f, [x], [basis(n, j)])[1]));
  return cols;
}

/** Reverse mode: row i of J is the VJP with eᵢ, one pull per output after one forward pass. */
function jacobianReverse(f: (x: tg.Tensor) => tg.Tensor, x: tg.Tensor, m: number): number[][] {
  const [, pull] = tg.vjp(f, x);
  const rows: number[][] = [];
  for (let i = 0; i < m; i++) rows.push(vec(pull(basis(m, i))[0]));
  return rows;
}

/** Calls `run` until `budgetMs` have passed (at least once); the mean time per call. */
function timeIt(run: () => void, budgetMs: number): { ms: number; reps: number } {
  const t0 = performance.now();
  let reps = 0;
  do {
    run();
    reps++;
  } while (performance.now() - t0 < budgetMs && reps < 500);
  return { ms: (performance.now() - t0) / reps, reps };
}

/**
 * The m×n Jacobian of the n → 4 → 4 → m network at `x` both ways, with the passes each mode
 * took, its multiply-adds and its measured time.
 */
export function jacobianBothWays(n: number, m: number, seed: number, x: number[], budgetMs = 15): JacobianCost {
  const f = network(weights(n, m, seed));
  const xt = tg.tensor(x, f64);
  const cols = jacobianForward(f, xt, n);
  const Jf = Array.from({ length: m }, (_, i) => cols.map((c) => c[i]));
  const Jr = jacobianReverse(f, xt, m);
  let maxDiff = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) maxDiff = Math.max(maxDiff, Math.abs(Jf[i][j] - Jr[i][j]));
  // one forward pass costs F multiply-adds; a JVP carries a tangent through each matmul beside
  // the primal (2F), and a VJP pull runs one backward pass (F) after the shared forward one
  const F = n * HIDDEN + HIDDEN * HIDDEN + HIDDEN * m;
  const tf = timeIt(() => jacobianForward(f, xt, n), budgetMs);
  const tr = timeIt(() => jacobianReverse(f, xt, m), budgetMs);
  return {
    n,
    m,
    x,
    forward: { J: Jf, passes: n, macs: 2 * F * n, ...tf },
    reverse: { J: Jr, passes: m, macs: F * (1 + m), ...tr },
    maxDiff,
  };
}

/** The point the cost panel differentiates at: the widget's x for n = 3, else drawn from `seed`. */
export function costPoint(n: number, seed: number, x: number[]): number[] {
  if (n === x.length) return x;
  return vec(tg.randn([n], { generator: tg.random.generator(seed + 1), ...f64 }));
}
