// The cnn experiment end to end on a small slice of the shipped MNIST files: the pipeline runs,
// the loss falls, the report has its figures and tables, and a seed gives the same run twice.
// (The full run — 8,000 training images, ≥ 98% held out — takes about a minute; see README.)

import { test } from "node:test";
import assert from "node:assert/strict";
import * as examples from "../src/examples/index.js";
import { cnnReport } from "../src/report/index.js";
import { dataFileURL, readIDXFile } from "../src/data/parse/node.js";

async function mnist(): Promise<examples.MnistData> {
  const images = await readIDXFile(dataFileURL("t10k-images-idx3-ubyte.gz"));
  const labels = await readIDXFile(dataFileURL("t10k-labels-idx1-ubyte.gz"));
  const [n, rows, cols] = images.shape;
  return { images: images.data as Uint8Array, labels: labels.data as Uint8Array, n, rows, cols };
}

test("cnn: a short run on a slice trains, evaluates and reports", async () => {
  const data = await mnist();
  assert.deepEqual([data.n, data.rows, data.cols], [10000, 28, 28]);
  const opts = { seed: 1, epochs: 2, trainSize: 300, testSize: 200, batchSize: 30, channels: [4, 8] as const };
  const r = examples.cnn(data, opts);
  assert.equal(r.steps, 20);
  assert.equal(r.stepLosses.length, 20);
  const head = r.stepLosses.slice(0, 3).reduce((a, b) => a + b) / 3;
  const tail = r.stepLosses.slice(-3).reduce((a, b) => a + b) / 3;
  assert.ok(head > 2, `the first losses are near ln 10: ${head}`);
  assert.ok(tail < 0.75 * head, `the loss falls: ${head} → ${tail}`);
  assert.ok(r.testAccuracy > 0.5, `well above chance after 20 steps: ${r.testAccuracy}`);
  assert.equal(r.confusion.flat().reduce((a, b) => a + b), 200);
  assert.equal(r.mistakes.length, Math.round(200 * (1 - r.testAccuracy)));
  assert.equal(r.filters.length, 4);
  assert.equal(r.filters[0].length, 9);
  const report = cnnReport(r, { lr: 0.05, epochsRequested: 2, samples: r.mistakes.slice(0, 3).map((m) => ({ pixels: Array.from(data.images.subarray(m.index * 784, (m.index + 1) * 784)), rows: 28, cols: 28, label: m.label, predicted: m.predicted })) });
  assert.deepEqual(report.figures.map((f) => f.name), ["training-curves", "confusion", "filters", "mistakes"]);
  for (const f of report.figures) assert.match(f.svg, /^<svg/);
  assert.equal(report.results["held-out accuracy"], r.testAccuracy);
  // the same seed gives the same run
  const again = examples.cnn(data, opts);
  assert.deepEqual(again.stepLosses, r.stepLosses);
  // onStep can stop it
  const stopped = examples.cnn(data, { ...opts, onStep: (s) => s.step < 5 });
  assert.equal(stopped.steps, 5);
  assert.ok(stopped.stoppedEarly);
});
