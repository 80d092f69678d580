// The convolution extern kernels (prims/convolve.ts, prims/conv.ts) run natively on the Wasm
// backend: im2col, col2im and max pooling's argmax in Wasm (conv-gen.ts), and the GEMMs of a convolution on the
// im2col matrix where it was built, in linear memory. The front end never sees that matrix, so
// the only copies are the operands and the result (none at all for resident buffers).
//
//   conv:          cols = im2col(x);  y[n, g] = W[g] · cols[n, g]
//   convTranspose: cols[n, g] = W[g]ᵀ · ḡ[n, g];  x̄ = col2im(cols)
//   convFilter:    cols = im2col(x);  W̄[g] = Σₙ ḡ[n, g] · cols[n, g]ᵀ   (one batched GEMM, then a sum over n)
//
// The matrix is built for a chunk of images at a time (up to MAX_SCRATCH floats), small enough to
// stay in cache until its GEMM reads it. A 1×1 window with stride 1 and no
// padding is the image itself: the GEMMs read it in place.

import type { Buf, Kernel } from "../kernel.js";
import type { Staging } from "./resident.js";
import { buildConvModule, geometryArgs, type ConvKernels, type Geometry } from "./conv-gen.js";
import type { WasmKernels } from "./index.js";

/**
 * The most floats of im2col matrix built at once (1 MiB): the matrix a chunk of images makes stays
 * in L2 between im2col writing it and the GEMM reading it. Measured on the bench's conv2d
 * (one image's matrix is 0.45 MiB): GEMM bound ÷ forward + backward went from 59% with 16 MiB
 * chunks (the whole batch) to 69–75% with 0.5–2 MiB (one thread, CPU time).
 */
const MAX_SCRATCH = 1 << 18;

/** A compiled kernel of the Wasm backend. */
export type WasmProgram = (inputs: readonly Buf[], out: Buf, kernel: Kernel) => void;

type Extern = Extract<Kernel, { kind: "extern" }>;
type ConvParams = Geometry & { groups: number; n: number; cin: number; cout: number };

/** Reusable blocks of linear memory, one per slot, grown as needed. */
class Scratch {
  private readonly blocks: { ptr: number; bytes: number }[] = [];
  constructor(private readonly kernels: WasmKernels) {}
  /** A block of at least `floats` float32 values for slot `slot` (contents undefined). */
  get(slot: number, floats: number): number {
    const bytes = Math.max(64, 4 * floats);
    const b = this.blocks[slot];
    if (b && b.bytes >= bytes) return b.ptr;
    const ptr = this.kernels.alloc(bytes);
    if (b) this.kernels.free(b.ptr);
    this.blocks[slot] = { ptr, bytes };
    return ptr;
  }
}

export class WasmConv {
  private mod: ConvKernels | null = null;
  private readonly scratch: Scratch;

  constructor(
    private readonly kernels: WasmKernels,
    private readonly staging: Staging,
  ) {
    this.scratch = new Scratch(kernels);
  }

