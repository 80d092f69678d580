// Runs in a cross-origin-isolated page: the Wasm backend with Web Workers sharing its memory.
// Returns plain values for test/browser-threads.test.ts.

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

let tg;
const [m, k, n] = [192, 256, 320];
const A = values(m * k, 1);
const B = values(k * n, 2);
// 192×256 @ 256×320: 15.7 M multiply-adds, far above the size at which workers join
const product = () => Array.from(tg.matmul(tg.tensor(A, { shape: [m, k] }), tg.tensor(B, { shape: [k, n] })).data());
let threaded;

/** With `threads` threads: the first product starts the workers, the later ones find them running. */
export async function run(threads) {
  tg = await import("/tensorgrad.js");
  const info = await tg.init({ threads });
  const first = product();
  await new Promise((ok) => setTimeout(ok, 300));
  let last = first;
  for (let i = 0; i < 5; i++) last = product();
  threaded = { first, last };
  return { crossOriginIsolated: globalThis.crossOriginIsolated === true, info, threads: tg.getNumThreads() };
}

/** Then with one thread (the workers stop): the same products bit for bit, and a plain loop's values. */
export async function single() {
  await tg.setNumThreads(1);
  const one = product();
  let maxErr = 0;
  for (let i = 0; i < m; i += 7)
    for (let j = 0; j < n; j += 5) {
      let s = 0;
      for (let p = 0; p < k; p++) s += A[i * k + p] * B[p * n + j];
      maxErr = Math.max(maxErr, Math.abs(s - one[i * n + j]));
    }
  const same = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
  return { threads: tg.getNumThreads(), firstMatchesSingle: same(threaded.first, one), lastMatchesSingle: same(threaded.last, one), maxErr };
}
