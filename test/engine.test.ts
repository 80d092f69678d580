// The engine's promises, each checked with numbers derived by hand.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as tg from "../src/index.js";

const f64 = (x: tg.NestedArray | number) => tg.tensor(x as number, { dtype: "float64" });
const near = (a: number, b: number, tol = 1e-12, what = "") => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);
function nearAll(a: tg.Tensor | ArrayLike<number>, b: ArrayLike<number>, tol = 1e-12): void {
  const x = a instanceof tg.Tensor ? a.data() : a;
  assert.equal(x.length, b.length);
  for (let i = 0; i < x.length; i++) near(x[i], b[i], tol, `[${i}]`);
}

// ---- the scalar tanh neuron: x = 2, w = −0.5, b = 1, y = 0.8, L = ½(a − y)² ----
// z = wx + b = 0, a = tanh z = 0, L = ½(0 − 0.8)² = 0.32; ∂L/∂a = a − y = −0.8;
// ∂L/∂z = ∂L/∂a · (1 − a²) = −0.8; ∂L/∂w = ∂L/∂z · x = −1.6; ∂L/∂b = −0.8.
const neuron = (w: tg.Tensor, b: tg.Tensor) => {
  const z = f64(2.0).mul(w).add(b);
  const a = z.tanh();
  return { z, a, L: a.sub(0.8).square().mul(0.5) };
};

test("tanh neuron by backward()", () => {
  const w = f64(-0.5).setRequiresGrad();
  const b = f64(1.0).setRequiresGrad();
  const { z, a, L } = neuron(w, b);
  near(z.item(), 0);
  near(a.item(), 0);
  near(L.item(), 0.32);
  L.backward();
  near(w.grad!.item(), -1.6);
  near(b.grad!.item(), -0.8);
  // the intermediate gradients, by the chain rule through vjp
  const [, pullA] = tg.vjp((a) => a.sub(0.8).square().mul(0.5), a.detach());
  near(pullA(f64(1))[0].item(), -0.8);
  const [, pullZ] = tg.vjp((z) => z.tanh().sub(0.8).square().mul(0.5), z.detach());
  near(pullZ(f64(1))[0].item(), -0.8);
});

test("tanh neuron by grad", () => {
  const [gw, gb] = tg.grad((w: tg.Tensor, b: tg.Tensor) => neuron(w, b).L, { argnums: [0, 1] })(f64(-0.5), f64(1.0));
  near(gw.item(), -1.6);
  near(gb.item(), -0.8);
});

test("tanh neuron by jvp", () => {
  const [L, dLdw] = tg.jvp((w) => neuron(w, f64(1.0)).L, [f64(-0.5)], [f64(1)]);
  near(L.item(), 0.32);
  near(dLdw.item(), -1.6);
  const [, dLdb] = tg.jvp((b) => neuron(f64(-0.5), b).L, [f64(1.0)], [f64(1)]);
  near(dLdb.item(), -0.8);
});

test("finite differences: x = 2, θ = 0.5, b = 0.1, y = 1 (L = ½(tanh(θx + b) − y)²)", () => {
  const L = (t: number) => 0.5 * (Math.tanh(t * 2 + 0.1) - 1) ** 2;
  const analytic = tg.grad((t: tg.Tensor) => t.mul(2).add(0.1).tanh().sub(1).square().mul(0.5))(f64(0.5)).item();
  // ∂L/∂θ = (tanh(1.1) − 1)(1 − tanh²(1.1))·2 = −0.14332…, published as ≈ −0.1432
  near(analytic, (Math.tanh(1.1) - 1) * (1 - Math.tanh(1.1) ** 2) * 2, 1e-14, "closed form");
  near(analytic, -0.1432, 2e-4, "published value");
  const eps = 1e-5;
  const forward = (L(0.5 + eps) - L(0.5)) / eps;
  const central = (L(0.5 + eps) - L(0.5 - eps)) / (2 * eps);
  const fwdErr = Math.abs(forward - analytic);
  const cenErr = Math.abs(central - analytic);
  assert.ok(fwdErr < 3e-5 && fwdErr > 1e-7, `forward difference error ${fwdErr} should be ~1e-5`);
  assert.ok(cenErr < fwdErr / 100, `central difference error ${cenErr} should be far smaller than ${fwdErr}`);
});

