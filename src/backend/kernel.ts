// The backend contract: what a device implements. A backend is memory plus a program runner:
// it allocates, fills, reads and frees buffers, declares which kernels it can run, and compiles
// and dispatches kernel descriptions. It never sees tensors, views, autodiff or broadcasting
// rules — those live in the front end, which lowers every primitive to the descriptions below,
// fuses chains of elementwise work into one expression and plans the buffers.
//
// A new device (WebGPU, a native addon) implements `Backend` and nothing else; see
// src/backend/README.md for the walk-through.

import type { DType, TypedArray } from "../core/dtype.js";
import type { BinaryOp, UnaryOp } from "./ops.js";
import type { ExternParams } from "./extern.js";

export type { BinaryOp, UnaryOp } from "./ops.js";

/** A backend's opaque buffer handle. */
export type Buf = object;

export type ReduceOp = "sum" | "max" | "min" | "prod";
export type ArgReduceOp = "argmax" | "argmin";

// ---- elementwise expressions ----

/**
 * An elementwise expression: the body of a fused kernel. Every node carries its result dtype.
 * `input` reads kernel input `index` at the current element (through that input's strides);
 * `const` is a runtime scalar (`Kernel.consts[index]`), so kernels that differ only in constants
 * share one compiled program.
 */
export type Expr =
  | { readonly op: "input"; readonly index: number; readonly dtype: DType }
  | { readonly op: "const"; readonly index: number; readonly dtype: DType }
  | { readonly op: "unary"; readonly fn: UnaryOp; readonly x: Expr; readonly dtype: DType }
  | { readonly op: "binary"; readonly fn: BinaryOp; readonly a: Expr; readonly b: Expr; readonly dtype: DType }
  | { readonly op: "where"; readonly cond: Expr; readonly a: Expr; readonly b: Expr; readonly dtype: DType }
  | { readonly op: "cast"; readonly x: Expr; readonly dtype: DType };

/** The constants of `expr` (each with the dtype it is read as), in the order they are met. */
export function exprConsts(expr: Expr): Extract<Expr, { op: "const" }>[] {
  const out: Extract<Expr, { op: "const" }>[] = [];
  const walk = (e: Expr): void => {
    switch (e.op) {
      case "const":
        out.push(e);
        return;
      case "input":
        return;
      case "unary":
      case "cast":
        return walk(e.x);
      case "binary":
        walk(e.a);
        return walk(e.b);
      case "where":
        walk(e.cond);
        walk(e.a);
        return walk(e.b);
    }
  };
  walk(expr);
  return out;
}

/** How an elementwise kernel reads one input: element strides over the output shape, and an offset. */
export interface InputLayout {
  readonly dtype: DType;
  readonly strides: readonly number[];
  readonly offset: number;
}

/** One matmul operand: `batch` matrices in one buffer, `batchStride` elements apart (0 = shared). */
export interface MatLayout {
  readonly offset: number;
  readonly batchStride: number;
  /** Stored transposed: A is kept as [k, m] (or B as [n, k]) in row-major order. */
  readonly trans: boolean;
}

/**
 * The elementwise expression a matmul applies to its product: what an elementwise kernel over
 * `shape` (as many elements as the product) would compute from the product and further inputs.
 * Input `product` of `expr` is the product itself, read in order (its layout is the contiguous
 * one); the other inputs are the matmul kernel's inputs after A and B. The result is rounded to
 * the matmul's dtype before the expression reads it, so the fused kernel gives the bits of the
 * two kernels run one after the other.
 */
export interface Epilogue {
  readonly shape: readonly number[];
  readonly expr: Expr;
  readonly inputs: readonly InputLayout[];
  readonly product: number;
  readonly consts: readonly number[];
}

/** The elementwise kernel a matmul's epilogue amounts to: input `epilogue.product` is the product. */
export function epilogueKernel(k: Extract<Kernel, { kind: "matmul" }>): Extract<Kernel, { kind: "elementwise" }> {
  const e = k.epilogue!;
  return { kind: "elementwise", dtype: k.dtype, shape: e.shape, inputs: e.inputs, consts: e.consts, expr: e.expr };
}

/**
 * The epilogue's operands, in the order of its layouts, from a matmul kernel's `inputs` (A, B,
 * then the rest) and its output `out` standing for the product: written into `into`.
 */
export function epilogueOperands<T>(k: Extract<Kernel, { kind: "matmul" }>, inputs: readonly T[], out: T, into: T[]): T[] {
  const at = k.epilogue!.product;
  for (let i = 0, j = 2; i < into.length; i++) into[i] = i === at ? out : inputs[j++];
  return into;
}

