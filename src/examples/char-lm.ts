// A character-level GPT on Tiny Shakespeare, trained as nanoGPT's `shakespeare_char` config:
// random windows of the training split, AdamW with decay on the matmul weights only, linear
// warm-up then cosine decay, gradient clipping and accumulation, periodic estimates of the train
// and validation loss. Everything the run depends on (weights, optimizer moments, the data and
// dropout generators, the iteration) is in `CharLmState`, so a run saved and resumed continues
// bit for bit as the uninterrupted one.

import * as tg from "../library.js";
import type { Tensor } from "../library.js";

/** Every hyperparameter of a run (nanoGPT's names in camelCase). */
export interface CharLmConfig {
  nLayer: number;
  nHead: number;
  nEmbd: number;
  blockSize: number;
  batchSize: number;
  dropout: number;
  bias: boolean;
  maxIters: number;
  lr: number;
  minLr: number;
  warmupIters: number;
  lrDecayIters: number;
  beta1: number;
  beta2: number;
  weightDecay: number;
  gradClip: number;
  gradAccum: number;
  evalInterval: number;
  evalIters: number;
  seed: number;
}

/** nanoGPT's CPU configuration of shakespeare_char. */
export const CHAR_LM_DEFAULTS: CharLmConfig = {
  nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 64, batchSize: 12, dropout: 0, bias: true,
  maxIters: 2000, lr: 1e-3, minLr: 1e-4, warmupIters: 100, lrDecayIters: 2000, beta1: 0.9, beta2: 0.99,
  weightDecay: 0.1, gradClip: 1, gradAccum: 1, evalInterval: 250, evalIters: 200, seed: 1337,
};

/** The "baby GPT" of nanoGPT's shakespeare_char (GPU-sized). */
export const CHAR_LM_PRESETS: Record<string, Partial<CharLmConfig>> = {
  default: {},
  baby: { nLayer: 6, nHead: 6, nEmbd: 384, blockSize: 256, batchSize: 64, dropout: 0.2, maxIters: 5000, lrDecayIters: 5000, evalInterval: 500 },
};

export interface EvalPoint {
  iter: number;
  trainLoss: number;
  valLoss: number;
}

/** One training iteration's numbers for a progress display. */
export interface CharLmStep {
  iter: number;
  total: number;
  loss: number;
  lr: number;
  msPerIter: number;
  tokensPerSecond: number;
  gflops: number;
}

/** Everything needed to continue a run exactly. */
export interface CharLmState {
  config: CharLmConfig;
  model: tg.models.GPT;
  optimizer: tg.optim.AdamW;
  /** Iterations done. */
  iter: number;
  /** Draws the batch offsets. */
  dataGen: tg.random.Generator;
  losses: number[];
  evals: EvalPoint[];
  /** Training time so far (ms), over the iterations done. */
  trainMs: number;
}

export interface CharLmData {
  tokenizer: tg.text.CharTokenizer;
  train: Int32Array;
  val: Int32Array;
}

/** The tokenizer of the whole text and the 90/10 split of its ids. */
export function charLmData(text: string): CharLmData {
  const tokenizer = tg.text.CharTokenizer.fromText(text);
  const ids = Int32Array.from(tokenizer.encode(text));
  const n = Math.floor(0.9 * ids.length);
  return { tokenizer, train: ids.subarray(0, n), val: ids.subarray(n) };
}

/** The config with defaults filled in and checked. */
export function charLmConfig(opts: Partial<CharLmConfig> = {}): CharLmConfig {
  const c = { ...CHAR_LM_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) } as CharLmConfig;
  for (const k of ["nLayer", "nHead", "nEmbd", "blockSize", "batchSize", "maxIters", "gradAccum", "evalInterval", "evalIters"] as const)
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new tg.ArgumentError(`char-lm: ${k} must be a whole number ≥ 1, got ${c[k]}`);
  if (c.nEmbd % c.nHead !== 0) throw new tg.ArgumentError(`char-lm: nEmbd (${c.nEmbd}) must be a multiple of nHead (${c.nHead})`);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new tg.ArgumentError(`char-lm: dropout must be in [0, 1), got ${c.dropout}`);
  if (!(c.warmupIters >= 0 && c.lrDecayIters > c.warmupIters)) throw new tg.ArgumentError(`char-lm: lrDecayIters (${c.lrDecayIters}) must exceed warmupIters (${c.warmupIters})`);
  return c;
}