test("batched neuron: the batch gradient is the mean of the per-sample gradients", () => {
  const X = f64([[2.0], [1.5], [-1.0]]);
  const Y = f64([[0.8], [0.5], [-0.3]]);
  const loss = (W: tg.Tensor, b: tg.Tensor, x: tg.Tensor, y: tg.Tensor) => tg.matmul(x, W).add(b).tanh().sub(y).square().mul(0.5).mean();
  const W = f64([[-0.5]]);
  const b = f64(1.0);
  const [gW, gb] = tg.grad(loss, { argnums: [0, 1] })(W, b, X, Y);
  let sW = 0;
  let sb = 0;
  for (let i = 0; i < 3; i++) {
    const xi = X.slice([i, i + 1]);
    const yi = Y.slice([i, i + 1]);
    const [gwi, gbi] = tg.grad(loss, { argnums: [0, 1] })(W, b, xi, yi);
    sW += gwi.item() / 3;
    sb += gbi.item() / 3;
    // by hand: dL/dz = (a − y)(1 − a²), dL/dw = x·dL/dz
    const x = X.data()[i];
    const a = Math.tanh(-0.5 * x + 1);
    const dz = (a - Y.data()[i]) * (1 - a * a);
    near(gwi.item(), x * dz, 1e-12, "per-sample dW");
    near(gbi.item(), dz, 1e-12, "per-sample db");
  }
  near(gW.item(), sW);
  near(gb.item(), sb);
});

test("VJP table: y = Wx, y = x + b, σ, sum, softmax, ½‖x‖², Y = XWᵀ + b", () => {
  const gen = tg.random.generator(7);
  const r = (s: number[]) => tg.randn(s, { generator: gen, dtype: "float64" });
  const W = r([3, 4]);
  const x = r([4]);
  const gy = r([3]);
  // y = Wx: ∇x = Wᵀ∇y, ∇W = ∇y xᵀ
  const [, p1] = tg.vjp((W, x) => tg.matmul(W, x), W, x);
  const [gW, gx] = p1(gy);
  nearAll(gx, tg.matmul(W.T, gy).data());
  nearAll(gW, tg.outer(gy, x).data());
  // y = x + b: both get ∇y
  const bb = r([4]);
  const gy4 = r([4]);
  const [ga, gb] = tg.vjp((x, b) => x.add(b), x, bb)[1](gy4);
  nearAll(ga, gy4.data());
  nearAll(gb, gy4.data());
  // elementwise σ: σ'(x) ⊙ ∇y
  const s = x.sigmoid().data();
  const expect = Array.from(s, (v, i) => v * (1 - v) * gy4.data()[i]);
  nearAll(tg.vjp((x) => x.sigmoid(), x)[1](gy4)[0], expect);
  // sum broadcasts ∇y
  nearAll(tg.vjp((x) => x.sum(), x)[1](f64(2.5))[0], [2.5, 2.5, 2.5, 2.5]);
  // softmax: y ⊙ (∇y − yᵀ∇y)
  const y = tg.softmax(x).data();
  const g = gy4.data();
  const yg = Array.from(y).reduce((acc, v, i) => acc + v * g[i], 0);
  nearAll(tg.vjp((x) => tg.softmax(x), x)[1](gy4)[0], Array.from(y, (v, i) => v * (g[i] - yg)));
  // ½‖x‖² gives x
  nearAll(tg.grad((x: tg.Tensor) => x.square().sum().mul(0.5))(x), x.data());
  // batched linear Y = XWᵀ + b: ∇X = ∇Y W, ∇W = ∇Yᵀ X, ∇b = 1ᵀ∇Y
  const X = r([5, 4]);
  const b3 = r([3]);
  const gY = r([5, 3]);
  const [gX, gW2, gb3] = tg.vjp((X, W, b) => tg.matmul(X, W.T).add(b), X, W, b3)[1](gY);
  nearAll(gX, tg.matmul(gY, W).data());
  nearAll(gW2, tg.matmul(gY.T, X).data());
  nearAll(gb3, tg.matmul(tg.ones([1, 5], "float64"), gY).data());
});

