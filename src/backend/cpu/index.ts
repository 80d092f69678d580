// The reference backend: buffers are host typed arrays, elementwise and reduction kernels are
// rendered to JavaScript from the op table, and the rest are plain loops (kernels.ts). Exact
// for float64 and the yardstick every other backend is tested against. It supports every
// kernel on every dtype, so it is where the front end routes what another backend lacks.

import { allocArray, allocBuffer, type DType, type TypedArray } from "../../core/dtype.js";
import { hostWritten } from "../mirrors.js";
import { epilogueKernel, epilogueOperands, type Backend, type Buf, type Executable, type IndexErrorInfo, type Kernel, type KernelOp } from "../kernel.js";
import { externKernel } from "../extern.js";
import { renderElementwise, renderReduce, type KernelFn } from "./codegen.js";
import {
  argReduceKernel, concatKernel, indexingKernel, matmulKernel, padKernel, softmaxKernel, type IndexFlag,
} from "./kernels.js";

const A = (b: Buf) => b as TypedArray;
const NONE = new Float32Array(0);

/** A compiled reference kernel: runs on host arrays. */
export type HostProgram = (inputs: readonly TypedArray[], out: TypedArray, kernel: Kernel) => void;

/** Compiles any kernel description to a host program (shared by the backends whose buffers are host arrays). */
export function compileHost(k: Kernel, flag: IndexFlag): HostProgram {
  switch (k.kind) {
    case "elementwise":
    case "reduce": {
      const fn: KernelFn = k.kind === "elementwise" ? renderElementwise(k) : renderReduce(k);
      return (inputs, out, kernel) => fn(out, inputs, (kernel as typeof k).consts);
    }
    case "softmax":
      return ([x], out) => softmaxKernel(k, x, out);
    case "argReduce":
      return ([x], out) => argReduceKernel(k, x, out);
    case "matmul": {
      if (!k.epilogue) return ([a, b], out) => matmulKernel(k, a, b, out);
      // the product into `out`, then the epilogue over it in place (each element is read before it is written)
      const epi = renderElementwise(epilogueKernel(k));
      const ins: TypedArray[] = new Array<TypedArray>(k.epilogue.inputs.length);
      return (inputs, out, kernel) => {
        matmulKernel(k, inputs[0], inputs[1], out);
        epi(out, epilogueOperands(k, inputs, out, ins), (kernel as typeof k).epilogue!.consts);
        // (the program keeps no operand alive between calls)
        ins.fill(NONE);
      };
    }
    case "gather":
    case "scatterAdd":
    case "indexSelect":
    case "indexAdd":
      // the dispatched description, not the compiled one: programs are shared between kernels
      // that differ only in their `site` label, and the error should name the right operation
      return ([x, idx], out, kernel) => indexingKernel(kernel as typeof k, x, idx, out, flag);
    case "concat":
      return (parts, out) => concatKernel(k, parts, out);
    case "pad":
      return ([x], out) => padKernel(k, x, out);
    case "extern": {
      const def = externKernel(k.name);
      return (inputs, out) => def.host(inputs, out, k.params, k.inputs);
    }
  }
}

export class CpuBackend implements Backend {
  readonly name: string = "cpu";
  readonly hostBuffers = true;
  private readonly flag: IndexFlag = { error: null };

  supports(_op: KernelOp, _dtype: DType): boolean {
    return true;
  }

  alloc(dtype: DType, size: number): Buf {
    return allocBuffer(dtype, size);
  }

  upload(data: TypedArray, dtype: DType): Buf {
    const out = allocBuffer(dtype, data.length);
    out.set(data);
    return out;
  }

  free(_buf: Buf): void {
    // host arrays are garbage-collected
  }

  read(buf: Buf, dtype: DType, size: number): TypedArray {
    const out = allocArray(dtype, size);
    out.set(A(buf).subarray(0, size));
    return out;
  }

  readAsync(buf: Buf, dtype: DType, size: number): Promise<TypedArray> {
    return Promise.resolve(this.read(buf, dtype, size));
  }

  compile(kernel: Kernel): Executable {
    return compileHost(kernel, this.flag);
  }

  dispatch(exe: Executable, kernel: Kernel, inputs: readonly Buf[], out: Buf): void {
    hostWritten(out);
    (exe as HostProgram)(inputs as readonly TypedArray[], A(out), kernel);
  }

  takeIndexError(): IndexErrorInfo | null {
    const e = this.flag.error;
    this.flag.error = null;
    return e;
  }
}
