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
  let out: Tensor;
  if (y.ndim === 2 && x.ndim > 2 && rowsMerge(x)) {
    // [..., m, k] @ [k, n] as one [(…·m), k] @ [k, n] product (as PyTorch does): one large GEMM
    // instead of a batch of small ones, and the weight's gradient becomes one product over all
    // rows instead of a batch of products summed afterwards
    const lead = x.shape.slice(0, -1);
    out = reshape(bind(erase(matmulPrim), [reshape(x, [-1, x.shape[x.ndim - 1]]), y], {}), [...lead, y.shape[1]]);
  } else out = bind(erase(matmulPrim), [x, y], {});
  if (vecA) out = squeeze(out, -2);
  if (vecB) out = squeeze(out, -1);
  return out;
}

/** Whether the leading axes of `x` and its rows merge into one axis without a copy (and it holds elements). */
function rowsMerge(x: Tensor): boolean {
  const c = x._concrete();
  const shape = c.shape;
  if (shape.some((d) => d === 0)) return false;
  const strides = c._strides;
  for (let i = shape.length - 3; i >= 0; i--) if (shape[i] !== 1 && strides[i] !== strides[i + 1] * shape[i + 1]) return false;
  return shape[shape.length - 2] === 1 || strides[shape.length - 2] > 0;
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