test("softmax is stable and cross-entropy's gradient is softmax − onehot (÷ batch)", () => {
  const p = tg.softmax(tg.tensor([1000, 999, 998])).data();
  assert.ok(p.every((v) => Number.isFinite(v)));
  near(p[0], 0.665, 1e-3);
  near(p[1], 0.244, 1e-3);
  near(p[2], 0.09, 1e-3);
  const logits = f64([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0]]);
  const labels = tg.tensor([0, 1], { dtype: "int32" });
  const ce = (z: tg.Tensor) => tg.logSoftmax(z, -1).mul(tg.oneHot(labels, 3, { dtype: "float64" })).sum(-1).neg().mean();
  const g = tg.grad(ce)(logits).data();
  const sm = tg.softmax(logits, -1).data();
  const oh = [1, 0, 0, 0, 1, 0];
  nearAll(g, Array.from(sm, (v, i) => (v - oh[i]) / 2));
  // huge logits: still finite
  const big = tg.grad(ce)(f64([[1000, 0, -1000], [0, 1000, 0]])).data();
  assert.ok(big.every((v) => Number.isFinite(v)));
});

test("jacfwd and jacrev agree; hessian of ½xᵀAx is (A + Aᵀ)/2", () => {
  const gen = tg.random.generator(3);
  const M = tg.randn([3, 4], { generator: gen, dtype: "float64" });
  const f = (x: tg.Tensor) => tg.matmul(M, x.sin()).mul(x.slice([0, 3]));
  const x = tg.randn([4], { generator: gen, dtype: "float64" });
  const jf = tg.jacfwd(f)(x);
  const jr = tg.jacrev(f)(x);
  assert.deepEqual(jf.shape, [3, 4]);
  nearAll(jf, jr.data());
  const A = tg.randn([4, 4], { generator: gen, dtype: "float64" });
  const H = tg.hessian((x: tg.Tensor) => tg.dot(x, tg.matmul(A, x)).mul(0.5))(x);
  nearAll(H, A.add(A.T).mul(0.5).data(), 1e-10);
  // other nestings agree too
  const q = (x: tg.Tensor) => tg.dot(x, tg.matmul(A, x)).mul(0.5);
  nearAll(tg.jacrev(tg.jacrev(q))(x), H.data(), 1e-10);
  nearAll(tg.jacfwd(tg.jacfwd(q))(x), H.data(), 1e-10);
  nearAll(tg.jacrev(tg.jacfwd(q))(x), H.data(), 1e-10);
});

test("nested levels never confuse perturbations: d/dx [x · d/dy (x + y)] at y = x is 1", () => {
  const rev = tg.grad((x: tg.Tensor) => x.mul(tg.grad((y: tg.Tensor) => x.add(y))(x)))(f64(3));
  near(rev.item(), 1);
  const fwd = tg.jvp((x) => x.mul(tg.jvp((y) => x.add(y), [x], [f64(1)])[1]), [f64(3)], [f64(1)])[1];
  near(fwd.item(), 1);
  const mixed = tg.grad((x: tg.Tensor) => x.mul(tg.jvp((y) => x.add(y), [x], [f64(1)])[1]))(f64(3));
  near(mixed.item(), 1);
  // and grad(grad(x³)) = 6x
  near(tg.grad(tg.grad((x: tg.Tensor) => x.mul(x).mul(x)))(f64(2)).item(), 12);
});

test("backward(): accumulation, seeds, noGrad, detach, createGraph", () => {
  const w = f64([1, 2, 3]).setRequiresGrad();
  w.mul(w).sum().backward();
  nearAll(w.grad!, [2, 4, 6]);
  w.mul(w).sum().backward();
  nearAll(w.grad!, [4, 8, 12]);
  w.grad = null;
  const y = w.mul(2);
  assert.throws(() => y.backward(), (e: Error) => e instanceof tg.ArgumentError && /seed gradient is required .* shape \[3\]/.test(e.message));
  y.backward(f64([1, 0, 1]));
  nearAll(w.grad!, [2, 0, 2]);
  assert.equal(tg.noGrad(() => w.mul(2)).requiresGrad, false);
  assert.equal(w.detach().requiresGrad, false);
  assert.throws(() => f64(1).backward(), /does not require grad/);
  const z = w.mul(w).sum();
  z.backward();
  assert.throws(() => z.backward(), /already freed/);
  // createGraph: d²/dx² x³ = 6x
  const x = f64(2).setRequiresGrad();
  const y3 = x.mul(x).mul(x);
  y3.backward(undefined, { createGraph: true });
  const g1 = x.grad!;
  near(g1.item(), 12);
  x.grad = null;
  g1.backward();
  near(x.grad!.item(), 12);
});

