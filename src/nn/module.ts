// The Module base class: a container of parameters and sub-modules with a `forward` method.
//
// What counts as what — discovered by walking the module's own enumerable properties in the
// order they were assigned (`Object.entries`):
//   - a parameter: a tensor property that is a leaf marked with `setRequiresGrad()` (see
//     `isParameter`). Tensors computed from parameters and tensors without `requiresGrad` are
//     ignored, so caching an intermediate result on `this` never creates a parameter.
//   - a buffer: a tensor registered with `this.registerBuffer(name, t)`; saved in `stateDict()`
//     but never trained (running statistics, fixed tables).
//   - a child module: a property holding a Module.
//   - arrays: an array property's Module elements are children and its parameter elements are
//     parameters, named `<property>.<index>` (e.g. `layers.0.weight`).
// Anything else (numbers, strings, generators, maps) is ignored. A child that is also an
// ancestor (a back-reference to a parent) is skipped, so cycles are harmless. Subclasses can
// present their members differently by overriding `ownEntries()` (Sequential names its layers
// `0`, `1`, … as PyTorch does).
//
// How parameters change (the contract optimizers rely on): parameters are plain Tensors, and
// they keep their identity for the life of the module. `parameters()` returns those very tensor
// objects; an optimizer keeps the array, reads `p.grad` after `backward()`, computes the new
// value with ordinary tensor operations and calls `assignParameter(p, newValue)` from
// `./parameter.ts`, which re-points `p` at the new storage in place — same object, same
// `requiresGrad` leaf node, `.grad` untouched. `loadStateDict` updates parameters and buffers
// the same way, so an optimizer built before a checkpoint is loaded keeps working on the loaded
// weights. Nothing ever writes into existing storage, so tensors obtained earlier from a
// parameter (`p.detach()`, `stateDict()`) are snapshots that do not change.
//
// Because a parameter is recognised by its `requiresGrad` mark, `p.setRequiresGrad(false)` turns it
// into a plain tensor field: it leaves `parameters()` and `stateDict()`. To keep a fixed tensor
// in the state dict, register it as a buffer instead.
//
// For JAX-style code (`tg.grad` over parameters), `functionalCall(module, params, ...inputs)`
// runs `forward` with some parameters temporarily replaced by given tensors.
//
// JavaScript objects cannot be called like functions, so `module.call(x)` is the short form of
// `module.forward(x)` (PyTorch's `module(x)`).

import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../core/errors.js";
import { shapesEqual } from "../core/shape.js";
import { Tensor } from "../tensor/tensor.js";
import { clearGrad } from "../backend/capture.js";
import { assignParameter, isParameter } from "./parameter.js";

/** Parameter and buffer tensors by dotted name, e.g. `{ "fc1.weight": …, "fc1.bias": … }`. */
export type StateDict = Record<string, Tensor>;

export interface LoadStateDictOpts {
  /** Require the keys to match exactly (default true); when false, missing and unexpected keys are only reported. */
  strict?: boolean;
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** Where a parameter or buffer lives: `owner[key]`, or `owner[key][index]` for array members. */
interface Slot {
  name: string;
  kind: "parameter" | "buffer";
  owner: Module;
  key: string;
  index: number;
  value: Tensor;
}

export abstract class Module {
  /** True in training mode (the default); `eval()` clears it. Dropout and similar layers read it. */
  training = true;
  readonly #buffers = new Set<string>();

  /** The computation. Subclasses implement it; call it directly or through `call`. */
  abstract forward(...inputs: Tensor[]): Tensor;

  /**
   * Runs `forward` — the stand-in for PyTorch's `module(x)`, since JS objects cannot be called.
   * @example const y = new nn.Linear(3, 2).call(tg.randn([4, 3]));
   */
  call(...inputs: Tensor[]): Tensor {
    return this.forward(...inputs);
  }

  /**
   * The members the parameter walk looks at, as [name, value] pairs in order. Default: the own
   * enumerable properties. Tensor members must be readable and writable as `this[name]`.
   */
  protected ownEntries(): [string, unknown][] {
    return Object.entries(this);
  }

  /**
   * Stores `t` as property `name` and saves it in `stateDict()` without training it.
   * @example this.registerBuffer("runningMean", tg.zeros([features]));
   */
  protected registerBuffer(name: string, t: Tensor): void {
    if (!(t instanceof Tensor)) throw new ArgumentError(`registerBuffer: '${name}' must be a tensor`);
    (this as unknown as Record<string, unknown>)[name] = t;
    this.#buffers.add(name);
  }

  /** A short description of the layer's configuration shown by `toString()`, e.g. `in=2, out=16`. */
  extraRepr(): string {
    return "";
  }

