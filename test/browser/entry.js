// Runs in the browser page: imports the bundled library and returns plain values for the test.

/** Deterministic pseudo-random values in [-1, 1). */
function values(n, seed) {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

export async function run() {
  const tg = await import("/tensorgrad.js");
  // Browsers compile WebAssembly asynchronously: until init, the reference backend runs.
  const beforeInit = tg.backendInfo();
  const info = await tg.init();

  // A tanh neuron: L = ½ (tanh(w·x + b) − y)², float64.
  const opts = { dtype: "float64" };
  const x = tg.scalar(2, "float64");
  const w = tg.scalar(-0.5, "float64").setRequiresGrad();
  const b = tg.scalar(1, "float64").setRequiresGrad();
  const y = tg.scalar(0.8, "float64");
  const loss = w.mul(x).add(b).tanh().sub(y).square().mul(0.5);
  loss.backward();
  const neuron = { loss: loss.item(), dw: w.grad.item(), db: b.grad.item(), dtype: w.grad.dtype };

  // d/dx sin(x) = cos(x), elementwise.
  const xs = [0, 0.5, 1, 2, -3];
  const dsin = Array.from(tg.grad((t) => t.sin().sum())(tg.tensor(xs, opts)).data());
  const cos = xs.map(Math.cos);

  // float32 64×64 matmul against a plain triple loop.
  const n = 64;
  const A = values(n * n, 1);
  const B = values(n * n, 2);
  const C = tg.matmul(tg.tensor(A, { shape: [n, n] }), tg.tensor(B, { shape: [n, n] }));
  const got = C.data();
  let maxErr = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += A[i * n + k] * B[k * n + j];
      maxErr = Math.max(maxErr, Math.abs(s - got[i * n + j]));
    }
  }

  // seeded draws, to compare bit for bit with the same draws in Node
  const draws = {
    randn: Array.from(tg.randn([16], { generator: tg.random.generator(2024), dtype: "float64" }).data()),
    rand: Array.from(tg.rand([16], { generator: tg.random.generator(7), dtype: "float64" }).data()),
    randint: Array.from(tg.randint(0, 1000, [16], { generator: tg.random.generator(9) }).data()),
  };

  return {
    draws,
    userAgent: navigator.userAgent,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    sharedArrayBuffer: typeof SharedArrayBuffer !== "undefined",
    backend: tg.getBackend().name,
    beforeInit,
    info,
    threads: tg.getNumThreads(),
    neuron,
    dsin,
    cos,
    matmul: { shape: C.shape, dtype: C.dtype, maxErr },
  };
}