test("valueAndGrad with hasAux, and vjp", () => {
  const [[v, aux], g] = tg.valueAndGrad((x: tg.Tensor) => [x.square().sum(), x.size] as [tg.Tensor, number], { hasAux: true })(f64([1, 2]));
  near(v.item(), 5);
  assert.equal(aux, 2);
  nearAll(g, [2, 4]);
  assert.throws(() => tg.grad((x: tg.Tensor) => x.mul(2))(f64([1, 2])), /grad: the function must return a scalar, got shape \[2\]/);
});

test("customJvp: a stable log1pexp whose derivative is σ(x) in both modes", () => {
  const log1pexp = tg.customJvp(
    (x) => tg.softplus(x),
    ([x], [dx]) => dx.mul(x.sigmoid()),
  );
  const x = f64([-50, 0, 3, 800]);
  const g = tg.grad((x: tg.Tensor) => log1pexp(x).sum())(x).data();
  nearAll(g, [1 / (1 + Math.exp(50)), 0.5, 1 / (1 + Math.exp(-3)), 1]);
  const [, t] = tg.jvp(log1pexp, [x], [tg.onesLike(x)]);
  nearAll(t, g);
  // the naive formula overflows: log(1 + e^800) = inf, gradient NaN
  const naive = tg.grad((x: tg.Tensor) => x.exp().log1p().sum())(x).data();
  assert.ok(Number.isNaN(naive[3]));
});

test("customVjp: the backward rule replaces the derivative", () => {
  const clip = tg.customVjp((x) => x.mul(1), (x) => [x.mul(1), null], (_r, g) => [g.clamp(-1, 1)]);
  const g = tg.grad((x: tg.Tensor) => clip(x).mul(5).sum())(f64([1, 2])).data();
  nearAll(g, [1, 1]);
  const y = clip(f64([3, 4]));
  nearAll(y, [3, 4]);
});

test("customVjp: fwd runs once, in the forward pass, and bwd gets its residuals", () => {
  let fwdCalls = 0;
  let fnCalls = 0;
  // x³ with residual x²: bwd gives 3·x²·g
  const cube = tg.customVjp(
    (x) => (fnCalls++, x.mul(x).mul(x)),
    (x) => {
      fwdCalls++;
      const x2 = x.mul(x);
      return [x2.mul(x), x2];
    },
    (x2, g) => [g.mul(x2).mul(3)],
  );
  const count = (f: () => void) => {
    fwdCalls = 0;
    f();
    return fwdCalls;
  };
  // JAX style: the forward runs fwd once, pulling back runs it no more
  let pull!: (ct: tg.Tensor) => tg.Tensor[];
  assert.equal(count(() => ([, pull] = tg.vjp((x) => cube(x), f64([1, 2])))), 1);
  let gx!: tg.Tensor[];
  assert.equal(count(() => (gx = pull(f64([1, 1])))), 0);
  nearAll(gx[0], [3, 12]);
  assert.equal(count(() => nearAll(tg.grad((x: tg.Tensor) => cube(x).sum())(f64([1, 2])), [3, 12])), 1);
  // PyTorch style
  const w = f64([1, 2]).setRequiresGrad();
  let y!: tg.Tensor;
  assert.equal(count(() => (y = cube(w).sum())), 1);
  assert.equal(count(() => y.backward()), 0);
  nearAll(w.grad!, [3, 12]);
  // not differentiated: the plain function, no fwd
  fnCalls = 0;
  assert.equal(count(() => nearAll(cube(f64([2])), [8])), 0);
  assert.equal(fnCalls, 1);
  // second order through the residuals: d²/dx² x³ = 6x, by grad of grad, hessian and createGraph
  assert.equal(count(() => nearAll(tg.grad((x: tg.Tensor) => tg.grad((z: tg.Tensor) => cube(z).sum())(x).sum())(f64([1, 2])), [6, 12])), 1);
  nearAll(tg.hessian((x) => cube(x).sum())(f64([1, 2])), [6, 0, 0, 12]);
  const v = f64(2).setRequiresGrad();
  cube(v).backward(undefined, { createGraph: true });
  const g1 = v.grad!;
  near(g1.item(), 12);
  v.grad = null;
  g1.backward();
  near(v.grad!.item(), 12);
  // fwd may return its input as the output; the input's own graph is left alone
  const ident = tg.customVjp((x) => x, (x) => [x, null], (_r, g) => [g.mul(2)]);
  const u = f64([1, 2]).setRequiresGrad();
  ident(u).sum().backward();
  nearAll(u.grad!, [2, 2]);
  assert.equal(u.requiresGrad, true);
  assert.throws(() => tg.grad((x: tg.Tensor) => tg.customVjp((z) => z, () => [] as unknown as [tg.Tensor, null], (_r, g) => [g])(x).sum())(f64([1])), /customVjp: the forward rule must return \[output, residuals\]/);
});

