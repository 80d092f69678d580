// The language-model widget's model side, away from the DOM: the shipped checkpoint read with
// fetch() and tensorgrad's bytes-level safetensors reader (GPT.load is Node-only), the gzip text
// slice for training in the page, sampling as a stream that yields to the event loop, and
// training snapshots so Back and Reset return to an earlier iteration exactly.

import * as tg from "../../../src/index.js";
import { charLmConfig, charLmData, charLmInit, type CharLmConfig, type CharLmData, type CharLmState } from "../../../src/examples/index.js";

/** Where the built site keeps the checkpoint and the text (copied from explorer/assets/lm). */
export const ASSETS = "assets/lm/";

export interface Checkpoint {
  model: tg.models.GPT;
  tokenizer: tg.text.CharTokenizer;
  /** Iterations and losses of the run that made it (from its config.json's `training`). */
  training?: { iters: number; trainLoss: number; valLoss: number; params: number };
  bytes: number;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function fetchJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

/** The checkpoint written by `tensorgrad run char-lm` (model.safetensors, config.json, tokenizer.json). */
export async function loadCheckpoint(base = ASSETS): Promise<Checkpoint> {
  const [bytes, cfg, tok, run] = await Promise.all([
    fetchBytes(`${base}model.safetensors`),
    fetchJson(`${base}config.json`) as Promise<{ format: string; dtype: string; config: tg.models.GPTConfig }>,
    fetchJson(`${base}tokenizer.json`),
    fetchJson(`${base}run.json`).catch(() => undefined) as Promise<Checkpoint["training"]>,
  ]);
  if (cfg.format !== "tensorgrad-gpt") throw new Error(`${base}config.json: format ${JSON.stringify(cfg.format)}, expected "tensorgrad-gpt"`);
  const model = new tg.models.GPT(cfg.config, { dtype: cfg.dtype === "float64" ? "float64" : "float32" });
  model.loadCheckpointTensors(tg.io.decode(bytes, { source: `${base}model.safetensors` }).tensors);
  model.eval();
  return { model, tokenizer: tg.text.CharTokenizer.fromJSON(tok), training: run, bytes: bytes.length };
}

/** The gzip slice of Tiny Shakespeare the page trains on, decompressed by the browser. */
export async function loadSlice(base = ASSETS): Promise<string> {
  const res = await fetch(`${base}shakespeare-200k.txt.gz`);
  if (!res.ok || !res.body) throw new Error(`${base}shakespeare-200k.txt.gz: HTTP ${res.status}`);
  return new Response(res.body.pipeThrough(new DecompressionStream("gzip"))).text();
}

/** The small configuration trained in the page (a few hundred iterations take a minute or so). */
export const TRAIN_ITERS = 200;
export const TRAIN_CONFIG: Partial<CharLmConfig> = {
  nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 32, batchSize: 8, dropout: 0,
  maxIters: TRAIN_ITERS, lr: 3e-3, minLr: 3e-4, warmupIters: 10, lrDecayIters: TRAIN_ITERS,
  evalInterval: 50, evalIters: 4, seed: 1337,
};

/** A fresh run of the small configuration on `text`. */
export function freshRun(text: string): { state: CharLmState; data: CharLmData } {
  const data = charLmData(text);
  return { state: charLmInit(charLmConfig(TRAIN_CONFIG), data.tokenizer.vocabSize), data };
}

/**
 * Everything a run continues from: weights, optimizer moments, generator states, history length.
 * tensorgrad never writes into a tensor's storage, so the tensors themselves are the snapshot.
 */
export interface Snapshot {
  iter: number;
  weights: Record<string, tg.Tensor>;
  optimizer: ReturnType<tg.optim.AdamW["stateDict"]>;
  dataGen: number[];
  modelGen: number[];
  losses: number;
  evals: number;
}

export function snapshot(state: CharLmState): Snapshot {
  const sd = state.optimizer.stateDict();
  return {
    iter: state.iter, weights: state.model.checkpointTensors(),
    optimizer: { ...sd, state: Object.fromEntries(Object.entries(sd.state).map(([i, s]) => [i, { ...s }])) as typeof sd.state },
    dataGen: state.dataGen.getState(), modelGen: state.model.generator.getState(),
    losses: state.losses.length, evals: state.evals.length,
  };
}

export function restore(state: CharLmState, snap: Snapshot): void {
  state.model.loadCheckpointTensors(snap.weights);
  state.optimizer.loadStateDict(snap.optimizer);
  state.dataGen.setState(snap.dataGen);
  state.model.generator.setState(snap.modelGen);
  state.iter = snap.iter;
  state.losses.length = snap.losses;
  state.evals.length = snap.evals;
}