  /** Direct members: child modules and tensors with their keys. */
  #members(): { name: string; key: string; index: number; value: unknown }[] {
    const out: { name: string; key: string; index: number; value: unknown }[] = [];
    for (const [key, value] of this.ownEntries()) {
      if (Array.isArray(value)) {
        value.forEach((v: unknown, i) => {
          if (v instanceof Module || isParameter(v)) out.push({ name: `${key}.${i}`, key, index: i, value: v });
        });
      } else if (value instanceof Module || value instanceof Tensor) out.push({ name: key, key, index: -1, value });
    }
    return out;
  }

  /**
   * The direct sub-modules with their names.
   * @example new nn.MLP([2, 4, 1]).namedChildren().map(([n]) => n) // ["layers.0", "layers.1", "activation"]
   */
  namedChildren(): [string, Module][] {
    return this.#members()
      .filter((m) => m.value instanceof Module)
      .map((m) => [m.name, m.value as Module]);
  }

  /** Every parameter and buffer slot under `prefix`, depth first in member order. */
  #slots(prefix: string, ancestors: Set<Module>, out: Slot[]): Slot[] {
    ancestors.add(this);
    for (const m of this.#members()) {
      const name = prefix + m.name;
      if (m.value instanceof Module) {
        if (!ancestors.has(m.value)) m.value.#slots(name + ".", ancestors, out);
      } else if (m.value instanceof Tensor) {
        const kind = m.index < 0 && this.#buffers.has(m.key) ? "buffer" : isParameter(m.value) ? "parameter" : null;
        if (kind) out.push({ name, kind, owner: this, key: m.key, index: m.index, value: m.value });
      }
    }
    ancestors.delete(this);
    return out;
  }

  /**
   * This module and every module below it, with dotted names ("" for this one); a module
   * reachable along several paths is listed once.
   */
  namedModules(): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (prefix: string, m: Module) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([prefix, m]);
      for (const [n, c] of m.namedChildren()) visit(prefix ? `${prefix}.${n}` : n, c);
    };
    visit("", this);
    return out;
  }

  /**
   * Parameters with dotted names, in definition order; a tensor shared by several layers is
   * listed once, under its first name.
   * @example new nn.Linear(2, 3).namedParameters().map(([n]) => n) // ["weight", "bias"]
   */
  namedParameters(): [string, Tensor][] {
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const s of this.#slots("", new Set(), [])) {
      if (s.kind !== "parameter" || seen.has(s.value)) continue;
      seen.add(s.value);
      out.push([s.name, s.value]);
    }
    return out;
  }

  /**
   * The parameter tensors themselves (not copies), in the order of `namedParameters()`. Hand
   * them to an optimizer: it updates them in place with `assignParameter`.
   * @example const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
   */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Buffers (registered with `registerBuffer`) with dotted names. */
  namedBuffers(): [string, Tensor][] {
    return this.#slots("", new Set(), [])
      .filter((s) => s.kind === "buffer")
      .map((s) => [s.name, s.value]);
  }

  /**
   * Total number of parameter elements.
   * @example new nn.Linear(2, 16).numParameters() // 48
   */
  numParameters(): number {
    let n = 0;
    for (const p of this.parameters()) n += p.size;
    return n;
  }

  /**
   * Snapshots of every parameter and buffer by dotted name (a tensor reachable under two names
   * appears under both, as in PyTorch). The tensors are detached and do not change when the
   * model is trained further.
   * @example Object.keys(new nn.MLP([2, 16, 4]).stateDict()) // ["layers.0.weight", "layers.0.bias", …]
   */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const s of this.#slots("", new Set(), [])) out[s.name] = s.value.detach();
    return out;
  }

  /**
   * Copies values into the parameters and buffers named in `dict`, in place (the tensors keep
   * their identity, so optimizers holding them see the loaded values). Every entry's shape and
   * dtype must match; nothing is changed unless all of them do. With `strict` (the default)
   * missing or unexpected keys are an error; otherwise they are returned.
   * @example lin.loadStateDict({ weight: tg.tensor([[0.5, -1]]), bias: tg.tensor([0.1]) });
   */
  loadStateDict(dict: StateDict | ReadonlyMap<string, Tensor>, opts: LoadStateDictOpts = {}): LoadStateDictResult {
    const strict = opts.strict ?? true;
    const entries = new Map<string, unknown>(dict instanceof Map ? dict : Object.entries(dict));
    const slots = this.#slots("", new Set(), []);
    const own = new Set(slots.map((s) => s.name));
    const missingKeys = slots.filter((s) => !entries.has(s.name)).map((s) => s.name);
    const unexpectedKeys = [...entries.keys()].filter((k) => !own.has(k));
    if (strict && (missingKeys.length || unexpectedKeys.length)) {
      const parts: string[] = [];
      if (missingKeys.length) parts.push(`missing keys ${missingKeys.map((k) => `'${k}'`).join(", ")}`);
      if (unexpectedKeys.length) parts.push(`unexpected keys ${unexpectedKeys.map((k) => `'${k}'`).join(", ")}`);
      throw new ArgumentError(`loadStateDict: ${parts.join("; ")}`);
    }
    const updates: [Slot, Tensor][] = [];
    for (const s of slots) {
      if (!entries.has(s.name)) continue;
      const v = entries.get(s.name);
      if (!(v instanceof Tensor)) throw new ArgumentError(`loadStateDict: '${s.name}' must be a tensor, got ${typeof v}`);
      if (!shapesEqual(v.shape, s.value.shape))
        throw new ShapeError(`loadStateDict: '${s.name}' expects shape ${fmtShape(s.value.shape)}, got ${fmtShape(v.shape)}`);
      if (v.dtype !== s.value.dtype)
        throw new DTypeError(`loadStateDict: '${s.name}' expects dtype ${s.value.dtype}, got ${v.dtype}`);
      updates.push([s, v]);
    }
    for (const [s, v] of updates) assignParameter(s.value, v);
    return { missingKeys, unexpectedKeys };
  }

  /**
   * Sets training mode on this module and all below it (`mode` false = evaluation); returns this.
   * @example model.train(); … model.eval();
   */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** Evaluation mode: dropout off. Same as `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Clears the accumulated `.grad` of every parameter. */
  zeroGrad(): void {
    for (const p of this.parameters()) clearGrad(p);
  }

  /**
   * A readable summary: the module tree with each layer's configuration and parameter count,
   * and the total.
   * @example console.log(String(new nn.MLP([2, 16, 4])));
   */
  toString(): string {
    return `${render(this, "", new Set())}\nTotal parameters: ${fmtCount(this.numParameters())}`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** @internal the parameter/buffer slots (for functionalCall). */
  static _slots(m: Module): Slot[] {
    return m.#slots("", new Set(), []);
  }
}

function setSlot(s: Slot, t: Tensor): void {
  const rec = s.owner as unknown as Record<string, unknown>;
  if (s.index < 0) rec[s.key] = t;
  else (rec[s.key] as unknown[])[s.index] = t;
}

function fmtCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function countLabel(n: number): string {
  return `${fmtCount(n)} ${n === 1 ? "param" : "params"}`;
}

function render(m: Module, indent: string, ancestors: Set<Module>): string {
  const head = `${m.constructor.name}(${m.extraRepr()})`;
  const n = m.numParameters();
  const children = m.namedChildren().filter(([, c]) => !ancestors.has(c));
  if (children.length === 0) return n > 0 ? `${head}  [${countLabel(n)}]` : head;
  ancestors.add(m);
  const inner = indent + "  ";
  const lines = children.map(([name, c]) => `${inner}(${name}): ${render(c, inner, ancestors)}`);
  ancestors.delete(m);
  return `${m.constructor.name}(${m.extraRepr() ? m.extraRepr() + "," : ""}\n${lines.join("\n")}\n${indent})  [${countLabel(n)}]`;
}

/**
 * Runs `module.forward(...inputs)` with the parameters (or buffers) named in `params` replaced by
 * the given tensors for the duration of the call, then restores them. This turns a module into a
 * pure function of its parameters, for JAX-style transformations.
 * @example
 * const lossOf = (w: Tensor) => functionalCall(lin, { weight: w }, x).square().mean();
 * const gW = tg.grad(lossOf)(lin.weight);
 */
export function functionalCall(module: Module, params: StateDict | ReadonlyMap<string, Tensor>, ...inputs: Tensor[]): Tensor {
  const entries = params instanceof Map ? [...params.entries()] : Object.entries(params);
  const slots = new Map(Module._slots(module).map((s) => [s.name, s]));
  const swaps: [Slot, Tensor][] = [];
  for (const [name, t] of entries) {
    const s = slots.get(name);
    if (!s) throw new ArgumentError(`functionalCall: ${module.constructor.name} has no parameter or buffer '${name}'`);
    if (!(t instanceof Tensor)) throw new ArgumentError(`functionalCall: '${name}' must be a tensor`);
    if (!shapesEqual(t.shape, s.value.shape))
      throw new ShapeError(`functionalCall: '${name}' expects shape ${fmtShape(s.value.shape)}, got ${fmtShape(t.shape)}`);
    swaps.push([s, t]);
  }
  for (const [s, t] of swaps) setSlot(s, t);
  try {
    return module.forward(...inputs);
  } finally {
    for (const [s] of swaps) setSlot(s, s.value);
  }
}
