// How much subnormal floats cost a GEMM on this CPU: the bare Wasm GEMM on n×n operands whose
// entries are ordinary, whose A holds subnormals, and whose products are subnormal (A and B
// both near 1e-20), in alternating 0.3 s windows in one process. WebAssembly has no
// flush-to-zero mode, so every multiply-add that reads or makes a subnormal runs at the CPU's
// speed for them: on CPUs that take a microcode assist for each (Intel's), about 100× slower;
// OpenBLAS without DAZ/FTZ is affected alike (compare with NumPy on the same operands).
//
//   npx tsc -p tsconfig.build.json && node bench/subnormal.mjs [n=64] [threads=1] [rounds=3]

import * as tg from "../dist/index.js";

const [n = 64, threads = 1, rounds = 3] = process.argv.slice(2).map(Number);
await tg.init({ relaxedSimd: true, threads });
const kernels = tg.getBackend().kernels;
const [pa, pb, pc] = [kernels.allocF32(n * n), kernels.allocF32(n * n), kernels.allocF32(n * n)];
const fill = (ptr, scale, s) => kernels.f32(ptr, n * n).set(Float32Array.from({ length: n * n }, (_, i) => scale * (1 + 0.5 * Math.sin(i * 0.37 + s))));
const cases = {
  ordinary: () => (fill(pa, 1, 1), fill(pb, 1, 2)),
  "subnormal A": () => (fill(pa, 1e-39, 1), fill(pb, 1, 2)),
  "subnormal products": () => (fill(pa, 1e-20, 1), fill(pb, 1e-20, 2)),
};
const gemm = () => kernels.sgemm({ m: n, n, k: n, a: pa, b: pb, c: pc });
const best = {};
for (let r = 0; r < rounds; r++)
  for (const [name, set] of Object.entries(cases)) {
    set();
    gemm();
    let calls = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 300) {
      gemm();
      calls++;
    }
    const us = ((performance.now() - t0) * 1000) / calls;
    best[name] = Math.min(best[name] ?? Infinity, us);
  }
const base = best.ordinary;
console.log(`GEMM ${n}×${n}·${n}×${n}, ${threads} thread(s), best µs per call of ${rounds} windows:`);
for (const [name, us] of Object.entries(best)) console.log(`  ${name.padEnd(20)} ${us.toFixed(1).padStart(10)} µs  (${(us / base).toFixed(1)}× ordinary)`);
process.exit(0);
