// Fits y ≈ w·x + b to the 20 points of data/line-fit-20.json by full-batch gradient descent on
// the mean squared error, and prints the parameters, the loss and its gradient before each
// update. Run with `npm run example`.

import * as tg from "../src/index.js";
import { loadLineFit } from "../src/data/parse/node.js";

const { x, y } = await loadLineFit();
const inputs = tg.tensor(x, { dtype: "float64" }).reshape([-1, 1]);
const targets = tg.tensor(y, { dtype: "float64" }).reshape([-1, 1]);

// y = x·Wᵀ + b with W [1, 1] and b [1], started at w = 0.5, b = 3
const model = new tg.nn.Linear(1, 1, { dtype: "float64" });
model.loadStateDict({ weight: tg.tensor([[0.5]], { dtype: "float64" }), bias: tg.tensor([3.0], { dtype: "float64" }) });
const optimizer = new tg.optim.SGD(model.parameters(), { lr: 0.05 });

const steps = 50;
const fmt = (v: number, width: number) => v.toFixed(4).padStart(width);
console.log("iter |      w |      b |    loss |    dL/dw |   dL/db");
let first = 0;
let last = 0;
for (let i = 0; i <= steps; i++) {
  optimizer.zeroGrad();
  const loss = tg.nn.functional.mseLoss(model.forward(inputs), targets);
  loss.backward();
  if (i === 0) first = loss.item();
  last = loss.item();
  if (i < 20 || i % 10 === 0) {
    const row = [fmt(model.weight.item(), 6), fmt(model.bias!.item(), 6), fmt(loss.item(), 7), fmt(model.weight.grad!.item(), 8), fmt(model.bias!.grad!.item(), 7)];
    console.log(`${String(i).padStart(4)} | ${row.join(" | ")}`);
  }
  if (i < steps) optimizer.step();
}
console.log(`loss ${first.toFixed(2)} → ${last.toFixed(2)} after ${steps} steps (${(100 * (1 - last / first)).toFixed(1)}% lower)`);
