// A minimal WebGPU backend: buffers are GPU storage buffers, every kernel it supports is a WGSL
// compute shader rendered from the kernel description (elementwise expressions from the op
// table), and reads are asynchronous. It proves that the backend contract fits a GPU; speed
// (tiling, batching submissions, buffer reuse) is later work. See README.md in this folder.

import { allocArray, isStorageDType, type DType, type TypedArray } from "../../core/dtype.js";
import { DTypeError, TensorGradError } from "../../core/errors.js";
import type { Backend, Buf, Executable, IndexErrorInfo, Kernel, KernelOp } from "../kernel.js";
import { BINARY_OPS, UNARY_OPS } from "../ops.js";
import { BufferUsage, MapMode, ShaderStage, type GpuAdapterLike, type GpuBufferLike, type GpuDeviceLike, type GpuLike } from "./gpu-types.js";
import * as K from "./kernels.js";
import type { ShaderPlan } from "./wgsl.js";

export type { GpuLike } from "./gpu-types.js";

/** A failure of the WebGPU device: no adapter, a rejected shader or dispatch, a lost device. */
export class WebGpuError extends TensorGradError {
  override name = "WebGpuError";
}

/** Raised by a synchronous read (`data()`, `item()`, `toArray()`) of a tensor on a GPU. */
export class SyncReadError extends TensorGradError {
  override name = "SyncReadError";
}

/** A buffer on the device: `size` elements of `dtype`, stored as 4-byte values (bool as u32). */
class GpuBuf {
  constructor(
    readonly buffer: GpuBufferLike,
    readonly dtype: DType,
    readonly size: number,
  ) {}
}

/** A compiled shader: the pipeline, its bind group layout and a buffer for its runtime constants. */
interface Program {
  readonly plan: ShaderPlan;
  readonly pipeline: object;
  readonly layout: object;
  readonly params: GpuBufferLike | null;
}

const KINDS: ReadonlySet<KernelOp> = new Set<KernelOp>(["elementwise", "reduce", "softmax", "argReduce", "matmul", "concat", "pad", "where", "cast"]);

function asGpu(b: Buf): GpuBuf {
  if (!(b instanceof GpuBuf)) throw new WebGpuError("webgpu: got a buffer from another backend");
  return b;
}

/** The host array read back from a buffer storing `dtype` (bools come back as bytes). */
function fromBytes(bytes: ArrayBuffer, dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case "int32":
      return new Int32Array(bytes, 0, size).slice();
    case "bool":
      return Uint8Array.from(new Uint32Array(bytes, 0, size));
    case "float32":
    case "float64":
      // float64 is never stored here (see upload); a float32 view keeps the contract total
      return dtype === "float32" ? new Float32Array(bytes, 0, size).slice() : Float64Array.from(new Float32Array(bytes, 0, size));
    default:
      // the storage dtypes are never stored here either (supports() refuses them)
      throw new WebGpuError(`webgpu: no ${dtype} buffers`);
  }
}

export class WebGpuBackend implements Backend {
  readonly name: string = "webgpu";
  readonly hostBuffers = false;

  /** Storage buffers a shader may bind, less the output and the constants. */
  get maxKernelInputs(): number {
    return this.device.limits.maxStorageBuffersPerShaderStage - 2;
  }
  /** Validation failures seen since the last read, reported by the next `readAsync`. */
  private errors: string[] = [];
  private checks: Promise<void>[] = [];
  private lostReason: string | null = null;

  constructor(
    readonly device: GpuDeviceLike,
    /** The object the adapter came from, kept alive for the backend's lifetime: Dawn crashes when it is collected. */
    readonly gpu: GpuLike,
  ) {
    void device.lost.then((info) => (this.lostReason = info.message || "device lost"));
  }

  supports(op: KernelOp, dtype: DType): boolean {
    if (dtype === "float64" || isStorageDType(dtype)) return false;
    if (KINDS.has(op)) return true;
    if (op in UNARY_OPS) {
      const f = UNARY_OPS[op as keyof typeof UNARY_OPS];
      return !!((dtype === "int32" && f.wgslInt) || f.wgsl);
    }
    if (op in BINARY_OPS) {
      const f = BINARY_OPS[op as keyof typeof BINARY_OPS];
      return !!((dtype === "int32" && f.wgslInt) || f.wgsl);
    }
    // gather, scatterAdd, indexSelect, indexAdd: their index checks need a flag the host reads synchronously
    return false;
  }