/** A fresh run: the model, its optimizer groups, and the generators, all from `config.seed`. */
export function charLmInit(config: CharLmConfig, vocabSize: number): CharLmState {
  const root = tg.random.generator(config.seed);
  const model = new tg.models.GPT(
    { vocabSize, blockSize: config.blockSize, nLayer: config.nLayer, nHead: config.nHead, nEmbd: config.nEmbd, dropout: config.dropout, bias: config.bias },
    { generator: root.split() },
  );
  const optimizer = new tg.optim.AdamW(model.parameterGroups(config.weightDecay), {
    lr: config.lr, betas: [config.beta1, config.beta2], weightDecay: config.weightDecay,
  });
  return { config, model, optimizer, iter: 0, dataGen: root.split(), losses: [], evals: [], trainMs: 0 };
}

/** The learning rate at iteration t: linear warm-up, cosine decay to minLr at lrDecayIters, then minLr. */
export function charLmSchedule(c: CharLmConfig): (t: number) => number {
  return tg.optim.linearWarmupCosine({ lr: c.lr, warmupSteps: c.warmupIters, totalSteps: c.lrDecayIters, minLr: c.minLr });
}

/** A batch of `batch` random windows: inputs and the same windows shifted by one. */
export function charLmBatch(ids: Int32Array, block: number, batch: number, gen: tg.random.Generator): [Tensor, Tensor] {
  if (ids.length <= block) throw new tg.ArgumentError(`char-lm: the text (${ids.length} characters) must be longer than blockSize ${block}`);
  const x = new Int32Array(batch * block);
  const y = new Int32Array(batch * block);
  for (let b = 0; b < batch; b++) {
    const o = gen.integer(0, ids.length - block);
    x.set(ids.subarray(o, o + block), b * block);
    y.set(ids.subarray(o + 1, o + 1 + block), b * block);
  }
  return [tg.tensor(x, { dtype: "int32", shape: [batch, block] }), tg.tensor(y, { dtype: "int32", shape: [batch, block] })];
}

/** Mean loss over `iters` random batches of each split (evaluation mode; its own generator, so training draws are unaffected). */
export function charLmEstimate(state: CharLmState, data: CharLmData): { trainLoss: number; valLoss: number } {
  const { model, config: c } = state;
  const gen = tg.random.generator(c.seed + 7919 * (state.iter + 1));
  const wasTraining = model.training;
  model.eval();
  try {
    const loss = steps(state).evalLoss;
    const mean = (ids: Int32Array) => {
      let s = 0;
      for (let k = 0; k < c.evalIters; k++) {
        const [x, y] = charLmBatch(ids, c.blockSize, c.batchSize, gen);
        s += loss(x, y).item();
      }
      return s / c.evalIters;
    };
    return { trainLoss: mean(data.train), valLoss: mean(data.val) };
  } finally {
    model.train(wasTraining);
  }
}

export interface CharLmHooks {
  /** After every iteration; returning false stops after it. */
  onStep?: (s: CharLmStep) => boolean | void;
  onEval?: (e: EvalPoint) => void;
  /** Iterations to run in this call (default: up to maxIters). */
  iters?: number;
}

interface CharLmSteps {
  /** One optimizer step over the micro-batches: zeroGrad, forward and backward of each, clipping, AdamW; the micro-batch losses. */
  train: (xs: Tensor[], ys: Tensor[]) => Tensor[];
  /** The loss of one batch, without gradients (call in evaluation mode). */
  evalLoss: (x: Tensor, y: Tensor) => Tensor;
}

const compiledSteps = new WeakMap<CharLmState, CharLmSteps>();

/** The largest step, by `activationBytes`, that runs as a compiled plan. */
const COMPILED_STEP_BYTES = 2 ** 30;

/**
 * A rough size of one training step's activations: per layer and token about 20 float32 values
 * per channel (projections, MLP, norms, their gradients) and two attention rows per head.
 */
function activationBytes(c: CharLmConfig): number {
  return 4 * c.gradAccum * c.batchSize * c.blockSize * c.nLayer * (20 * c.nEmbd + 2 * c.nHead * c.blockSize);
}

/**
 * The run's training and evaluation steps, compiled with `tg.compile` (one fixed plan each, its
 * memory planned once, parameters and moments resident between calls) when they fit, eager
 * otherwise. Dropout masks are drawn afresh on every call, from the same generator and in the
 * same order as the eager step.
 */
