// Checkpoints: a module's state dict, optionally with an optimizer's state, in one safetensors
// file.
//
//   "layers.0.weight", "layers.0.bias", …       the module's parameters and buffers, by the dotted
//                                               names of `module.stateDict()` (PyTorch's names), so
//                                               a file without optimizer state is an ordinary
//                                               state-dict file any safetensors reader can use
//   "__optimizer__.state.<i>.<key>"             each optimizer state tensor (Adam's expAvg, …) of
//                                               parameter i, counting through the groups in order
//   __metadata__["tensorgrad.optimizer"]        JSON: the rule's name, every group's
//                                               hyperparameters and parameter indices, and each
//                                               parameter's state entries in order (numbers and
//                                               nulls as they are, tensors by their file name)
//
// Tensors keep their dtype (float32 moments as F32, Adam's float64 step count as F64) and JSON
// numbers print as the shortest text that reads back as the same double, so loading restores
// the optimizer bit for bit and training resumes exactly where it stopped.

import { ArgumentError, ShapeError, fmtShape } from "../core/errors.js";
import { isFloat } from "../core/dtype.js";
import { shapesEqual } from "../core/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { cast } from "../tensor/ops/arith.js";
import { DataFormatError } from "../data/parse/errors.js";
import type { Module } from "../nn/module.js";
import type { OptimizerStateDict } from "../optim/optimizer.js";
import type { ParamState } from "../optim/rule.js";
import { decodeSafetensors, encodeWith, readSafetensorsFile, type EncodeDTypeOpts } from "./safetensors.js";
import { writeFileAtomic } from "./files.js";

/** What a checkpoint needs of an optimizer: its rule's name and its state dict (every `tg.optim` optimizer). */
export interface CheckpointOptimizer {
  readonly rule: { readonly name: string };
  stateDict(): OptimizerStateDict<object, ParamState>;
  loadStateDict(dict: OptimizerStateDict<object, ParamState>): void;
}

/**
 * Options for {@link encodeModule} / {@link saveModule}. A `dtypes` function chooses file dtypes
 * for the module's tensors only (optimizer state is always stored exactly).
 */
export interface SaveModuleOpts extends EncodeDTypeOpts {
  /** Also store this optimizer's state (moments, step counts, hyperparameters). */
  optimizer?: CheckpointOptimizer;
  /** Extra `__metadata__` strings (keys starting with `tensorgrad.` are reserved). */
  metadata?: Readonly<Record<string, string>>;
}

/** Options for {@link decodeModule} / {@link loadModule}. */
export interface LoadModuleOpts {
  /** Restore this optimizer's state too; the file must hold optimizer state of the same kind. */
  optimizer?: CheckpointOptimizer;
  /** Require the file's tensors and the module's to match exactly (default true). */
  strict?: boolean;
  /** Name of the input for error messages (loadModule passes the path). */
  source?: string;
}

/** What loading a checkpoint found. */
export interface LoadModuleResult {
  /** The file's `__metadata__`, without the reserved `tensorgrad.*` entries. */
  metadata: Record<string, string>;
  /** Module entries the file lacks (only ever non-empty with `strict: false`). */
  missingKeys: string[];
  /** File tensors the module lacks (only ever non-empty with `strict: false`). */
  unexpectedKeys: string[];
}

const OPT_PREFIX = "__optimizer__.state.";
const OPT_META = "tensorgrad.optimizer";

/** The JSON stored under `tensorgrad.optimizer`. */
interface OptimizerRecord {
  rule: string;
  paramGroups: { params: number[]; [hyper: string]: unknown }[];
  /** Per parameter index, its state entries in order: numbers and nulls as they are, tensors by file name. */
  state: Record<string, Record<string, number | null | { tensor: string }>>;
}

/** Sets an own enumerable property (safe for any key, `__proto__` included). */
function own<T>(rec: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(rec, key, { value, enumerable: true, writable: true, configurable: true });
}

function isModule(m: unknown): m is Module {
  return m !== null && typeof m === "object" && typeof (m as Module).stateDict === "function" && typeof (m as Module).loadStateDict === "function";
}

function isOptimizer(o: unknown): o is CheckpointOptimizer {
  return o !== null && typeof o === "object" && typeof (o as CheckpointOptimizer).stateDict === "function" && typeof (o as CheckpointOptimizer).rule?.name === "string";
}

/** JSON text of `v`, refusing numbers JSON cannot hold (NaN, ±Inf) rather than writing null. */
function exactJson(op: string, v: unknown): string {
  return JSON.stringify(v, (k, x) => {
    if (typeof x === "number" && !Number.isFinite(x)) throw new ArgumentError(`${op}: optimizer setting '${k}' is ${x}, which JSON cannot store`);
    return x;
  });
}

