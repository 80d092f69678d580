// Renders a fused elementwise expression (kernel.ts's `Expr`) to Wasm SIMD from the op table's
// `wasm` forms: every node becomes one v128 local, four elements at a time, the way the
// JavaScript renderer gives every node one `const`. Values are float32 lanes; a bool node (a
// comparison, or a cast to bool) is a lane mask, all ones for true, which `where` selects with
// and a cast to float32 turns into 1 or 0.

import type { Expr } from "../kernel.js";
import { BINARY_OPS, UNARY_OPS, isCompare } from "../ops.js";
import { type Fn, V128 } from "./emitter.js";

/** Whether `e` renders to Wasm: float32 inputs and constants, ops with a Wasm form, bool only as masks. */
export function wasmRenders(e: Expr): boolean {
  switch (e.op) {
    case "input":
    case "const":
      return e.dtype === "float32";
    case "unary":
      return e.dtype === "float32" && e.x.dtype === "float32" && UNARY_OPS[e.fn].wasm !== undefined && wasmRenders(e.x);
    case "binary": {
      const result = isCompare(e.fn) ? "bool" : "float32";
      return (
        e.dtype === result && e.a.dtype === "float32" && e.b.dtype === "float32" &&
        BINARY_OPS[e.fn].wasm !== undefined && wasmRenders(e.a) && wasmRenders(e.b)
      );
    }
    case "where":
      return (
        e.dtype === "float32" && (e.cond.dtype === "bool" || e.cond.dtype === "float32") &&
        e.a.dtype === "float32" && e.b.dtype === "float32" && wasmRenders(e.cond) && wasmRenders(e.a) && wasmRenders(e.b)
      );
    case "cast":
      return (e.dtype === "float32" || e.dtype === "bool") && (e.x.dtype === "float32" || e.x.dtype === "bool") && wasmRenders(e.x);
  }
}

/** Whether every op in `e` has an exact Wasm form (then the kernel matches the JS rendering bit for bit). */
export function wasmExact(e: Expr): boolean {
  switch (e.op) {
    case "input":
    case "const":
      return true;
    case "unary":
      return UNARY_OPS[e.fn].wasm?.exact === true && wasmExact(e.x);
    case "binary":
      return BINARY_OPS[e.fn].wasm?.exact === true && wasmExact(e.a) && wasmExact(e.b);
    case "where":
      return wasmExact(e.cond) && wasmExact(e.a) && wasmExact(e.b);
    case "cast":
      return wasmExact(e.x);
  }
}

/** The constant indices `e` reads. */
export function constsOf(e: Expr, out = new Set<number>()): Set<number> {
  switch (e.op) {
    case "const":
      out.add(e.index);
      break;
    case "input":
      break;
    case "unary":
    case "cast":
      constsOf(e.x, out);
      break;
    case "binary":
      constsOf(e.a, out);
      constsOf(e.b, out);
      break;
    case "where":
      constsOf(e.cond, out);
      constsOf(e.a, out);
      constsOf(e.b, out);
      break;
  }
  return out;
}

/** The input indices `e` reads. */
export function inputsOf(e: Expr, out = new Set<number>()): Set<number> {
  switch (e.op) {
    case "input":
      out.add(e.index);
      break;
    case "const":
      break;
    case "unary":
    case "cast":
      inputsOf(e.x, out);
      break;
    case "binary":
      inputsOf(e.a, out);
      inputsOf(e.b, out);
      break;
    case "where":
      inputsOf(e.cond, out);
      inputsOf(e.a, out);
      inputsOf(e.b, out);
      break;
  }
  return out;
}

/**
 * Emits `e` (which `wasmRenders`) and returns the v128 local holding its value; `input(i)` and
 * `constant(i)` give the locals already holding input i's four elements and constant i's splat.
 */
export function emitExpr(f: Fn, e: Expr, input: (i: number) => number, constant: (i: number) => number): number {
  const walk = (n: Expr): number => {
    switch (n.op) {
      case "input":
        return input(n.index);
      case "const":
        return constant(n.index);
      case "unary": {
        const x = walk(n.x);
        UNARY_OPS[n.fn].wasm!.emit(f, x);
        break;
      }
      case "binary": {
        const a = walk(n.a);
        const b = walk(n.b);
        BINARY_OPS[n.fn].wasm!.emit(f, a, b);
        break;
      }
      case "where": {
        const c = walk(n.cond);
        const a = walk(n.a);
        const b = walk(n.b);
        f.get(a).get(b).get(c);
        // a float32 condition is true where it is not 0 (NaN included), as in the JS form
        if (n.cond.dtype === "float32") f.constF32x4(0).op("f32x4.ne");
        f.op("v128.bitselect");
        break;
      }
      case "cast": {
        const x = walk(n.x);
        if (n.x.dtype === n.dtype) return x;
        // bool → float32 keeps 1.0 where the mask is set; float32 → bool tests ≠ 0 (NaN is true)
        if (n.dtype === "float32") f.get(x).constF32x4(1).op("v128.and");
        else f.get(x).constF32x4(0).op("f32x4.ne");
        break;
      }
    }
    const t = f.local(V128);
    f.set(t);
    return t;
  };
  return walk(e);
}
