/**
 * Feature detection and compilation of the kernel module.
 */
import { I32, ModuleBuilder, V128 } from './emitter.js';
import { emitElementwise } from './elementwise-gen.js';
import { emitGemm } from './gemm-gen.js';

/** 64 KiB Wasm pages; the linear memory may grow to 4 GiB (wasm32 limit). */
export const PAGE = 65536;
export const MAX_PAGES = 65536;

export interface KernelModuleOptions {
  relaxed: boolean;
  shared: boolean;
}

/** Builds the module bytes: one imported memory `env.memory`, all kernels exported. */
export function buildKernelModule(opt: KernelModuleOptions): Uint8Array<ArrayBuffer> {
  const mb = new ModuleBuilder({
    module: 'env',
    name: 'memory',
    initialPages: 1,
    maximumPages: opt.shared ? MAX_PAGES : undefined,
    shared: opt.shared,
  });
  emitGemm(mb, opt);
  emitElementwise(mb);
  return mb.build();
}

function relaxedProbe(): Uint8Array<ArrayBuffer> {
  const mb = new ModuleBuilder({ module: 'env', name: 'memory', initialPages: 1, shared: false });
  mb.func([I32], [], (f) => {
    const v = f.local(V128);
    f.get(0).mem('v128.load').set(v);
    f.get(0).get(v).get(v).get(v).op('f32x4.relaxed_madd').mem('v128.store');
  });
  return mb.build();
}

type V8Module = { setFlagsFromString(flags: string): void };

async function loadV8(): Promise<V8Module | undefined> {
  try {
    const v8 = (await import('node:v8')) as unknown as V8Module & { default?: V8Module };
    return v8.default ?? v8;
  } catch {
    return undefined;
  }
}

/**
 * Whether relaxed SIMD can be used. Node 20 (V8 11.3) ships it behind
 * --experimental-wasm-relaxed-simd; the flag is accepted at run time (not in
 * NODE_OPTIONS) and only affects modules compiled afterwards.
 */
export async function detectRelaxedSimd(): Promise<boolean> {
  const probe = relaxedProbe();
  if (WebAssembly.validate(probe)) return true;
  const v8 = await loadV8();
  if (!v8) return false;
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return WebAssembly.validate(probe);
}

export function sharedMemoryAvailable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  try {
    const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true } as WebAssembly.MemoryDescriptor);
    return m.buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

/**
 * Compiles the module with the optimising tier only. With V8's default
 * dynamic tiering, a kernel first runs in the baseline compiler (Liftoff,
 * several times slower) and a long call never switches tier mid-call, so the
 * first GEMMs after start-up would be slow. Turning Liftoff off for this one
 * synchronous compilation makes every function optimised from the start; the
 * flag is restored right after so other modules in the process are unaffected.
 */
export async function compileKernelModule(bytes: Uint8Array<ArrayBuffer>): Promise<WebAssembly.Module> {
  const v8 = await loadV8();
  let toggled = false;
  if (v8) {
    try {
      v8.setFlagsFromString('--no-liftoff');
      toggled = true;
    } catch {
      toggled = false;
    }
  }
  try {
    return new WebAssembly.Module(bytes);
  } finally {
    if (toggled) v8!.setFlagsFromString('--liftoff');
  }
}
