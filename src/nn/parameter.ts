// Parameters and the one way to change one. A parameter is an ordinary concrete Tensor marked
// with `setRequiresGrad()`: a leaf of the reverse-mode graph whose `.grad` receives gradients.
//
// Tensors are immutable to users, but a trained model must change its weights while everything
// that holds them (the module's fields, an optimizer's parameter list, a user's `const w =
// model.weight`) keeps seeing the same object. `assignParameter` does exactly that: it points
// the parameter at the storage of a new value. No buffer is ever written in place — the old
// buffer stays valid for every view or snapshot taken from it (`p.detach()`, `stateDict()`), so
// aliasing cannot corrupt anything.

import { DTypeError, ShapeError, ArgumentError, fmtShape } from "../core/errors.js";
import { shapesEqual } from "../core/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { captureState } from "../backend/capture.js";

/**
 * True when `t` is a parameter: a concrete tensor (not a value inside a transformation) that is a
 * leaf marked with `setRequiresGrad()` — not a result computed from one.
 * @example isParameter(tg.zeros([2]).setRequiresGrad()) // true
 */
export function isParameter(t: unknown): t is Tensor {
  return t instanceof Tensor && t._trace === undefined && t._node !== undefined && t._node.prim === null;
}

/**
 * Makes `p` hold the values of `value`, in place: `p` stays the same object, keeps its
 * `requiresGrad` leaf node (so later `backward()` calls still accumulate into `p.grad`) and its
 * current `.grad`; nothing else changes. `value` must have `p`'s shape and dtype; it is detached
 * (its own graph is ignored). The value may still be pending: it runs with the next realization.
 *
 * This is the update hook optimizers use: compute the new value with ordinary tensor operations
 * (under `noGrad` to avoid recording a graph), then assign it.
 *
 * As with an in-place update in PyTorch, a graph kept alive with `{ retainGraph: true }` that saved
 * `p` sees the new value when backpropagated again; update parameters after `backward()`.
 * @example
 * const w = tg.tensor([1, 2]).setRequiresGrad();
 * w.mul(w).sum().backward();
 * tg.noGrad(() => assignParameter(w, w.sub(w.grad!.mul(0.1)))); // w = [0.8, 1.6]
 */
export function assignParameter(p: Tensor, value: Tensor): void {
  if (!(p instanceof Tensor) || !(value instanceof Tensor))
    throw new ArgumentError("assignParameter: both the parameter and the value must be tensors");
  if (p._trace !== undefined || !p._buf || !p._backend)
    throw new ArgumentError(`assignParameter: the parameter ${fmtShape(p.shape)} must be a concrete tensor, not a value inside a transformation`);
  if (p._node !== undefined && p._node.prim !== null)
    throw new ArgumentError(
      `assignParameter: the parameter ${fmtShape(p.shape)} is the result of a computation; only leaf tensors (made with setRequiresGrad()) can be assigned`,
    );
  if (!shapesEqual(p.shape, value.shape))
    throw new ShapeError(`assignParameter: parameter of shape ${fmtShape(p.shape)} cannot take a value of shape ${fmtShape(value.shape)}`);
  if (p.dtype !== value.dtype)
    throw new DTypeError(`assignParameter: parameter of dtype ${p.dtype}${fmtShape(p.shape)} cannot take a value of dtype ${value.dtype}`);
  // a contiguous concrete copy on p's backend; `_contiguous` returns the value itself when it
  // already is one, which is safe to share because buffers are never written after creation
  const c = value._concrete()._contiguous();
  const capture = captureState.active;
  if (capture) {
    // a compiled step: store the value the plan computes on each call
    capture.sideEffect("assignParameter");
    const old = { buf: p._buf, backend: p._backend, strides: p._strides, offset: p._offset };
    capture.restores.push(() => Object.assign(p, { _buf: old.buf, _backend: old.backend, _strides: old.strides, _offset: old.offset }));
    capture.writes.push({ value: c, apply: (v) => v && setStorage(p, v), cell: p });
  }
  setStorage(p, c);
}

/** Points `p` at the storage of contiguous `c`. */
function setStorage(p: Tensor, c: Tensor): void {
  p._buf = c._buf;
  p._backend = c._backend;
  p._strides = c._strides;
  p._offset = c._offset;
}