  private buffer(bytes: number, mapped: boolean): GpuBufferLike {
    // zero-sized bindings are invalid, and WebGPU sizes go in multiples of 4
    const size = Math.max(4, Math.ceil(bytes / 4) * 4);
    return this.device.createBuffer({ size, usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST, mappedAtCreation: mapped });
  }

  alloc(dtype: DType, size: number): Buf {
    if (dtype === "float64") throw new DTypeError("webgpu: float64 buffers are not supported (kernels on float64 run on the cpu backend)");
    // new buffers are zero-filled by the WebGPU spec
    return new GpuBuf(this.buffer(size * 4, false), dtype, size);
  }

  upload(data: TypedArray, dtype: DType): Buf {
    const buffer = this.buffer(data.length * 4, true);
    const range = buffer.getMappedRange();
    // bool widens to u32; float64 (only ever read by a cast kernel) narrows to f32
    if (dtype === "int32") new Int32Array(range, 0, data.length).set(data);
    else if (dtype === "bool") new Uint32Array(range, 0, data.length).set(data);
    else new Float32Array(range, 0, data.length).set(data);
    buffer.unmap();
    return new GpuBuf(buffer, dtype, data.length);
  }

  free(buf: Buf): void {
    asGpu(buf).buffer.destroy();
  }

  read(_buf: Buf, _dtype: DType, _size: number): TypedArray {
    throw new SyncReadError(
      "webgpu: GPU buffers can only be read asynchronously; use `await t.dataAsync()` or `await t.toArrayAsync()` instead of data(), item(), toArray() or toString()",
    );
  }