function encodeCheckpoint(op: string, module: Module, opts: SaveModuleOpts): Uint8Array {
  if (!isModule(module)) throw new ArgumentError(`${op}: expected an nn.Module, got ${typeof module}`);
  const tensors: Record<string, Tensor> = {};
  const put = (k: string, t: Tensor) => own(tensors, k, t);
  for (const [name, t] of Object.entries(module.stateDict())) {
    if (name.startsWith("__optimizer__.")) throw new ArgumentError(`${op}: the module entry '${name}' uses the reserved prefix '__optimizer__.'`);
    put(name, t);
  }
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.metadata ?? {})) {
    if (k.startsWith("tensorgrad.")) throw new ArgumentError(`${op}: metadata key '${k}' is reserved (keys starting with 'tensorgrad.')`);
    own(metadata, k, v);
  }
  if (opts.optimizer !== undefined) {
    if (!isOptimizer(opts.optimizer)) throw new ArgumentError(`${op}: optimizer must be a tg.optim optimizer`);
    const sd = opts.optimizer.stateDict();
    const rec: OptimizerRecord = { rule: opts.optimizer.rule.name, paramGroups: sd.paramGroups, state: {} };
    for (const [i, s] of Object.entries(sd.state)) {
      const entries: Record<string, number | null | { tensor: string }> = {};
      for (const [k, v] of Object.entries(s)) {
        if (v instanceof Tensor) {
          const name = `${OPT_PREFIX}${i}.${k}`;
          put(name, v);
          own(entries, k, { tensor: name });
        } else own(entries, k, v);
      }
      rec.state[i] = entries;
    }
    metadata[OPT_META] = exactJson(op, rec);
  }
  // a dtype function chooses for the module's tensors only: optimizer state stays exact
  const choice = opts.dtypes;
  const dtypes = typeof choice === "function" ? (name: string, t: Tensor) => (name.startsWith(OPT_PREFIX) ? undefined : choice(name, t)) : choice;
  return encodeWith(op, tensors, metadata, { dtypes });
}

/** The optimizer state dict described by a checkpoint, with its tensors taken from `tensors`. */
function optimizerDict(
  op: string,
  text: string | undefined,
  tensors: Record<string, Tensor>,
  optimizer: CheckpointOptimizer,
  source: string | undefined,
): OptimizerStateDict<object, ParamState> {
  const bad = (detail: string): never => {
    throw new DataFormatError("safetensors", `${OPT_META}: ${detail}`, { source });
  };
  if (text === undefined) throw new ArgumentError(`${op}: ${source ?? "the checkpoint"} holds no optimizer state (saved without { optimizer })`);
  let rec: OptimizerRecord;
  try {
    rec = JSON.parse(text) as OptimizerRecord;
  } catch (e) {
    return bad(`not valid JSON (${(e as Error).message})`);
  }
  if (rec === null || typeof rec !== "object" || typeof rec.rule !== "string" || !Array.isArray(rec.paramGroups))
    bad("expected an object with 'rule', 'paramGroups' and 'state'");
  if (typeof rec.state !== "object" || rec.state === null || Array.isArray(rec.state)) bad("expected a 'state' object");
  if (rec.rule !== optimizer.rule.name)
    throw new ArgumentError(`${op}: the checkpoint holds ${rec.rule} state but the optimizer is ${optimizer.rule.name}`);

  const used = new Set<string>();
  const state: Record<number, ParamState> = {};
  for (const [i, entries] of Object.entries(rec.state)) {
    if (!/^(?:0|[1-9]\d*)$/.test(i) || entries === null || typeof entries !== "object" || Array.isArray(entries))
      bad(`the state of parameter '${i}' must be an object`);
    const s: Record<string, Tensor | number | null> = {};
    for (const [k, v] of Object.entries(entries)) {
      if (v === null || typeof v === "number") own(s, k, v);
      else if (typeof v === "object" && typeof v.tensor === "string" && v.tensor.startsWith(OPT_PREFIX)) {
        const t = Object.prototype.hasOwnProperty.call(tensors, v.tensor) ? tensors[v.tensor] : undefined;
        if (!t) bad(`names tensor '${v.tensor}', which is not in the file`);
        own(s, k, t!);
        used.add(v.tensor);
      } else bad(`state '${k}' of parameter ${i} must be a number, null or {"tensor": "${OPT_PREFIX}…"}`);
    }
    state[Number(i)] = s;
  }
  const stray = Object.keys(tensors).filter((k) => k.startsWith(OPT_PREFIX) && !used.has(k));
  if (stray.length) bad(`the file has optimizer tensors no parameter claims: ${stray.map((k) => `'${k}'`).join(", ")}`);
  return { state, paramGroups: rec.paramGroups as (object & { params: number[] })[] };
}

