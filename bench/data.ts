// Deterministic inputs shared by every implementation. The generator (mulberry32) is mirrored
// bit for bit in peers/numpy_bench.py, so the MLP problems are identical in every row and their
// initial losses can be compared.

export type Rng = () => number;

/** Uniform [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a) >>> 0;
    t = ((t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t) >>> 0;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `size` values uniform in [lo, hi). */
export function uniform(rng: Rng, size: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = lo + (hi - lo) * rng();
  return out;
}

/** Two n×n matrices with entries in [-1, 1). */
export function matmulInputs(n: number): { a: Float32Array; b: Float32Array } {
  const rng = mulberry32(1000 + n);
  return { a: uniform(rng, n * n, -1, 1), b: uniform(rng, n * n, -1, 1) };
}

/** A two-layer perceptron problem: in → hidden (ReLU) → classes, softmax cross-entropy. */
export interface MlpSpec {
  inputs: number;
  hidden: number;
  classes: number;
  batch: number;
  lr: number;
  /** "quadrant": x in [-1, 1)², the label is the quadrant; "random": x in [0, 1), random labels. */
  data: "quadrant" | "random";
  seed: number;
  /**
   * Every implementation puts the parameters back to their initial values after this many
   * steps, so that every row times the same steps of the same training run however fast it is.
   * Without it a faster row trains further within its time budget; once the quadrant problem
   * has nearly converged, its softmax gradients hold subnormal floats, and on CPUs that take a
   * microcode assist for each subnormal operand (Intel's) every GEMM that reads them runs 90–190×
   * slower, in any library that does not flush them to zero (OpenBLAS as well as ours).
   * 5,000 steps keep the smallest gradient entry of the quadrant problem near 1e-23.
   */
  restartEvery: number;
}

export interface MlpProblem {
  spec: MlpSpec;
  /** [batch, inputs] row-major. */
  x: Float32Array;
  labels: Int32Array;
  /** [batch, classes] one-hot. */
  onehot: Float32Array;
  /** [inputs, hidden], [hidden], [hidden, classes], [classes]. */
  w1: Float32Array;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
}

export function mlpProblem(spec: MlpSpec): MlpProblem {
  const rng = mulberry32(spec.seed);
  const { inputs, hidden, classes, batch } = spec;
  const labels = new Int32Array(batch);
  let x: Float32Array;
  if (spec.data === "quadrant") {
    x = uniform(rng, batch * inputs, -1, 1);
    for (let i = 0; i < batch; i++) labels[i] = (x[i * inputs] < 0 ? 1 : 0) + (x[i * inputs + 1] < 0 ? 2 : 0);
  } else {
    x = uniform(rng, batch * inputs, 0, 1);
    for (let i = 0; i < batch; i++) labels[i] = Math.min(classes - 1, Math.floor(rng() * classes));
  }
  const onehot = new Float32Array(batch * classes);
  for (let i = 0; i < batch; i++) onehot[i * classes + labels[i]] = 1;
  // He-uniform for the ReLU layer, Glorot-like bound for the output layer.
  const a1 = Math.sqrt(6 / inputs);
  const w1 = uniform(rng, inputs * hidden, -a1, a1);
  const a2 = Math.sqrt(3 / hidden);
  const w2 = uniform(rng, hidden * classes, -a2, a2);
  return { spec, x, labels, onehot, w1, b1: new Float32Array(hidden), w2, b2: new Float32Array(classes) };
}
