// The char-lm run folder (Node): the model checkpoint, the tokenizer, the optimizer state and
// the run's own state (iteration, generator states, loss history), written so that a resumed
// run continues exactly as the uninterrupted one.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import * as tg from "../library.js";
import { loadGPT, loadOptimizer, saveGPT, saveOptimizer, writeJsonAtomic } from "../models/gpt-files.js";
import { charLmConfig, type CharLmConfig, type CharLmState, type EvalPoint } from "./char-lm.js";

/** The full Tiny Shakespeare shipped in data/ (gzip). */
export function loadShakespeare(path = new URL("../../data/tinyshakespeare.txt.gz", import.meta.url)): string {
  return gunzipSync(readFileSync(path)).toString("utf8");
}

// a generator state holds NaN for "no cached normal", which JSON cannot carry
const genState = (g: tg.random.Generator) => g.getState().map((v) => (Number.isNaN(v) ? null : v));
const setGen = (g: tg.random.Generator, s: (number | null)[]) => g.setState(s.map((v) => (v === null ? NaN : v)));

/** Writes the checkpoint of `state` into `dir`: model, tokenizer, optimizer and run state. */
export function saveCharLmRun(dir: string, state: CharLmState, tokenizer: tg.text.CharTokenizer): void {
  saveGPT(state.model, dir);
  writeJsonAtomic(join(dir, "tokenizer.json"), tokenizer.toJSON());
  saveOptimizer(state.optimizer, dir, {
    iter: state.iter,
    config: state.config,
    dataGen: genState(state.dataGen),
    modelGen: genState(state.model.generator),
    losses: state.losses,
    evals: state.evals,
    trainMs: state.trainMs,
  });
}

/** Whether `dir` holds a resumable run. */
export function hasCharLmRun(dir: string): boolean {
  return ["config.json", "model.safetensors", "optimizer.json", "optimizer.safetensors", "tokenizer.json"].every((f) => existsSync(join(dir, f)));
}

/** The run saved in `dir`, ready to continue (`overrides` may change maxIters and other schedule settings). */
export function loadCharLmRun(dir: string, overrides: Partial<CharLmConfig> = {}): { state: CharLmState; tokenizer: tg.text.CharTokenizer } {
  const tokenizer = tg.text.CharTokenizer.fromJSON(JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8")));
  const saved = loadGPT(dir);
  const run = JSON.parse(readFileSync(join(dir, "optimizer.json"), "utf8")) as {
    iter: number; config: CharLmConfig; dataGen: (number | null)[]; modelGen: (number | null)[]; losses: number[]; evals: EvalPoint[]; trainMs: number;
  };
  const config = charLmConfig({ ...run.config, ...overrides });
  // the same model; its generator (which draws the dropout masks) continues where it stopped
  const model = new tg.models.GPT(saved.config, { generator: tg.random.generator(0), dtype: saved.dtype });
  model.loadStateDict(saved.stateDict());
  setGen(model.generator, run.modelGen);
  const optimizer = new tg.optim.AdamW(model.parameterGroups(config.weightDecay), { lr: config.lr, betas: [config.beta1, config.beta2], weightDecay: config.weightDecay });
  loadOptimizer(optimizer, dir);
  const dataGen = tg.random.generator(0);
  setGen(dataGen, run.dataGen);
  return { state: { config, model, optimizer, iter: run.iter, dataGen, losses: run.losses, evals: run.evals, trainMs: run.trainMs }, tokenizer };
}