test("cotangents are un-broadcast once by the backward pass; a shape that cannot be is an error naming the primitive", () => {
  // a rule that returns the output's shape for a broadcast input: summed down by the driver
  const bcast = tg.customVjp((x, b) => x.add(b), (x, b) => [x.add(b), null], (_r, g) => [g, g]);
  const [gx, gb] = tg.grad((x: tg.Tensor, b: tg.Tensor) => bcast(x, b).mul(f64([[1, 2, 3], [4, 5, 6]])).sum(), { argnums: [0, 1] })(f64([[0, 0, 0], [0, 0, 0]]), f64([0, 0, 0]));
  nearAll(gx, [1, 2, 3, 4, 5, 6]);
  nearAll(gb, [5, 7, 9]);
  const wrong = tg.customVjp((x) => x.mul(1), (x) => [x.mul(1), null], () => [f64([1, 2])]);
  assert.throws(
    () => tg.grad((x: tg.Tensor) => wrong(x).sum())(f64([1, 2, 3])),
    (e: Error) => e instanceof tg.TensorGradError && /^customVjp\(.*\): VJP rule gave a cotangent of shape \[2\] for an input of shape \[3\]$/.test(e.message),
  );
});

test("gradcheck reports per input and raises only when asked", () => {
  const good = tg.gradcheck((a, b) => a.mul(b).sin().sum(), [f64([0.3, 0.7]), f64([1.1, -0.4])]);
  assert.equal(good.passed, true);
  assert.equal(good.inputs.length, 2);
  assert.ok(good.inputs[0].maxAbsErrorReverse < 1e-8);
  const wrong = tg.customVjp((x) => x.square(), (x) => [x.square(), x], (x, g) => [g.mul(x).mul(3)]);
  const bad = tg.gradcheck((x) => wrong(x).sum(), [f64([1, 2])]);
  assert.equal(bad.passed, false);
  assert.ok(bad.inputs[0].maxAbsErrorReverse > 0.5);
  assert.throws(() => tg.gradcheck((x) => wrong(x).sum(), [f64([1, 2])], { raiseOnFailure: true }), /gradcheck: input 0/);
});

