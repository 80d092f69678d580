import { charLmConfig, charLmData, charLmInit, charLmTrain } from "./src/examples/char-lm.js";
import { loadShakespeare } from "./src/examples/char-lm-node.js";
const data = charLmData(loadShakespeare());
for (const [nEmbd, lr, bs, block] of [[64, 1e-2, 32, 32]]) {
  const t0 = performance.now();
  const config = charLmConfig({ nLayer: 1, nHead: 2, nEmbd, blockSize: block, batchSize: bs, maxIters: 150, lr, minLr: lr/10, warmupIters: 0, lrDecayIters: 150, evalInterval: 1000, evalIters: 10, seed: 0 });
  const s = charLmInit(config, 65); charLmTrain(s, data);
  console.log(nEmbd, lr, bs, block, s.evals.at(-1), (performance.now()-t0).toFixed(0));
}
