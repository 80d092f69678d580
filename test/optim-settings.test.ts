// Optimizer settings changed between steps: each step uses the settings as they are then (a
// group's hyperparameters are validated again whenever one changed, arrays such as Adam's betas
// included when edited in place), and invalid or unknown settings are refused at the next step.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../src/index.js";
import { ArgumentError } from "../src/core/errors.js";

const f32 = { dtype: "float32" } as const;

/** A parameter and a gradient of fixed values (the gradient set by hand, as backward() would). */
function param(): tg.Tensor {
  const p = tg.tensor([1, -2, 3], f32).setRequiresGrad();
  p.grad = tg.tensor([0.5, 0.25, -1], f32);
  return p;
}

test("SGD uses the learning rate a group has at each step, whether set on the optimizer or on the group", () => {
  const p = param();
  const opt = new tg.optim.SGD([p], { lr: 0.1 });
  const g = [0.5, 0.25, -1];
  let want = [1, -2, 3];
  const update = (lr: number) => (want = want.map((w, i) => Math.fround(w + Math.fround(g[i] * Math.fround(-lr)))));
  opt.step();
  update(0.1);
  assert.deepEqual([...p.data()], want);
  opt.lr = 0.5;
  opt.step();
  update(0.5);
  assert.deepEqual([...p.data()], want);
  opt.paramGroups[0].lr = 0.03;
  opt.step();
  update(0.03);
  assert.deepEqual([...p.data()], want);
});

test("an invalid or unknown setting made after a step is refused at the next step", () => {
  const p = param();
  const opt = new tg.optim.SGD([p], { lr: 0.1 });
  opt.step();
  opt.paramGroups[0].lr = -1;
  assert.throws(() => opt.step(), ArgumentError);
  opt.paramGroups[0].lr = NaN;
  assert.throws(() => opt.step(), ArgumentError);
  opt.paramGroups[0].lr = 0.1;
  opt.step();
  opt.paramGroups[0].momentum = -0.5;
  assert.throws(() => opt.step(), /momentum/);
  opt.paramGroups[0].momentum = 0;
  (opt.paramGroups[0] as unknown as Record<string, unknown>).lrr = 0.1;
  assert.throws(() => opt.step(), /unknown option 'lrr'/);
});

test("Adam's betas edited in place between steps take effect, and are validated, like a new array", () => {
  const run = (edit: (betas: number[], group: Record<string, unknown>) => void): number[] => {
    const p = param();
    // a fresh betas array per optimizer; the second gradient differs from the first (with a
    // constant gradient Adam's bias-corrected moment does not depend on β₁)
    const opt = new tg.optim.Adam([p], { lr: 0.1, betas: [0.9, 0.999] });
    opt.step();
    p.grad = tg.tensor([2, -0.5, 0.25], f32);
    edit(opt.paramGroups[0].betas as unknown as number[], opt.paramGroups[0] as unknown as Record<string, unknown>);
    opt.step();
    return [...p.data()];
  };
  const inPlace = run((b) => (b[0] = 0.5));
  const replaced = run((_b, g) => (g.betas = [0.5, 0.999]));
  const unchanged = run(() => {});
  assert.deepEqual(inPlace, replaced);
  assert.notDeepEqual(inPlace, unchanged);
  assert.throws(() => run((b) => (b[1] = 1.5)), /betas\[1\]/);
});

test("each Adam gets its own copy of the default betas: editing one optimizer's changes no other", () => {
  const p = tg.tensor([1, 2]).setRequiresGrad();
  const a = new tg.optim.Adam([p], { lr: 0.1 });
  (a.paramGroups[0].betas as unknown as number[])[0] = 0.5;
  const b = new tg.optim.Adam([p], { lr: 0.1 });
  assert.deepEqual([...(b.paramGroups[0].betas as unknown as number[])], [0.9, 0.999]);
  assert.deepEqual([...tg.optim.adam.defaults.betas], [0.9, 0.999]);
});