test("errors name the operation, the shapes and the dtypes", () => {
  const m = (f: () => unknown, cls: typeof tg.TensorGradError, re: RegExp) =>
    assert.throws(f, (e: Error) => e instanceof cls && re.test(e.message), re.source);
  m(() => tg.matmul(tg.ones([3, 4]), tg.ones([5, 2])), tg.ShapeError, /^matmul: inner dimensions differ: \[3,4\] @ \[5,2\]$/);
  m(() => tg.add(tg.ones([2, 3]), tg.ones([4])), tg.ShapeError, /^add: shapes \[2,3\] and \[4\] cannot be broadcast/);
  m(() => tg.reshape(tg.ones([2, 3]), [4]), tg.ShapeError, /^reshape: cannot reshape a tensor of shape \[2,3\] \(6 elements\) to \[4\]/);
  m(() => tg.gather(tg.ones([2, 3]), 1, tg.tensor([[0]])), tg.DTypeError, /^gather: index must be int32, got float32\[1,1\]/);
  // index values are checked on the device, so the error comes at the next sync point
  m(() => tg.gather(tg.ones([2, 3]), 1, tg.tensor([[5]], { dtype: "int32" })).data(), tg.ArgumentError, /^gather: index 5 at position 0 is out of range for axis 1 of size 3 \(input \[1,3\], index \[1,1\]\)$/);
  m(() => tg.where(tg.ones([2]), 1, 2), tg.DTypeError, /^where: condition must be a bool tensor, got float32\[2\]/);
  m(() => tg.sum(tg.ones([2, 3]), 2), tg.ArgumentError, /^sum: axis 2 is out of range for a tensor of rank 2/);
  // the same axis twice, also when one of them counts from the end
  m(() => tg.sum(tg.ones([2, 3]), [1, -1]), tg.ArgumentError, /^sum: repeated axis in \[1,-1\]/);
  m(() => tg.mean(tg.ones([2, 3, 4]), [2, 0, 2]), tg.ArgumentError, /^mean: repeated axis in \[2,0,2\]/);
  m(() => tg.ones([2], "int32").setRequiresGrad(), tg.DTypeError, /^setRequiresGrad: only floating-point tensors can require gradients, got int32/);
  m(() => tg.grad((x: tg.Tensor) => x.sum())(tg.ones([2], "int32")), tg.DTypeError, /^vjp: cannot differentiate with respect to argument 0 of dtype int32\[2\]/);
  m(() => tg.jvp((x) => x, [tg.ones([2])], [tg.ones([3])]), tg.ShapeError, /^jvp: tangent 0 has shape \[3\] but its primal has shape \[2\]/);
  m(() => tg.tensor([[1, 2], [3]]), tg.ArgumentError, /^tensor: ragged nested array/);
  m(() => tg.concat([tg.ones([2, 3]), tg.ones([2, 4])], 0), tg.ShapeError, /^concat: shapes \[2,3\], \[2,4\] differ outside axis 0/);
  m(() => tg.ones([2, 2]).item(), tg.ArgumentError, /^item: tensor of shape \[2,2\] has 4 elements, not 1/);
  m(() => tg.permute(tg.ones([2, 3]), [0, 0]), tg.ArgumentError, /^permute: axes \[0,0\] are not a permutation/);
  m(() => tg.broadcastTo(tg.ones([3]), [2, 4]), tg.ShapeError, /^broadcastTo: cannot broadcast a tensor of shape \[3\] to \[2,4\]/);
  m(() => tg.slice(tg.ones([3]), [0, 2, 0]), tg.ArgumentError, /^slice: step must be a non-zero integer/);
  m(() => tg.randn([2], { dtype: "int32" }), tg.DTypeError, /^randn: dtype must be float32 or float64, got int32/);
  m(() => tg.oneHot(tg.tensor([3], { dtype: "int32" }), 3).data(), tg.ArgumentError, /^oneHot: index 3 at position 0 is out of range for axis 1 of size 3 \(indices \[1\], numClasses 3\)$/);
  m(() => tg.split(tg.ones([5]), [2, 2]), tg.ArgumentError, /^split: sizes \[2,2\] do not add up to 5/);
  m(() => tg.vjp((x) => x.mul(2), tg.ones([2]))[1](tg.ones([3])), tg.ShapeError, /^vjp: cotangent shape \[3\] does not match the output shape \[2\]/);
});

test("noGrad: constant for transformations already running, transparent to ones started inside", () => {
  // inside grad: the noGrad part is a constant, so d/dx [x · noGrad(x²)] = x² = 9 at x = 3
  near(tg.grad((x: tg.Tensor) => x.mul(tg.noGrad(() => x.square())))(f64(3)).item(), 9);
  // grad started inside noGrad works as usual
  near(tg.noGrad(() => tg.grad((x: tg.Tensor) => x.square())(f64(3))).item(), 6);
  // and leaves no eager graph behind
  const w = f64(2).setRequiresGrad();
  assert.equal(tg.noGrad(() => w.mul(w)).requiresGrad, false);
});

