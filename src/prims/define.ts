// What a primitive is: one object holding its shape/dtype rule, its kernel call (or, for a view,
// the new strides), its VJP and JVP rules written with tensor operations, and its test cases.

import type { DType } from "../core/dtype.js";
import type { Shape } from "../core/shape.js";
import type { LazyBuffer, Lowering } from "../backend/lazy.js";
import type { Generator } from "../random/generator.js";
import type { Tensor } from "../tensor/tensor.js";

/** The shape and dtype a primitive will produce, found before any kernel runs. */
export interface OutInfo {
  /** (A tensor's own frozen shape may be passed through: the output then shares it.) */
  shape: readonly number[];
  dtype: DType;
}

/** What a rule sees besides its inputs. */
export interface RuleCtx<P> {
  /** The primal output. */
  out: Tensor;
  params: P;
  /** Which inputs need a cotangent (VJP rules may skip the others). */
  needs: readonly boolean[];
  /** For a call primitive with `fwd`: what `fwd` saved in the forward pass (VJP rules only). */
  residuals?: unknown;
}

/** One test case: input shapes (float64 values drawn in `domain`) or hand-made inputs. */
export interface Case<P> {
  shapes?: readonly Shape[];
  params?: P;
  /** Sampling interval for the random inputs; default [-2, 2]. */
  domain?: readonly [number, number];
  /** Inputs built by hand (indices and the like); overrides `shapes`. */
  make?: (gen: Generator) => Tensor[];
  /** Inputs to differentiate with respect to; default: every floating-point input. */
  wrt?: readonly number[];
  /** False for primitives with kinks (relu, abs, max): no second-order check. Default true. */
  smooth?: boolean;
}

/**
 * The derivative rules as formulas for people (PyTorch's derivatives.yaml entries), shown on
 * graph pictures and in the explorer: ḡ is the output's cotangent, y the output, x̄ an input's
 * cotangent; d· marks tangents. Kept on the primitive so the math has one source.
 */
export interface Formula {
  /** Reverse mode, e.g. "x̄ = ḡ·y" for exp; "none (…)" for primitives without a derivative. */
  readonly vjp: string;
  /** Forward mode, e.g. "dy = y·dx"; omitted where it adds nothing (non-differentiable primitives). */
  readonly jvp?: string;
}

interface PrimitiveBase<P> {
  readonly name: string;
  /** The rules written as math; required, so a primitive without its formula does not compile. */
  readonly formula: Formula;
  /** Checks inputs and parameters (throwing typed errors) and gives the output's shape and dtype. */
  infer(inputs: readonly Tensor[], params: P): OutInfo;
  /** Cotangents of the inputs given the output's cotangent `g`; `undefined` means zero. Null: not differentiable. */
  readonly vjp: ((g: Tensor, inputs: readonly Tensor[], ctx: RuleCtx<P>) => (Tensor | undefined)[]) | null;
  /** Tangent of the output given the inputs' tangents (`undefined` = zero). Null: not differentiable. */
  readonly jvp: ((inputs: readonly Tensor[], tangents: readonly (Tensor | undefined)[], ctx: RuleCtx<P>) => Tensor | undefined) | null;
  /** At least one case: a primitive without test cases does not compile. */
  readonly cases: readonly [Case<P>, ...Case<P>[]];
}

/** A primitive computed by a backend kernel: `kernel` lowers it to a pending buffer (nothing runs yet). */
export interface ComputePrimitive<P> extends PrimitiveBase<P> {
  readonly kind: "compute";
  kernel(be: Lowering, inputs: readonly Tensor[], params: P, out: OutInfo): LazyBuffer;
}

/** A view: the output shares its input's buffer with new strides and offset; no kernel runs. */
export interface ViewPrimitive<P> extends PrimitiveBase<P> {
  readonly kind: "view";
  /** New strides and offset, or null when the input's layout cannot be viewed so (it is copied first). */
  view(input: Tensor, params: P, out: OutInfo): { strides: number[]; offset: number } | null;
}

/** A primitive computed by running tensor operations (user-defined functions with custom rules). */
export interface CallPrimitive<P> extends PrimitiveBase<P> {
  readonly kind: "call";
  call(inputs: readonly Tensor[], params: P): Tensor;
  /**
   * The output together with what the VJP rule will need (JAX's custom_vjp `fwd`). When present,
   * a differentiated application runs this instead of `call`, once, in the forward pass, and the
   * VJP rule receives the residuals as `ctx.residuals` (so it never recomputes the forward).
   */
  fwd?(inputs: readonly Tensor[], params: P): [Tensor, unknown];
}

export type Primitive<P> = ComputePrimitive<P> | ViewPrimitive<P> | CallPrimitive<P>;

/**
 * A primitive with its parameter type erased, as the table stores it. Each definition is
 * checked against its own parameter type; `bind` only ever passes a primitive its own params.
 */
export type AnyPrimitive = Primitive<unknown>;

/** Defines a primitive, checking the definition against its parameter type `P`. */
export function definePrimitive<P = Record<string, never>>(def: Primitive<P>): Primitive<P> {
  return def;
}

/** Erases a primitive's parameter type for storage in the table. */
export function erase<P>(p: Primitive<P>): AnyPrimitive {
  return p as unknown as AnyPrimitive;
}