/** `k` without its epilogue: the bare product. */
export function bareMatmul(k: Extract<Kernel, { kind: "matmul" }>): Extract<Kernel, { kind: "matmul" }> {
  const { kind, dtype, batch, m, n, k: depth, a, b } = k;
  return { kind, dtype, batch, m, n, k: depth, a, b, epilogue: undefined };
}

/**
 * A kernel description. Inputs are buffers passed to `dispatch` in order; the output is one
 * fresh buffer of `size` elements of `dtype`. Reductions, gathers, softmax and concatenation see
 * contiguous inputs as 3-D blocks [outer, len, inner] and work along the middle axis.
 */
export type Kernel =
  | {
      readonly kind: "elementwise";
      readonly dtype: DType;
      readonly shape: readonly number[];
      readonly inputs: readonly InputLayout[];
      readonly consts: readonly number[];
      readonly expr: Expr;
    }
  | {
      /**
       * A reduction whose input is an elementwise expression over contiguous (or 0-d) inputs
       * laid out as [outer, len, inner] — so `sum(a·b)` is one kernel.
       */
      readonly kind: "reduce";
      readonly op: ReduceOp;
      readonly dtype: DType;
      readonly outer: number;
      readonly len: number;
      readonly inner: number;
      readonly inputs: readonly InputLayout[];
      readonly consts: readonly number[];
      readonly expr: Expr;
    }
  | { readonly kind: "argReduce"; readonly op: ArgReduceOp; readonly dtype: DType; readonly outer: number; readonly len: number; readonly inner: number }
  | {
      /** Softmax or log-softmax along the middle axis, stable: log softmax(x)ᵢ = xᵢ − m − log Σⱼ exp(xⱼ − m). */
      readonly kind: "softmax";
      readonly op: "softmax" | "logSoftmax";
      readonly dtype: DType;
      readonly outer: number;
      readonly len: number;
      readonly inner: number;
    }
  | {
      /**
       * C[b] = op(A[b]) · op(B[b]) for b < batch, C contiguous [batch, m, n]. Inputs: A, B, then
       * the epilogue's further inputs (in the order of its layouts, the product's left out).
       */
      readonly kind: "matmul";
      readonly dtype: DType;
      readonly batch: number;
      readonly m: number;
      readonly n: number;
      readonly k: number;
      readonly a: MatLayout;
      readonly b: MatLayout;
      /** Elementwise work applied to the product before it is stored (a bias and an activation); only on backends that support `matmulEpilogue`. */
      readonly epilogue?: Epilogue;
    }
  | {
      /**
       * gather: out[o, j, i] = x[o, idx[o, j, i], i]; scatterAdd is its transpose (out zeros
       * [outer, xLen, inner], out[o, idx[o,j,i], i] += src[o, j, i]). indexSelect / indexAdd
       * take a 1-D idx of length `idxLen`. Inputs: [x or src, idx (int32)]. Negative indices
       * count from the end (unless `negative` is "error"); indices out of range are skipped and
       * raise the backend's index error flag, so no index is ever read on the host.
       */
      readonly kind: "gather" | "scatterAdd" | "indexSelect" | "indexAdd";
      readonly dtype: DType;
      readonly outer: number;
      readonly xLen: number;
      readonly idxLen: number;
      readonly inner: number;
      /**
       * What a negative index means: "wrap" (default) counts from the end, −1 being the last
       * entry; "error" flags it like any out-of-range index (for operations that refuse
       * negatives, as PyTorch's embedding, one_hot and loss targets do). Part of the program.
       */
      readonly negative?: "wrap" | "error";
      /**
       * The operation that asked for this kernel, handed back with an index error so the message
       * names it. A label, not part of the program: backends read it from the kernel passed to
       * `dispatch` (the front end's program cache ignores it).
       */
      readonly site?: IndexSite;
    }
  | { readonly kind: "concat"; readonly dtype: DType; readonly outer: number; readonly lens: readonly number[]; readonly inner: number }
  | {
      /** Pads a contiguous input of `shape` with `value`. */
      readonly kind: "pad";
      readonly dtype: DType;
      readonly shape: readonly number[];
      readonly before: readonly number[];
      readonly after: readonly number[];
      readonly value: number;
    }
  | {
      /**
       * A hand-written kernel registered by name (./extern.ts): `dtype` is the output's, `inputs`
       * the inputs' dtypes, `size` the output's length. Backends with host buffers run its host
       * implementation; others route it to the reference backend.
       */
      readonly kind: "extern";
      readonly name: string;
      readonly dtype: DType;
      readonly inputs: readonly DType[];
      readonly size: number;
      readonly params: ExternParams;
    };

export type KernelKind = Kernel["kind"];

/**
 * What a capability query names: a kernel kind, an elementwise operation by name, or
 * `matmulEpilogue` (matmul kernels that carry an `epilogue`).
 */
