import { charLmConfig, charLmData, charLmInit, charLmTrain } from "/work/wt-lm/src/examples/char-lm.js";
import { loadShakespeare } from "/work/wt-lm/src/examples/char-lm-node.js";
const data = charLmData(loadShakespeare());
for (const [nLayer, nEmbd, lr, bs, block, clip] of [[1, 64, 2e-2, 32, 32, 1], [1, 64, 1e-2, 32, 32, 0], [2, 64, 1e-2, 32, 32, 1]]) {
  const t0 = performance.now();
  const config = charLmConfig({ nLayer, nHead: 2, nEmbd, blockSize: block, batchSize: bs, maxIters: 150, lr, minLr: lr/10, warmupIters: 0, lrDecayIters: 150, evalInterval: 1000, evalIters: 10, seed: 0, gradClip: clip });
  const s = charLmInit(config, 65); charLmTrain(s, data);
  console.log(nLayer, nEmbd, lr, bs, block, clip, JSON.stringify(s.evals.at(-1)), (performance.now()-t0).toFixed(0));
}
