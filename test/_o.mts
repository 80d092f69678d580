import * as tg from "../src/index.js";
const x = tg.tensor(new Float32Array([1, 2, 3, 4])), y = tg.tensor(new Float32Array([5, 6, 7, 8]));
for (let r = 0; r < 5; r++) {
  const N = 200000; let t0 = performance.now();
  for (let i = 0; i < N; i++) tg.realize(tg.add(x, y));
  let t1 = performance.now();
  for (let i = 0; i < N; i++) tg.add(x, y);
  let t2 = performance.now();
  console.log("realized", ((t1 - t0) / N * 1000).toFixed(3), "us; lazy only", ((t2 - t1) / N * 1000).toFixed(3), "us");
}