export type KernelOp = KernelKind | UnaryOp | BinaryOp | "where" | "cast" | "matmulEpilogue";

/** A compiled kernel, opaque to the front end. */
export type Executable = object;

/** Who an indexing kernel works for: the user-facing operation, for index error messages. */
export interface IndexSite {
  /** The operation called ("gather", "take", "embedding", "crossEntropy", …). */
  readonly op: string;
  /** The axis the index runs along, as that operation numbers it. */
  readonly axis: number;
  /** The operands' shapes as the operation names them, e.g. "weight [10,4], indices [2,3]". */
  readonly shapes?: string;
}

/** An out-of-range index met by a gather-like kernel: what `takeIndexError` reports. */
export interface IndexErrorInfo {
  /** The kernel kind whose index was out of range. */
  readonly kind: string;
  /** The index value as stored (before negative indices are counted from the end). */
  readonly index: number;
  /** The length of the indexed axis. */
  readonly size: number;
  /** The index's position in the (row-major) index tensor. */
  readonly position?: number;
  /** The kernel's `site`, when it had one. */
  readonly site?: IndexSite;
}

export interface Backend {
  readonly name: string;
  /**
   * True when buffers are host typed arrays of the dtype (`Float32Array` for float32, …) that
   * other host backends may read directly, so moving a buffer between two such backends costs
   * nothing. (This is about buffers from `alloc` and `upload`; those from `allocResident` never
   * leave their backend.)
   */
  readonly hostBuffers: boolean;
  /** The most input buffers one kernel may read (GPU binding limits); the scheduler fuses less past it. */
  readonly maxKernelInputs?: number;
  /** Whether this backend runs `op` on `dtype`; the front end routes everything else with one explicit copy. */
  supports(op: KernelOp, dtype: DType): boolean;

  /** A new zero-filled buffer of `size` elements. */
  alloc(dtype: DType, size: number): Buf;
  /**
   * A new zero-filled buffer for long-lived memory that the caller frees explicitly with `free`
   * (a compiled plan's intermediates, held across calls). A backend may keep it where its
   * kernels read it without staging (the Wasm backend: in linear memory). Such a buffer is only
   * ever passed to this backend's `dispatch`, `read` and `free`. Backends without it get `alloc`.
   */
  allocResident?(dtype: DType, size: number): Buf;
  /**
   * A host array of `size` elements (its contents undefined) for an eager result whose array
   * the recycling pool will own (`tg.init({ recycle: true })`), placed where this backend's
   * kernels use it in place (the Wasm backend: a view of its linear memory). Its memory is
   * released when the pool lets it go. Undefined where the backend has no such place; the caller
   * then uses `alloc`. Only for `hostBuffers` backends.
   */
  allocRecycled?(dtype: DType, size: number): TypedArray | undefined;
  /** Whether `buf` came from `allocResident` (other backends must then copy it through `read`). */
  isResident?(buf: Buf): boolean;
  /** Overwrites a buffer from `allocResident` with host data of its dtype and size. */
  writeResident?(buf: Buf, data: TypedArray): void;
  /** Copies a buffer from `allocResident` into host array `out` (one of its dtype and size, from `alloc`). */
  readResident?(buf: Buf, out: TypedArray): void;
  /** Copies host data into a new buffer. */
  upload(data: TypedArray, dtype: DType): Buf;
  /** Releases a buffer; the front end never uses it again. */
  free(buf: Buf): void;
  /** Reads `size` elements back to the host (a fresh array). Throws where only `readAsync` can. */
  read(buf: Buf, dtype: DType, size: number): TypedArray;
  readAsync(buf: Buf, dtype: DType, size: number): Promise<TypedArray>;

  /** Prepares a kernel (the front end caches the result by the kernel's description). */
  compile(kernel: Kernel): Executable;
  /**
   * Runs a compiled kernel on `inputs`, writing every element of `out` (a buffer from `alloc`,
   * never aliasing an input; compiled plans reuse it, so it may hold earlier values).
   */
  dispatch(exe: Executable, kernel: Kernel, inputs: readonly Buf[], out: Buf): void;
  /**
   * Optional: `dispatch(exe, kernel, inputs, out)` prepared once for buffers that stay the same
   * from call to call (a compiled plan's resident blocks), as a function that runs it again —
   * the operands' addresses and the constants worked out once. Null where the backend has
   * nothing to save (operands it must stage on every call). The function is valid while those
   * buffers live, and only for them.
   */
  bind?(exe: Executable, kernel: Kernel, inputs: readonly Buf[], out: Buf): (() => void) | null;
  /**
   * The first out-of-range index met by a gather-like kernel since the last call, or null, and
   * resets the flag. Called at each synchronisation point, so index checks need no host read.
   */
  takeIndexError(): IndexErrorInfo | null;
}