function applyCheckpoint(op: string, module: Module, bytes: Uint8Array, opts: LoadModuleOpts): LoadModuleResult {
  if (!isModule(module)) throw new ArgumentError(`${op}: expected an nn.Module, got ${typeof module}`);
  if (opts.optimizer !== undefined && !isOptimizer(opts.optimizer)) throw new ArgumentError(`${op}: optimizer must be a tg.optim optimizer`);
  const strict = opts.strict ?? true;
  const source = opts.source;
  const file = decodeSafetensors(bytes, { source });
  const from = source ? `'${source}'` : "the checkpoint";

  // the module's part: every tensor outside the optimizer prefix
  const current = module.stateDict();
  const dict = new Map<string, Tensor>();
  for (const [k, t] of Object.entries(file.tensors)) {
    if (k.startsWith(OPT_PREFIX)) continue;
    const want = Object.prototype.hasOwnProperty.call(current, k) ? current[k] : undefined;
    // a float stored in another float format (F16, or float64 into a float32 model) is converted,
    // as PyTorch's load_state_dict copies across dtypes
    dict.set(k, want && want.dtype !== t.dtype && isFloat(want.dtype) && isFloat(t.dtype) ? cast(t, want.dtype) : t);
  }
  const missingKeys = Object.keys(current).filter((k) => !dict.has(k));
  const unexpectedKeys = [...dict.keys()].filter((k) => !Object.prototype.hasOwnProperty.call(current, k));
  if (strict && (missingKeys.length || unexpectedKeys.length)) {
    const parts: string[] = [];
    if (missingKeys.length) parts.push(`the module's ${missingKeys.map((k) => `'${k}'`).join(", ")} ${missingKeys.length === 1 ? "is" : "are"} missing from the file`);
    if (unexpectedKeys.length) parts.push(`the file's ${unexpectedKeys.map((k) => `'${k}'`).join(", ")} ${unexpectedKeys.length === 1 ? "is" : "are"} not in the module`);
    throw new ArgumentError(`${op}: ${from} does not match ${module.constructor.name}: ${parts.join("; ")}`);
  }
  for (const [k, t] of dict) {
    const want = Object.prototype.hasOwnProperty.call(current, k) ? current[k] : undefined;
    if (want && !shapesEqual(want.shape, t.shape))
      throw new ShapeError(`${op}: '${k}' in ${from} has shape ${fmtShape(t.shape)}, the module's has ${fmtShape(want.shape)}`);
  }
  for (const k of unexpectedKeys) dict.delete(k);

  // optimizer first (it checks everything before changing anything), then the module; if the
  // module refuses, the optimizer gets its old state back, so a failed load changes nothing
  const opt = opts.optimizer;
  let restore: OptimizerStateDict<object, ParamState> | undefined;
  if (opt) {
    const od = optimizerDict(op, file.metadata[OPT_META], file.tensors, opt, source);
    restore = opt.stateDict();
    opt.loadStateDict(od);
  }
  try {
    module.loadStateDict(dict, { strict: false });
  } catch (e) {
    if (opt && restore) opt.loadStateDict(restore);
    throw e;
  }
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(file.metadata)) if (!k.startsWith("tensorgrad.")) own(metadata, k, v);
  return { metadata, missingKeys, unexpectedKeys };
}

/**
 * The bytes of a checkpoint of `module` (its `stateDict()`), with the optimizer's state when
 * `opts.optimizer` is given (in memory; works in browsers).
 * @example const bytes = tg.io.encodeModule(model, { optimizer: opt });
 */
export function encodeModule(module: Module, opts: SaveModuleOpts = {}): Uint8Array {
  return encodeCheckpoint("io.encodeModule", module, opts);
}

/**
 * Loads a checkpoint made by {@link encodeModule} (or any safetensors state dict with the
 * module's dotted names) into `module` in place, and the optimizer's state when given. Missing
 * and unexpected tensors (with `strict`, the default) and shape mismatches are errors, and a
 * failed load changes nothing.
 * @example tg.io.decodeModule(model, bytes, { optimizer: opt });
 */
export function decodeModule(module: Module, bytes: Uint8Array, opts: LoadModuleOpts = {}): LoadModuleResult {
  return applyCheckpoint("io.decodeModule", module, bytes, opts);
}

/**
 * Saves a checkpoint of `module` (and of `opts.optimizer`) to a safetensors file, atomically (Node).
 * @example tg.io.saveModule(model, "ckpt.safetensors", { optimizer: opt, metadata: { epoch: "3" } });
 */
export function saveModule(module: Module, path: string, opts: SaveModuleOpts = {}): void {
  const bytes = encodeCheckpoint("io.saveModule", module, opts);
  writeFileAtomic("io.saveModule", path, bytes);
}

/**
 * Loads a checkpoint file into `module` (and `opts.optimizer`) in place (Node); see {@link decodeModule}.
 * @example const { metadata } = tg.io.loadModule(model, "ckpt.safetensors", { optimizer: opt });
 */
export function loadModule(module: Module, path: string, opts: Omit<LoadModuleOpts, "source"> = {}): LoadModuleResult {
  return applyCheckpoint("io.loadModule", module, readSafetensorsFile("io.loadModule", path), { ...opts, source: path });
}
