// What `console.log(t)` (Node's util.inspect) shows for a tensor: the values as `toString()`
// prints them (summarised when large), the shape and dtype, and the gradient bookkeeping, like
// PyTorch's repr — `tensor([1., 2.], shape=[2], dtype=float32, requiresGrad=true)` — instead of
// the backend's internals. Printing reads the values, so it runs what is pending; where the
// values cannot be read (a value of a function being traced, a donated buffer) a placeholder
// takes their place: printing never throws.

import { captureState } from "../backend/capture.js";
import { fmtShape } from "../core/errors.js";
import { formatValues } from "./format.js";
import { Tensor } from "./tensor.js";

/** Node's key for custom inspection (`util.inspect.custom`), without loading node:util (browsers). */
export const inspectCustom: unique symbol = Symbol.for("nodejs.util.inspect.custom");

/**
 * The inspection text of `t`.
 * @example inspectTensor(tg.tensor([[1, 2], [3, 4]])) // "tensor([[1., 2.],\n        [3., 4.]], shape=[2,2], dtype=float32)"
 */
export function inspectTensor(t: Tensor): string {
  const prefix = "tensor(";
  const values = readForPrinting(t);
  const body = typeof values === "string" ? values : formatValues(values, t.shape, t.dtype, prefix.length);
  const fields = [`shape=${fmtShape(t.shape)}`, `dtype=${t.dtype}`];
  const node = t._node;
  if (node?.prim) fields.push(`gradFn=<${node.prim.name}>`);
  else if (node) fields.push("requiresGrad=true");
  return `${prefix}${body}, ${fields.join(", ")})`;
}

/** The values of `t` in row-major order, or a placeholder saying why they cannot be read. */
function readForPrinting(t: Tensor): ArrayLike<number> | string {
  const c = t._concrete();
  const lb = c._buf;
  if (!lb) return "<no data>";
  if (lb.donated) return "<donated>";
  // a value of a traced function does not exist until the compiled plan runs (and one that
  // escaped its trace never will)
  if (lb.traced) return "<traced>";
  try {
    // inside a trace a strided view is read through its whole buffer on the host: copying it
    // into row-major order would add a kernel to the traced function
    if (captureState.active && !c._isContiguous()) return gatherStrided(Tensor._fromBuf(lb, [lb.size], c.dtype).data(), c);
    return c.data();
  } catch (e) {
    return `<unreadable: ${e instanceof Error ? e.message : String(e)}>`;
  }
}

/** The elements of the strided view `v` picked from `base`, the whole buffer it reads. */
function gatherStrided(base: ArrayLike<number>, v: Tensor): number[] {
  const out: number[] = [];
  const walk = (dim: number, off: number): void => {
    if (dim === v.shape.length) {
      out.push(base[off]);
      return;
    }
    for (let i = 0; i < v.shape[dim]; i++) walk(dim + 1, off + i * v._strides[dim]);
  };
  walk(0, v._offset);
  return out;
}