  async readAsync(buf: Buf, dtype: DType, size: number): Promise<TypedArray> {
    const src = asGpu(buf);
    if (size === 0) {
      await this.settle();
      return allocArray(dtype, 0);
    }
    const bytes = size * 4;
    const staging = this.device.createBuffer({ size: bytes, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(src.buffer, 0, staging, 0, bytes);
    this.device.queue.submit([enc.finish()]);
    try {
      await staging.mapAsync(MapMode.READ);
      await this.settle();
      return fromBytes(staging.getMappedRange(), dtype, size);
    } finally {
      staging.destroy();
    }
  }

  /** Waits for the error checks of earlier work and throws the first failure. */
  private async settle(): Promise<void> {
    const checks = this.checks;
    this.checks = [];
    await Promise.all(checks);
    if (this.lostReason) throw new WebGpuError(`webgpu: device lost: ${this.lostReason}`);
    const [first] = this.errors;
    this.errors = [];
    if (first) throw new WebGpuError(`webgpu: ${first}`);
  }

  /** Runs `fn` inside a validation error scope whose outcome the next read reports. */
  private checked<T>(what: string, fn: () => T): T {
    this.device.pushErrorScope("validation");
    try {
      return fn();
    } finally {
      this.checks.push(this.device.popErrorScope().then((e) => void (e && this.errors.push(`${what}: ${e.message}`))));
      // work that is never read keeps at most one pending check per 256 calls
      if (this.checks.length >= 256) this.checks = [Promise.all(this.checks).then(() => undefined)];
    }
  }

  compile(kernel: Kernel): Executable {
    const plan = this.plan(kernel);
    const bindings = plan.inputs + 1 + (plan.consts.length ? 1 : 0);
    const limit = this.device.limits.maxStorageBuffersPerShaderStage;
    if (bindings > limit)
      throw new WebGpuError(`webgpu: ${kernel.kind} kernel needs ${bindings} storage buffers; this device allows ${limit}`);
    return this.checked(`compiling a ${kernel.kind} kernel`, (): Program => {
      const entries = Array.from({ length: bindings }, (_, i) => ({
        binding: i,
        visibility: ShaderStage.COMPUTE,
        buffer: { type: i === plan.inputs ? ("storage" as const) : ("read-only-storage" as const) },
      }));
      const layout = this.device.createBindGroupLayout({ entries });
      const module = this.device.createShaderModule({ code: plan.code });
      const pipeline = this.device.createComputePipeline({
        layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: "main" },
      });
      // one constants buffer per program, rewritten before each dispatch: queue writes and
      // submissions run in order, and each dispatch submits before the next write
      const params = plan.consts.length ? this.buffer(plan.consts.length * 4, false) : null;
      return { plan, pipeline, layout, params };
    });
  }

  private plan(k: Kernel): ShaderPlan {
    const g = this.device.limits.maxComputeWorkgroupsPerDimension;
    switch (k.kind) {
      case "elementwise":
        return K.elementwise(k, g);
      case "reduce":
        return K.reduce(k, g);
      case "softmax":
        return K.softmax(k, g);
      case "argReduce":
        return K.argReduce(k, g);
      case "matmul":
        if (k.epilogue) throw new WebGpuError("webgpu: no matmul epilogue (supports(\"matmulEpilogue\") is false, so the scheduler never asks for one)");
        return K.matmul(k, g);
      case "concat":
        return K.concat(k, g);
      case "pad":
        return K.pad(k, g);
      case "gather":
      case "scatterAdd":
      case "indexSelect":
      case "indexAdd":
      case "extern":
        throw new WebGpuError(`webgpu: no ${k.kind} kernel (supports() routes it to another backend)`);
    }
  }

  dispatch(exe: Executable, kernel: Kernel, inputs: readonly Buf[], out: Buf): void {
    const { plan, pipeline, layout, params } = exe as Program;
    if (plan.threads === 0) return;
    this.checked(`running a ${kernel.kind} kernel`, () => {
      const bufs = [...inputs.map((b) => asGpu(b).buffer), asGpu(out).buffer];
      if (params && (kernel.kind === "elementwise" || kernel.kind === "reduce")) {
        this.device.queue.writeBuffer(params, 0, packConsts(kernel.consts, plan.consts));
        bufs.push(params);
      }
      const group = this.device.createBindGroup({ layout, entries: bufs.map((buffer, binding) => ({ binding, resource: { buffer } })) });
      const enc = this.device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(plan.groupsX, plan.groupsY);
      pass.end();
      this.device.queue.submit([enc.finish()]);
    });
  }

  takeIndexError(): IndexErrorInfo | null {
    return null; // no indexing kernels run here
  }
}

/** Each constant as the 32 bits of the dtype the shader reads it as. */
function packConsts(values: readonly number[], dtypes: readonly DType[]): Uint32Array<ArrayBuffer> {
  const words = new Uint32Array(Math.max(1, values.length));
  const f = new Float32Array(words.buffer);
  const i = new Int32Array(words.buffer);
  values.forEach((v, j) => {
    if (dtypes[j] === "int32") i[j] = Math.trunc(v) | 0;
    else if (dtypes[j] === "bool") words[j] = v !== 0 ? 1 : 0;
    else f[j] = v;
  });
  return words;
}

/**
 * Creates the WebGPU backend on `gpu` — `navigator.gpu` in a browser (the default), or the
 * object `create([])` of Node's `webgpu` package returns. Keep the backend (it holds `gpu`).
 * @example const be = await createWebGpuBackend(navigator.gpu); tg.setBackend(be); await tg.ones([2]).dataAsync();
 */
export async function createWebGpuBackend(gpu?: GpuLike): Promise<WebGpuBackend> {
  const g = gpu ?? (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
  if (!g) throw new WebGpuError("webgpu: no WebGPU implementation (pass navigator.gpu, or create() of Node's `webgpu` package)");
  // the one unchecked step: a WebGPU adapter has (at least) the members GpuAdapterLike names
  const adapter = (await g.requestAdapter()) as GpuAdapterLike | null;
  if (!adapter) throw new WebGpuError("webgpu: no adapter (on Linux without a GPU, a Vulkan software driver such as SwiftShader provides one)");
  const a = adapter.limits;
  // ask for the adapter's own limits: fused kernels can read many inputs, and tensors can be large
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBuffersPerShaderStage: a.maxStorageBuffersPerShaderStage,
      maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
      maxBufferSize: a.maxBufferSize,
    },
  });
  return new WebGpuBackend(device, g);
}