  private get fns(): ConvKernels {
    if (!this.mod) {
      const bytes = buildConvModule(this.kernels.threadsSupported);
      const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: this.kernels.memory } });
      this.mod = inst.exports as unknown as ConvKernels;
    }
    return this.mod;
  }

  /** The program for extern kernel `k` (float32), or null when it has no Wasm form here. */
  program(k: Extern): WasmProgram | null {
    if (!k.inputs.every((d) => d === "float32")) return null;
    if (k.name === "maxPoolIndices") return this.maxPoolIndices(k.params as unknown as Geometry & { n: number; c: number }, k.size);
    if (k.dtype !== "float32") return null;
    switch (k.name) {
      case "im2col":
        return this.im2col(k.params as unknown as Geometry & { n: number; c: number }, k.size);
      case "col2im":
        return this.col2im(k.params as unknown as Geometry & { n: number; c: number }, k.size);
      case "conv":
        return this.conv(k.params as unknown as ConvParams);
      case "convTranspose":
        return this.convTranspose(k.params as unknown as ConvParams);
      case "convFilter":
        return this.convFilter(k.params as unknown as ConvParams);
      default:
        return null;
    }
  }

  private im2col(p: Geometry & { n: number; c: number }, size: number): WasmProgram {
    const xLen = p.n * p.c * p.h * p.w;
    const geom = geometryArgs(p);
    return ([x], out) => {
      const [px, po] = this.staging.stage([{ buf: x, lo: 0, len: xLen }], out, size);
      this.fns.im2col(px, po, p.n * p.c, ...geom);
      this.staging.finish(out, po, size);
    };
  }

  private col2im(p: Geometry & { n: number; c: number }, size: number): WasmProgram {
    const cLen = p.n * p.c * p.kh * p.kw * p.oh * p.ow;
    const geom = geometryArgs(p);
    return ([cols], out) => {
      const [pc, po] = this.staging.stage([{ buf: cols, lo: 0, len: cLen }], out, size);
      this.kernels.fill(po, 0, size);
      this.fns.col2im(pc, po, p.n * p.c, ...geom);
      this.staging.finish(out, po, size);
    };
  }

  private maxPoolIndices(p: Geometry & { n: number; c: number }, size: number): WasmProgram {
    const xLen = p.n * p.c * p.h * p.w;
    const geom = geometryArgs(p);
    return ([x], out) => {
      const [px, po] = this.staging.stage([{ buf: x, lo: 0, len: xLen }], out, size);
      this.fns.maxPoolIndices(px, po, p.n * p.c, ...geom);
      this.staging.finish(out, po, size);
    };
  }

  /** Sizes shared by the three convolutions, and the chunk of images whose matrix fits the scratch. */
  private layout(p: ConvParams) {
    const cg = p.cin / p.groups;
    const og = p.cout / p.groups;
    const kg = cg * p.kh * p.kw;
    const L = p.oh * p.ow;
    const hw = p.h * p.w;
    const rows = p.groups * kg;
    const identity = p.kh === 1 && p.kw === 1 && p.sh === 1 && p.sw === 1 && p.ph === 0 && p.pw === 0 && p.oh === p.h && p.ow === p.w;
    const chunk = identity ? p.n : Math.max(1, Math.min(p.n, Math.floor(MAX_SCRATCH / Math.max(1, rows * L))));
    return { cg, og, kg, L, hw, rows, identity, chunk, geom: geometryArgs(p) };
  }

  private conv(p: ConvParams): WasmProgram {
    const { og, kg, L, hw, rows, identity, chunk, geom } = this.layout(p);
    const xLen = p.n * p.cin * hw;
    const yLen = p.n * p.cout * L;
    return ([x, w], out) => {
      const [px, pw, py] = this.staging.stage([{ buf: x, lo: 0, len: xLen }, { buf: w, lo: 0, len: p.cout * kg }], out, yLen);
      const cols = identity ? 0 : this.scratch.get(0, chunk * rows * L);
      for (let n0 = 0; n0 < p.n; n0 += chunk) {
        const nb = Math.min(chunk, p.n - n0);
        const image = px + 4 * n0 * p.cin * hw;
        if (!identity) this.fns.im2col(image, cols, nb * p.cin, ...geom);
        const b = identity ? image : cols;
        for (let g = 0; g < p.groups; g++)
          this.kernels.sgemm({
            batch: nb, m: og, n: L, k: kg,
            a: pw + 4 * g * og * kg, aBatchStride: 0,
            b: b + 4 * g * kg * L, bBatchStride: rows * L,
            c: py + 4 * (n0 * p.cout + g * og) * L, cBatchStride: p.cout * L,
          });
      }
      this.staging.finish(out, py, yLen);
    };
  }

  private convTranspose(p: ConvParams): WasmProgram {
    const { og, kg, L, hw, rows, identity, chunk, geom } = this.layout(p);
    const gLen = p.n * p.cout * L;
    const xLen = p.n * p.cin * hw;
    return ([gy, w], out) => {
      const [pg, pw, px] = this.staging.stage([{ buf: gy, lo: 0, len: gLen }, { buf: w, lo: 0, len: p.cout * kg }], out, xLen);
      const cols = identity ? 0 : this.scratch.get(0, chunk * rows * L);
      if (!identity) this.kernels.fill(px, 0, xLen);
      for (let n0 = 0; n0 < p.n; n0 += chunk) {
        const nb = Math.min(chunk, p.n - n0);
        const image = px + 4 * n0 * p.cin * hw;
        const c = identity ? image : cols;
        for (let g = 0; g < p.groups; g++)
          this.kernels.sgemm({
            batch: nb, m: kg, n: L, k: og,
            a: pw + 4 * g * og * kg, transA: true, aBatchStride: 0,
            b: pg + 4 * (n0 * p.cout + g * og) * L, bBatchStride: p.cout * L,
            c: c + 4 * g * kg * L, cBatchStride: rows * L,
          });
        if (!identity) this.fns.col2im(cols, image, nb * p.cin, ...geom);
      }
      this.staging.finish(out, px, xLen);
    };
  }

  private convFilter(p: ConvParams): WasmProgram {
    const { og, kg, L, hw, rows, identity, chunk, geom } = this.layout(p);
    const xLen = p.n * p.cin * hw;
    const gLen = p.n * p.cout * L;
    const wLen = p.cout * kg;
    return ([x, gy], out) => {
      const [px, pg, pw] = this.staging.stage([{ buf: x, lo: 0, len: xLen }, { buf: gy, lo: 0, len: gLen }], out, wLen);
      const cols = identity ? 0 : this.scratch.get(0, chunk * rows * L);
      // per-image products [nb, Cout, kg], then their sum over the images (into the output, or added to it)
      const partial = this.scratch.get(1, (chunk + 1) * wLen);
      const sum = partial + 4 * chunk * wLen;
      for (let n0 = 0; n0 < p.n; n0 += chunk) {
        const nb = Math.min(chunk, p.n - n0);
        const image = px + 4 * n0 * p.cin * hw;
        if (!identity) this.fns.im2col(image, cols, nb * p.cin, ...geom);
        const b = identity ? image : cols;
        for (let g = 0; g < p.groups; g++)
          this.kernels.sgemm({
            batch: nb, m: og, n: kg, k: L,
            a: pg + 4 * (n0 * p.cout + g * og) * L, aBatchStride: p.cout * L,
            b: b + 4 * g * kg * L, transB: true, bBatchStride: rows * L,
            c: partial + 4 * g * og * kg, cBatchStride: wLen,
          });
        if (n0 === 0) this.kernels.sum(partial, pw, 1, nb, wLen);
        else {
          this.kernels.sum(partial, sum, 1, nb, wLen);
          this.kernels.axpy(1, sum, pw, wLen);
        }
      }
      if (p.n === 0) this.kernels.fill(pw, 0, wLen);
      this.staging.finish(out, pw, wLen);
    };
  }
}
