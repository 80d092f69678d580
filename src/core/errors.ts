// Typed errors. Every message starts with the operation's name and names the shapes and dtypes
// involved, so a user can tell from the message alone which call was wrong and why.

/** Base class of every error tensorgrad throws on purpose. */
export class TensorGradError extends Error {
  override name = "TensorGradError";
}

/** Shapes that do not fit together: `matmul: inner dimensions differ: [3,4] @ [5,2]`. */
export class ShapeError extends TensorGradError {
  override name = "ShapeError";
}

/** A dtype an operation does not accept: `gather: index must be int32, got float32`. */
export class DTypeError extends TensorGradError {
  override name = "DTypeError";
}

/** A bad non-tensor argument: an axis out of range, a negative size, a missing seed gradient. */
export class ArgumentError extends TensorGradError {
  override name = "ArgumentError";
}

/**
 * Memory for a result could not be had (a tensor larger than the engine can allocate). Raised
 * before the result exists: every tensor computed so far is unchanged, and the pending work can be
 * retried once memory is freed.
 */
export class MemoryError extends TensorGradError {
  override name = "MemoryError";
}

/** Formats a shape the way messages print it: `[3,4]`, `[]` for a scalar. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}

/** Refuses option names an operation does not know (a misspelt or unsupported option must not be ignored). */
export function checkOpts(op: string, opts: object, allowed: readonly string[]): void {
  if (typeof opts !== "object" || opts === null) throw new ArgumentError(`${op}: options must be an object`);
  for (const k of Object.keys(opts))
    if (!allowed.includes(k)) throw new ArgumentError(`${op}: unknown option '${k}' (supported: ${allowed.join(", ")})`);
}
