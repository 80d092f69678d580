// The slice of the WebGPU API this backend uses, as structural types. The library carries no
// runtime or type dependency on a WebGPU implementation: a browser's `navigator.gpu` and Node's
// `webgpu` package (`create([])`) both satisfy these interfaces. Flag values are the spec's
// constants, so the backend needs neither the `GPUBufferUsage` nor the `GPUMapMode` global.

export const BufferUsage = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, STORAGE: 0x80 } as const;
export const MapMode = { READ: 0x1 } as const;
export const ShaderStage = { COMPUTE: 0x4 } as const;

/**
 * What `createWebGpuBackend` accepts: anything with `requestAdapter`. Deliberately loose, so that
 * every implementation's own typings fit; the adapter is then used through the interfaces below.
 */
export interface GpuLike {
  requestAdapter(): Promise<object | null>;
}

export interface GpuLimits {
  readonly maxStorageBuffersPerShaderStage: number;
  readonly maxStorageBufferBindingSize: number;
  readonly maxBufferSize: number;
  readonly maxComputeWorkgroupsPerDimension: number;
}

export interface GpuAdapterLike {
  readonly limits: GpuLimits;
  requestDevice(descriptor?: { requiredLimits?: Record<string, number> }): Promise<GpuDeviceLike>;
}

export interface GpuBufferLike {
  readonly size: number;
  mapAsync(mode: number, offset?: number, size?: number): Promise<undefined | void>;
  getMappedRange(offset?: number, size?: number): ArrayBuffer;
  unmap(): undefined | void;
  destroy(): undefined | void;
}

export interface GpuBindGroupLayoutEntry {
  binding: number;
  visibility: number;
  buffer: { type: "storage" | "read-only-storage" };
}

export interface GpuComputePass {
  setPipeline(pipeline: object): undefined | void;
  setBindGroup(index: number, group: object): undefined | void;
  dispatchWorkgroups(x: number, y?: number, z?: number): undefined | void;
  end(): undefined | void;
}

/** A finished command buffer (structurally only its label, so any implementation's fits). */
export interface GpuCommandBufferLike {
  readonly label: string;
}

export interface GpuCommandEncoder {
  beginComputePass(): GpuComputePass;
  copyBufferToBuffer(src: GpuBufferLike, srcOffset: number, dst: GpuBufferLike, dstOffset: number, size: number): undefined | void;
  finish(): GpuCommandBufferLike;
}

export interface GpuDeviceLike {
  readonly limits: GpuLimits;
  readonly queue: {
    submit(buffers: Iterable<GpuCommandBufferLike>): undefined | void;
    writeBuffer(buffer: GpuBufferLike, offset: number, data: ArrayBufferView<ArrayBuffer>): undefined | void;
  };
  readonly lost: Promise<{ readonly message: string }>;
  createBuffer(descriptor: { size: number; usage: number; mappedAtCreation?: boolean }): GpuBufferLike;
  createShaderModule(descriptor: { code: string }): object;
  createBindGroupLayout(descriptor: { entries: GpuBindGroupLayoutEntry[] }): object;
  createPipelineLayout(descriptor: { bindGroupLayouts: object[] }): object;
  createComputePipeline(descriptor: { layout: object; compute: { module: object; entryPoint: string } }): object;
  createBindGroup(descriptor: { layout: object; entries: { binding: number; resource: { buffer: GpuBufferLike } }[] }): object;
  createCommandEncoder(): GpuCommandEncoder;
  pushErrorScope(filter: "validation" | "out-of-memory" | "internal"): undefined | void;
  popErrorScope(): Promise<{ readonly message: string } | null>;
  destroy(): undefined | void;
}
