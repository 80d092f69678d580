/**
 * Feature detection and compilation of the kernel module. Nothing here changes V8 flags unless
 * asked to (`relaxedSimd: true`, `noLiftoff: true`), and then only around one compilation.
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
  emitElementwise(mb, opt);
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

/** V8's switch for relaxed SIMD on Node 20 (V8 11.3); later engines ship it on by default. */
export const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';
/** Compile with the optimising tier only (no Liftoff baseline). */
export const NO_LIFTOFF_FLAG = '--no-liftoff';

/** `--x` ↔ `--no-x`. */
function negateFlag(flag: string): string {
  return flag.startsWith('--no-') ? `--${flag.slice(5)}` : `--no-${flag.slice(2)}`;
}

/**
 * Runs `fn` with the V8 `flags` set and sets their negations afterwards. V8 has no getter for
 * a flag's current value, so "restore" means back to V8's default: the two flags used here
 * default to `--no-experimental-wasm-relaxed-simd` and `--liftoff`. A process started with
 * one of them on the command line already has what the flag gives, and callers skip it then
 * (relaxed SIMD is detected by validation; `--no-liftoff` is only set on request).
 */
export function withV8Flags<T>(v8: V8Module | undefined, flags: readonly string[], fn: () => T): T {
  const set: string[] = [];
  try {
    for (const f of flags) {
      try {
        v8?.setFlagsFromString(f);
        if (v8) set.push(f);
      } catch {
        // An engine without the flag: compile without it.
      }
    }
    return fn();
  } finally {
    for (const f of set.reverse()) v8!.setFlagsFromString(negateFlag(f));
  }
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

export interface KernelCompileOptions {
  /**
   * Relaxed-SIMD fused multiply-add in the GEMM micro-kernel. Unset: used when the engine
   * validates it as is (current browsers, Node ≥ 22). `true`: on Node 20 additionally turn on
   * V8's `--experimental-wasm-relaxed-simd` for this one compilation. `false`: plain SIMD.
   */
  relaxedSimd?: boolean;
  /**
   * Compile with V8's `--no-liftoff` (restored to `--liftoff` right after). With the default
   * dynamic tiering a kernel first runs in the baseline tier and a long call never switches
   * tier mid-call, so the first large GEMMs of a process are slower.
   */
  noLiftoff?: boolean;
  /** Build for shared memory (threads). */
  shared: boolean;
}

export interface CompiledKernels {
  module: WebAssembly.Module;
  relaxed: boolean;
  shared: boolean;
}

/** The V8 flags that `opt` asks for and that would change anything. */
function flagsFor(opt: KernelCompileOptions, probe: Uint8Array<ArrayBuffer>): string[] {
  const flags: string[] = [];
  if (opt.relaxedSimd === true && !WebAssembly.validate(probe)) flags.push(RELAXED_SIMD_FLAG);
  if (opt.noLiftoff === true) flags.push(NO_LIFTOFF_FLAG);
  return flags;
}

/**
 * Builds and compiles the kernel module synchronously (Node; a browser's main thread refuses
 * synchronous compilation of large modules). `v8` is `node:v8`, needed only for the opt-in flags.
 */
export function compileKernelsSync(opt: KernelCompileOptions, v8?: V8Module): CompiledKernels {
  const probe = relaxedProbe();
  const flags = v8 ? flagsFor(opt, probe) : [];
  return withV8Flags(v8, flags, () => {
    const relaxed = opt.relaxedSimd !== false && WebAssembly.validate(probe);
    const bytes = buildKernelModule({ relaxed, shared: opt.shared });
    return { module: new WebAssembly.Module(bytes), relaxed, shared: opt.shared };
  });
}

/** Builds and compiles the kernel module off the main thread (browsers), or as above with V8 flags. */
export async function compileKernels(opt: KernelCompileOptions, v8?: V8Module): Promise<CompiledKernels> {
  if (v8 && flagsFor(opt, relaxedProbe()).length > 0) return compileKernelsSync(opt, v8);
  const relaxed = opt.relaxedSimd !== false && WebAssembly.validate(relaxedProbe());
  const bytes = buildKernelModule({ relaxed, shared: opt.shared });
  return { module: await WebAssembly.compile(bytes), relaxed, shared: opt.shared };
}
