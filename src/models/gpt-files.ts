// GPT checkpoints on disk (Node): `model.safetensors` (the weights, a tied weight once) and
// `config.json` (format, version and the architecture), plus for training runs
// `optimizer.safetensors` with `optimizer.json` (moments, step counts, hyperparameters).

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ArgumentError } from "../core/errors.js";
import { loadSafetensors, saveSafetensors } from "../io/safetensors.js";
import type { Tensor } from "../tensor/tensor.js";
import type { Optimizer } from "../optim/optimizer.js";
import type { BaseHyper, ParamState } from "../optim/rule.js";
import { GPT, type GPTConfig } from "./gpt.js";

export const GPT_FORMAT = "tensorgrad-gpt";
export const GPT_FORMAT_VERSION = 1;

interface ConfigFile {
  format: string;
  version: number;
  dtype: string;
  config: GPTConfig;
}

/** Writes a JSON file atomically (temporary file, then rename). */
export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + "\n");
  renameSync(tmp, path);
}

/** Writes `model.safetensors` and `config.json` into `dir` (created if needed). */
export function saveGPT(model: GPT, dir: string): void {
  mkdirSync(dir, { recursive: true });
  saveSafetensors(join(dir, "model.safetensors"), model.checkpointTensors(), { format: GPT_FORMAT, version: String(GPT_FORMAT_VERSION) });
  const file: ConfigFile = { format: GPT_FORMAT, version: GPT_FORMAT_VERSION, dtype: model.dtype, config: model.config };
  writeJsonAtomic(join(dir, "config.json"), file);
}

/** Reads `config.json` of a checkpoint folder, refusing other formats and newer versions. */
export function readGPTConfig(dir: string): ConfigFile {
  const path = join(dir, "config.json");
  if (!existsSync(path)) throw new ArgumentError(`GPT.load: ${path} does not exist (not a checkpoint folder)`);
  let file: ConfigFile;
  try {
    file = JSON.parse(readFileSync(path, "utf8")) as ConfigFile;
  } catch {
    throw new ArgumentError(`GPT.load: ${path} is not valid JSON`);
  }
  if (file.format !== GPT_FORMAT) throw new ArgumentError(`GPT.load: ${path} has format ${JSON.stringify(file.format)}, expected "${GPT_FORMAT}"`);
  if (!Number.isInteger(file.version) || file.version > GPT_FORMAT_VERSION)
    throw new ArgumentError(`GPT.load: ${path} has format version ${file.version}; this tensorgrad reads versions up to ${GPT_FORMAT_VERSION}`);
  return file;
}

/** The model saved in `dir`, with its weights. */
export function loadGPT(dir: string): GPT {
  const file = readGPTConfig(dir);
  const model = new GPT(file.config, { dtype: file.dtype === "float64" ? "float64" : "float32" });
  const { tensors } = loadSafetensors(join(dir, "model.safetensors"));
  model.loadCheckpointTensors(tensors);
  return model;
}

/** Writes an optimizer's state: tensors to `optimizer.safetensors`, the rest to `optimizer.json` (with `extra`). */
export function saveOptimizer<H extends BaseHyper, S extends ParamState>(opt: Optimizer<H, S>, dir: string, extra: Record<string, unknown> = {}): void {
  const sd = opt.stateDict();
  const tensors: Record<string, Tensor> = {};
  const numbers: Record<string, Record<string, number | null>> = {};
  for (const [i, s] of Object.entries(sd.state)) {
    numbers[i] = {};
    for (const [k, v] of Object.entries(s)) {
      if (v === null || typeof v === "number") numbers[i][k] = v;
      else tensors[`state.${i}.${k}`] = v as Tensor;
    }
  }
  saveSafetensors(join(dir, "optimizer.safetensors"), tensors);
  writeJsonAtomic(join(dir, "optimizer.json"), { ...extra, paramGroups: sd.paramGroups, numbers });
}

/** Restores an optimizer from `saveOptimizer`'s files; returns the `extra` fields. */
export function loadOptimizer<H extends BaseHyper, S extends ParamState>(opt: Optimizer<H, S>, dir: string): Record<string, unknown> {
  const json = JSON.parse(readFileSync(join(dir, "optimizer.json"), "utf8")) as Record<string, unknown> & {
    paramGroups: (H & { params: number[] })[];
    numbers: Record<string, Record<string, number | null>>;
  };
  const { tensors } = loadSafetensors(join(dir, "optimizer.safetensors"));
  const state: Record<number, Record<string, Tensor | number | null>> = {};
  for (const [i, nums] of Object.entries(json.numbers)) state[Number(i)] = { ...nums };
  for (const [name, t] of Object.entries(tensors)) {
    const [, i, k] = name.split(".");
    (state[Number(i)] ??= {})[k] = t;
  }
  opt.loadStateDict({ state: state as unknown as Record<number, S>, paramGroups: json.paramGroups });
  const { paramGroups: _g, numbers: _n, ...extra } = json;
  return extra;
}