test("more bad input: shapes, slice specs, dtypes, empty reductions, threads, optimizers", async () => {
  const m = (f: () => unknown, cls: typeof tg.TensorGradError, re: RegExp) =>
    assert.throws(f, (e: Error) => e instanceof cls && re.test(e.message), re.source);
  m(() => tg.tensor([1, 2, 3], { shape: [2, 2] }), tg.ArgumentError, /^tensor: shape \[2,2\] needs 4 elements, the nested array has shape \[3\]/);
  assert.deepEqual(tg.tensor([1, 2, 3, 4], { shape: [2, 2] }).shape, [2, 2]);
  m(() => tg.tensor(["a"] as unknown as number[]), tg.ArgumentError, /^tensor: expected a number or boolean at \[0\], got string/);
  m(() => tg.slice(tg.ones([4]), [Number.NaN, 2]), tg.ArgumentError, /^slice: start must be an integer or null, got NaN on axis 0/);
  m(() => tg.slice(tg.ones([4]), [0.5, 2]), tg.ArgumentError, /^slice: start must be an integer or null, got 0.5 on axis 0/);
  m(() => tg.cast(tg.ones([2]), "float8" as tg.DType), tg.DTypeError, /^cast: unknown dtype .float8./);
  m(() => tg.zeros([2], "half" as tg.DType), tg.DTypeError, /^zeros: unknown dtype 'half'/);
  assert.equal(tg.zeros([2], { dtype: "float64" }).dtype, "float64");
  m(() => tg.mean(tg.zeros([0])), tg.ArgumentError, /^mean: cannot average over an empty axis \(shape \[0\]\)/);
  m(() => tg.var(tg.ones([1])), tg.ArgumentError, /^var: 1 elements over the reduced axes of shape \[1\] leave no degrees of freedom/);
  await assert.rejects(tg.setNumThreads(0), (e: Error) => e instanceof tg.ArgumentError && /^setNumThreads: expected an integer from 1 to 64, got 0/.test(e.message));
  const logits = tg.zeros([2, 3]);
  const all = tg.tensor([-100, -100], { dtype: "int32" });
  // every target ignored: known only on the device, so the mean is 0/0 = NaN (as in PyTorch) …
  assert.ok(Number.isNaN(tg.nn.functional.crossEntropy(logits, all).item()));
  // … while an empty batch is known from the shape, and the debug check reads the targets
  m(() => tg.nn.functional.crossEntropy(tg.zeros([0, 3]), tg.tensor([], { dtype: "int32" })), tg.ArgumentError, /^crossEntropy: no target is counted/);
  const before = tg.setDebug({ checkIndices: true });
  try {
    m(() => tg.nn.functional.crossEntropy(logits, all), tg.ArgumentError, /^crossEntropy: no target is counted/);
  } finally {
    tg.setDebug(before);
  }
  m(() => new tg.optim.SGD([tg.zeros([2])], { lr: 0.1 }), tg.ArgumentError, /^SGD: parameter 0 \(shape \[2\]\) is not a leaf that requires grad/);
});

test("backward() realizes pending leaves: a hand-written update is computed once, not inlined and computed again", async () => {
  const { scheduleStats } = await import("../src/backend/schedule.js");
  const gen = tg.random.generator(3);
  const x = tg.randn([8, 3], { generator: gen });
  let w = tg.randn([3, 5], { generator: gen }).setRequiresGrad();
  let b = tg.randn([5], { generator: gen }).setRequiresGrad();
  const kernels: number[] = [];
  const ref = { w: w.data().slice(), b: b.data().slice() };
  for (let step = 0; step < 4; step++) {
    const before = scheduleStats.kernels;
    tg.sum(tg.relu(tg.add(tg.matmul(x, w), b)).square()).backward();
    kernels.push(scheduleStats.kernels - before);
    // the leaves this pass differentiated are realized (their pending updates ran once, here)
    assert.equal(w._buf!.op, null);
    assert.equal(b._buf!.op, null);
    const [gw, gb] = [w.grad!, b.grad!];
    tg.noGrad(() => {
      w = tg.sub(w, tg.mul(gw, 0.1)).setRequiresGrad();
      b = tg.sub(b, tg.mul(gb, 0.1)).setRequiresGrad();
    });
    // the same update on plain arrays
    const gwv = gw.data(), gbv = gb.data();
    ref.w = ref.w.map((v, i) => Math.fround(v - Math.fround(gwv[i] * Math.fround(0.1))));
    ref.b = ref.b.map((v, i) => Math.fround(v - Math.fround(gbv[i] * Math.fround(0.1))));
  }
  // every step after the first runs the same kernels (no update computed a second time)
  assert.ok(kernels.slice(1).every((k) => k === kernels[1]), `kernels per step ${kernels.join(", ")}`);
  assert.deepEqual(Array.from(w.data()), Array.from(ref.w));
  assert.deepEqual(Array.from(b.data()), Array.from(ref.b));
});