function steps(state: CharLmState): CharLmSteps {
  let s = compiledSteps.get(state);
  if (s) return s;
  const { model, optimizer, config: c } = state;
  const params = model.parameters();
  const train = (xs: Tensor[], ys: Tensor[]): Tensor[] => {
    optimizer.zeroGrad();
    const losses = xs.map((x, m) => {
      const l = model.forward(x, ys[m]).loss!;
      (c.gradAccum > 1 ? l.div(c.gradAccum) : l).backward();
      return l;
    });
    if (c.gradClip > 0) tg.optim.clipGradNorm(params, c.gradClip);
    optimizer.step();
    return losses;
  };
  const evalLoss = (x: Tensor, y: Tensor): Tensor => tg.noGrad(() => model.forward(x, y).loss!);
  // a compiled plan keeps the whole step's intermediates in Wasm memory (4 GiB at most): a step
  // whose activations would take more than a quarter of that (the baby preset's, about 4 GiB)
  // runs eagerly, where intermediates are host arrays freed as the step goes (a plan that does
  // not fit would fall back to eager calls by itself, but only after tracing and failing)
  const compiled = activationBytes(c) <= COMPILED_STEP_BYTES;
  s = {
    train: compiled ? tg.compile(train, { name: "char-lm train step" }) : train,
    evalLoss: compiled ? tg.compile(evalLoss, { name: "char-lm evaluation" }) : evalLoss,
  };
  compiledSteps.set(state, s);
  return s;
}

/**
 * Trains `state` in place from `state.iter` until maxIters (or `hooks.iters` more, or a stop
 * from `onStep`); evaluates every evalInterval iterations and at the end. Returns whether the
 * run reached maxIters.
 */
export function charLmTrain(state: CharLmState, data: CharLmData, hooks: CharLmHooks = {}): boolean {
  const c = state.config;
  const { model, optimizer } = state;
  const schedule = charLmSchedule(c);
  const step = steps(state).train;
  const tokensPerIter = c.batchSize * c.blockSize * c.gradAccum;
  const flopsPerIter = model.flopsPerToken() * tokensPerIter;
  const end = Math.min(c.maxIters, hooks.iters !== undefined ? state.iter + hooks.iters : c.maxIters);
  model.train();
  const evaluate = () => {
    const e = { iter: state.iter, ...charLmEstimate(state, data) };
    state.evals.push(e);
    hooks.onEval?.(e);
  };
  while (state.iter < end) {
    if (state.iter % c.evalInterval === 0 && !state.evals.some((e) => e.iter === state.iter)) evaluate();
    const t0 = performance.now();
    optimizer.lr = schedule(state.iter);
    const xs: Tensor[] = [];
    const ys: Tensor[] = [];
    for (let m = 0; m < c.gradAccum; m++) {
      const [x, y] = charLmBatch(data.train, c.blockSize, c.batchSize, state.dataGen);
      xs.push(x);
      ys.push(y);
    }
    let loss = 0;
    for (const l of step(xs, ys)) loss += l.item() / c.gradAccum;
    const ms = performance.now() - t0;
    state.trainMs += ms;
    state.iter++;
    state.losses.push(loss);
    const go = hooks.onStep?.({
      iter: state.iter, total: c.maxIters, loss, lr: optimizer.lr, msPerIter: ms,
      tokensPerSecond: (tokensPerIter * 1000) / ms, gflops: flopsPerIter / ms / 1e6,
    });
    if (go === false) break;
  }
  if (state.iter === c.maxIters && !state.evals.some((e) => e.iter === state.iter)) evaluate();
  return state.iter >= c.maxIters;
}

/** Text sampled from the model after `prompt` (temperature 0.8, top-k 40 unless given). */
export function charLmSample(
  model: tg.models.GPT, tokenizer: tg.text.CharTokenizer, prompt: string, tokens: number, opts: tg.models.GenerateOpts = {},
): string {
  const idx = tg.tensor([tokenizer.encode(prompt)], { dtype: "int32" });
  const out = model.generate(idx, tokens, { temperature: 0.8, topK: Math.min(40, tokenizer.vocabSize), generator: tg.random.generator(1), ...opts });
  return tokenizer.decode(out.data());
}

/** The attention weights of every layer and head for `text`: [layer][head][T][T] (evaluation mode). */
export function charLmAttention(model: tg.models.GPT, tokenizer: tg.text.CharTokenizer, text: string): number[][][][] {
  const ids = tokenizer.encode(text.slice(0, model.config.blockSize));
  const wasTraining = model.training;
  model.eval();
  const attns = model.transformer.h.map((b) => b.attn);
  for (const a of attns) a.recordWeights = true;
  try {
    tg.noGrad(() => model.forward(tg.tensor([ids], { dtype: "int32" })));
    return attns.map((a) => {
      const w = a.lastWeights!;
      const [, h, t] = w.shape;
      const d = w.data();
      return Array.from({ length: h }, (_, hh) => Array.from({ length: t }, (_, i) => Array.from(d.subarray((hh * t + i) * t, (hh * t + i + 1) * t))));
    });
  } finally {
    for (const a of attns) {
      a.recordWeights = false;
      a.lastWeights = null;
    }
    model.train(wasTraining);
  }
}
