// Matrix products with PyTorch's rules for 1-D operands and broadcast batch dimensions.

import { ArgumentError, ShapeError, fmtShape } from "../../core/errors.js";
import { bind } from "../../autodiff/bind.js";
import { erase } from "../../prims/define.js";
import { matmul as matmulPrim } from "../../prims/matmul.js";
import { Tensor } from "../tensor.js";
import { coerce } from "./arith.js";
import { reshape, squeeze, unsqueeze } from "./shape.js";

/**
 * Matrix product. 1-D operands are treated as a row (left) or column (right) vector and that
 * axis is removed from the result; leading (batch) axes broadcast.
 * @example tg.matmul(tg.ones([2, 3]), tg.ones([3, 4])) // shape [2, 4]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new ArgumentError("matmul: both operands must be tensors");
  if (a.ndim === 0 || b.ndim === 0) throw new ShapeError(`matmul: operands must have at least one dimension, got ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}`);
  const innerA = a.shape[a.ndim - 1];
  const innerB = b.ndim === 1 ? b.shape[0] : b.shape[b.ndim - 2];
  if (innerA !== innerB) throw new ShapeError(`matmul: inner dimensions differ: ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}`);
  let [x, y] = coerce("matmul", a, b);
  const vecA = x.ndim === 1;
  const vecB = y.ndim === 1;
  if (vecA) x = unsqueeze(x, 0);
  if (vecB) y = unsqueeze(y, 1);
  let out = bind(erase(matmulPrim), [x, y], {});
  if (vecA) out = squeeze(out, -2);
  if (vecB) out = squeeze(out, -1);
  return out;
}

/** Inner product of two 1-D tensors. */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) throw new ShapeError(`dot: expected 1-D tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return matmul(a, b);
}

/** Outer product of two 1-D tensors. */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) throw new ShapeError(`outer: expected 1-D tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return matmul(reshape(a, [-1, 1]), reshape(b, [1, -1]));
}
