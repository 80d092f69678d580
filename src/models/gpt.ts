// GPT (Radford et al., 2019) as nanoGPT builds it: token and position embeddings, a stack of
// pre-norm transformer blocks, a final LayerNorm and a language-model head that shares its
// weight with the token embedding. Parameter names follow GPT-2's (`transformer.wte.weight`,
// `transformer.h.0.attn.c_attn.weight`, `transformer.ln_f.weight`, `lm_head.weight`).
//
// `generate` decodes with a key/value cache: each new token runs the blocks over one position,
// attending to the cached keys and values, so a token costs O(context) instead of recomputing
// the whole O(context²) prefix.

import type { DType } from "../core/dtype.js";
import { ArgumentError, DTypeError, ShapeError, fmtShape } from "../core/errors.js";
import { noGrad } from "../autodiff/transforms.js";
import { defaultGenerator, type Generator } from "../random/generator.js";
import { arange, tensor } from "../tensor/creation.js";
import { Tensor } from "../tensor/tensor.js";
import { add } from "../tensor/ops/arith.js";
import { reshape } from "../tensor/ops/shape.js";
import { crossEntropy } from "../nn/losses.js";
import * as init from "../nn/init.js";
import { Dropout, Embedding, LayerNorm, Linear, type LinearInit } from "../nn/layers.js";
import { Module } from "../nn/module.js";
import type { KVCache } from "../nn/attention.js";
import { SinusoidalPositionalEncoding, TransformerBlock } from "../nn/transformer.js";
import { checkSampling, drawIndex, sampleProbabilities, type SamplingOpts } from "./sampling.js";
import "../tensor/methods.js"; // Tensor's methods, used below

export interface GPTConfig {
  vocabSize: number;
  /** The longest context (positions 0 … blockSize − 1). */
  blockSize: number;
  nLayer: number;
  nHead: number;
  /** Width of the residual stream (a multiple of nHead). */
  nEmbd: number;
  /** Dropout probability (embeddings, attention weights, residual branches). */
  dropout: number;
  /** Biases in the linear layers and LayerNorms. */
  bias: boolean;
  /** Learned position embeddings (GPT-2's, default) or fixed sinusoidal ones. */
  positional?: "learned" | "sinusoidal";
  /** Share the token embedding with the output head (default true). */
  tieWeights?: boolean;
}

export interface GPTOpts {
  dtype?: DType;
  /** Source of the initial weights and of the dropout masks. */
  generator?: Generator;
}

export interface GPTOutput {
  /** [B, T, vocabSize]. */
  logits: Tensor;
  /** Mean cross-entropy against `targets`, or null without targets. */
  loss: Tensor | null;
}

export interface GenerateOpts extends SamplingOpts {
  /** Source of the draws (the default generator when absent). */
  generator?: Generator;
  /** Called with each new token id as soon as it is drawn (row 0 of the batch). */
  onToken?: (id: number, step: number) => void;
}

/** Key/value caches of every block, and how many positions they hold. */
export interface GPTCache {
  layers: KVCache[];
  length: number;
}

function checkConfig(c: GPTConfig): Required<GPTConfig> {
  const ints: (keyof GPTConfig)[] = ["vocabSize", "blockSize", "nLayer", "nHead", "nEmbd"];
  for (const k of ints) {
    const v = c[k];
    if (!Number.isInteger(v) || (v as number) < 1) throw new ArgumentError(`GPT: config.${k} must be a whole number ≥ 1, got ${String(v)}`);
  }
  if (c.nEmbd % c.nHead !== 0) throw new ArgumentError(`GPT: nEmbd (${c.nEmbd}) must be a multiple of nHead (${c.nHead})`);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new ArgumentError(`GPT: dropout must be in [0, 1), got ${c.dropout}`);
  if (typeof c.bias !== "boolean") throw new ArgumentError(`GPT: bias must be true or false, got ${String(c.bias)}`);
  const positional = c.positional ?? "learned";
  if (positional !== "learned" && positional !== "sinusoidal") throw new ArgumentError(`GPT: positional must be "learned" or "sinusoidal", got ${String(positional)}`);
  return {
    vocabSize: c.vocabSize, blockSize: c.blockSize, nLayer: c.nLayer, nHead: c.nHead, nEmbd: c.nEmbd,
    dropout: c.dropout, bias: c.bias, positional, tieWeights: c.tieWeights ?? true,
  };
}

/** The body of the model: GPT-2's `transformer` module. */
export class GPTTransformer extends Module {
  wte: Embedding;
  wpe: Embedding | SinusoidalPositionalEncoding;
  drop: Dropout;
  h: TransformerBlock[];
  ln_f: LayerNorm;

  constructor(c: Required<GPTConfig>, dtype: DType, generator: Generator) {
    super();
    // nanoGPT's initialisation: N(0, 0.02) weights, zero biases, and the projections back into
    // the residual stream scaled by 1/√(2·nLayer) so its variance does not grow with depth
    const normal = (std: number): LinearInit => (shape, o) => init.normal(shape, 0, std, o);
    this.wte = new Embedding(c.vocabSize, c.nEmbd, { dtype, generator });
    this.wte.weight = init.normal([c.vocabSize, c.nEmbd], 0, 0.02, { dtype, generator }).setRequiresGrad();
    if (c.positional === "learned") {
      const wpe = new Embedding(c.blockSize, c.nEmbd, { dtype, generator });
      wpe.weight = init.normal([c.blockSize, c.nEmbd], 0, 0.02, { dtype, generator }).setRequiresGrad();
      this.wpe = wpe;
    } else this.wpe = new SinusoidalPositionalEncoding(c.nEmbd, c.blockSize, { dtype });
    this.drop = new Dropout(c.dropout, { generator });
    this.h = Array.from(
      { length: c.nLayer },
      () =>
        new TransformerBlock(c.nEmbd, c.nHead, {
          dropout: c.dropout, bias: c.bias, dtype, generator, init: normal(0.02), projInit: normal(0.02 / Math.sqrt(2 * c.nLayer)),
        }),
    );
    this.ln_f = new LayerNorm(c.nEmbd, { bias: c.bias, dtype });
  }

  /** Hidden states [B, T, C] after the final LayerNorm for idx [B, T]. */
  forward(idx: Tensor): Tensor {
    let x = this.embed(idx, 0);
    for (const block of this.h) x = block.forward(x);
    return this.ln_f.forward(x);
  }

  /** Token plus position embeddings of idx [B, T] starting at position `offset`. */
  embed(idx: Tensor, offset: number): Tensor {
    const t = idx.shape[1];
    const pos =
      this.wpe instanceof Embedding ? this.wpe.forward(arange(offset, offset + t, 1, { dtype: "int32" })) : this.wpe.positions(t, offset);
    return this.drop.forward(add(this.wte.forward(idx), pos));
  }
}

// GPT's forward returns {logits, loss} (nanoGPT's interface) rather than one tensor, so it derives
// from Module without Module's one-tensor `forward`/`call` signature; the parameter walk,
// stateDict, train/eval and the rest are Module's own.
const ModuleBase = Module as unknown as abstract new () => Omit<Module, "forward" | "call" | "numParameters">;

/**
 * A GPT language model (nanoGPT's): `forward(idx, targets?)` gives logits [B, T, vocab] and the
 * mean cross-entropy; `generate` samples with a key/value cache.
 * @example
 * const gpt = new tg.models.GPT({ vocabSize: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, bias: true });
 * const { logits, loss } = gpt.forward(idx, targets);
 */
export class GPT extends ModuleBase {
  transformer: GPTTransformer;
  lm_head: Linear;
  readonly config: Required<GPTConfig>;
  readonly dtype: DType;
  /** Draws the initial weights, then the dropout masks; its state is part of a training checkpoint. */
  readonly generator: Generator;

  constructor(config: GPTConfig, opts: GPTOpts = {}) {
    super();
    this.config = checkConfig(config);
    const c = this.config;
    this.dtype = opts.dtype ?? "float32";
    const generator = opts.generator ?? defaultGenerator();
    this.generator = generator;
    this.transformer = new GPTTransformer(c, this.dtype, generator);
    this.lm_head = new Linear(c.nEmbd, c.vocabSize, {
      bias: false, dtype: this.dtype, generator, init: c.tieWeights ? "zeros" : (shape, o) => init.normal(shape, 0, 0.02, o),
    });
    // one tensor under two names: listed once by parameters() (as transformer.wte.weight) and
    // trained once; stateDict() shows it under both, as PyTorch's does
    if (c.tieWeights) this.lm_head.weight = this.transformer.wte.weight;
  }

  #checkIdx(op: string, idx: Tensor): void {
    if (!(idx instanceof Tensor)) throw new ArgumentError(`${op}: idx must be an int32 tensor [batch, time]`);
    if (idx.dtype !== "int32") throw new DTypeError(`${op}: idx must be int32, got ${idx.dtype}${fmtShape(idx.shape)}`);
    if (idx.ndim !== 2 || idx.shape[1] < 1) throw new ShapeError(`${op}: idx must be [batch, time] with time ≥ 1, got ${fmtShape(idx.shape)}`);
  }

  /**
   * Logits [B, T, vocab] of the next token at every position of idx [B, T] (int32, T ≤ blockSize),
   * and with `targets` [B, T] the mean cross-entropy.
   * @example const { loss } = gpt.forward(x, y); loss!.backward();
   */
  forward(idx: Tensor, targets?: Tensor): GPTOutput {
    this.#checkIdx("GPT.forward", idx);
    const [b, t] = idx.shape;
    if (t > this.config.blockSize) throw new ShapeError(`GPT.forward: sequence length ${t} exceeds blockSize ${this.config.blockSize}`);
    const logits = this.lm_head.forward(this.transformer.forward(idx));
    if (!targets) return { logits, loss: null };
    if (targets.dtype !== "int32" || targets.ndim !== 2 || targets.shape[0] !== b || targets.shape[1] !== t)
      throw new ShapeError(`GPT.forward: targets must be int32 ${fmtShape(idx.shape)} like idx, got ${targets.dtype}${fmtShape(targets.shape)}`);
    const v = this.config.vocabSize;
    return { logits, loss: crossEntropy(reshape(logits, [b * t, v]), reshape(targets, [b * t])) };
  }

  /**
   * Logits of the positions idx [B, T] that follow those held in `cache` (null: none), and the
   * grown cache. The logits equal `forward`'s at the same positions.
   */
  forwardCached(idx: Tensor, cache: GPTCache | null): { logits: Tensor; cache: GPTCache } {
    this.#checkIdx("GPT.forwardCached", idx);
    const offset = cache?.length ?? 0;
    const t = idx.shape[1];
    if (offset + t > this.config.blockSize)
      throw new ShapeError(`GPT.forwardCached: ${offset} cached positions plus ${t} new ones exceed blockSize ${this.config.blockSize}`);
    let x = this.transformer.embed(idx, offset);
    const layers: KVCache[] = [];
    this.transformer.h.forEach((block, i) => {
      const r = block.forwardCached(x, cache ? cache.layers[i] : null);
      x = r.y;
      layers.push(r.cache);
    });
    return { logits: this.lm_head.forward(this.transformer.ln_f.forward(x)), cache: { layers, length: offset + t } };
  }

  /**
   * Continues each row of idx [B, T] by `maxNewTokens` sampled tokens (evaluation mode, no
   * gradients) and returns [B, T + maxNewTokens]. Beyond blockSize the context slides: the cache
   * is rebuilt from the last ¾·blockSize tokens whenever it fills.
   * @example gpt.generate(tg.tensor([[0]], { dtype: "int32" }), 100, { temperature: 0.8, topK: 40, generator: tg.random.generator(1) })
   */
  generate(idx: Tensor, maxNewTokens: number, opts: GenerateOpts = {}): Tensor {
    const stream = this.#stream("GPT.generate", idx, maxNewTokens, opts);
    const [b, t] = idx.shape;
    const rows: number[][] = Array.from({ length: b }, (_, r) => Array.from(idx.data().subarray(r * t, (r + 1) * t) as Int32Array));
    let step = 0;
    for (const next of stream as Iterable<number[]>) {
      next.forEach((id, row) => rows[row].push(id));
      opts.onToken?.(next[0], step++);
    }
    return tensor(rows, { dtype: "int32" });
  }

  /**
   * The tokens `generate` would draw, one step at a time: each `next()` runs one decoding step
   * and yields the new id of every row of idx [B, T]. The same options, generator draws and
   * sliding context as `generate`, so a page can show the text as it is sampled (yielding to
   * the event loop between steps). The model is in evaluation mode until the stream ends or
   * its `return()` is called.
   * @example for (const [id] of gpt.generateStream(idx, 50, { temperature: 0.8, generator: tg.random.generator(1) })) out += tok.decode([id]);
   */
  generateStream(idx: Tensor, maxNewTokens: number, opts: GenerateOpts = {}): IterableIterator<number[]> {
    return this.#stream("GPT.generateStream", idx, maxNewTokens, opts);
  }

  // checks eagerly (a generator function's body would only run at the first next()), then decodes lazily
  #stream(op: string, idx: Tensor, maxNewTokens: number, opts: GenerateOpts): IterableIterator<number[]> {
    this.#checkIdx(op, idx);
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) throw new ArgumentError(`${op}: maxNewTokens must be a whole number ≥ 0, got ${maxNewTokens}`);
    checkSampling(op, opts, this.config.vocabSize);
    const gen = opts.generator ?? defaultGenerator();
    const [b] = idx.shape;
    const rows: number[][] = Array.from({ length: b }, (_, r) => Array.from(idx.data().subarray(r * idx.shape[1], (r + 1) * idx.shape[1]) as Int32Array));
    const block = this.config.blockSize;
    const keep = Math.max(1, Math.ceil(0.75 * block));
    const v = this.config.vocabSize;
    const model = this;
    function* decode(): IterableIterator<number[]> {
      const wasTraining = model.training;
      model.eval();
      try {
        let cache = null as GPTCache | null;
        let pending: Tensor = rows[0].length > block ? tensor(rows.map((r) => r.slice(-keep)), { dtype: "int32" }) : idx;
        for (let step = 0; step < maxNewTokens; step++) {
          if (cache && cache.length + pending.shape[1] > block) {
            cache = null;
            pending = tensor(rows.map((r) => r.slice(-keep)), { dtype: "int32" });
          }
          const t = pending.shape[1];
          const last = noGrad(() => {
            const r = model.forwardCached(pending, cache);
            cache = r.cache;
            return r.logits.slice(null, [t - 1, t]).data();
          });
          const next: number[] = [];
          for (let row = 0; row < b; row++) {
            const id = drawIndex(sampleProbabilities(last.subarray(row * v, (row + 1) * v), opts), gen);
            rows[row].push(id);
            next.push(id);
          }
          pending = tensor(next.map((id) => [id]), { dtype: "int32" });
          yield next;
        }
      } finally {
        model.train(wasTraining);
      }
    }
    return decode();
  }

  /** Parameters, counting a tied weight once; without position embeddings when `nonEmbedding` (nanoGPT's count). */
  numParameters(nonEmbedding = false): number {
    let n = 0;
    for (const p of this.parameters()) n += p.size;
    if (nonEmbedding && this.transformer.wpe instanceof Embedding) n -= this.transformer.wpe.weight.size;
    return n;
  }

  /**
   * Floating-point operations of one training step per token, forward and backward, at full
   * context (PaLM's estimate as nanoGPT uses it): 6·N + 12·nLayer·nEmbd·blockSize.
   */
  flopsPerToken(): number {
    const c = this.config;
    return 6 * this.numParameters(true) + 12 * c.nLayer * c.nEmbd * c.blockSize;
  }

  /**
   * AdamW parameter groups as nanoGPT's configure_optimizers: weight decay on the weights of
   * linear layers (2-D matmul weights); none on biases, LayerNorms and embeddings (the tied
   * head weight is the token embedding).
   */
  parameterGroups(weightDecay: number): { params: Tensor[]; weightDecay: number }[] {
    const decay = new Set<Tensor>();
    const embeddings = new Set<Tensor>([this.transformer.wte.weight]);
    if (this.transformer.wpe instanceof Embedding) embeddings.add(this.transformer.wpe.weight);
    for (const [, m] of this.namedModules()) if (m instanceof Linear && m.weight.ndim === 2 && !embeddings.has(m.weight)) decay.add(m.weight);
    const params = this.parameters();
    const groups = [
      { params: params.filter((p) => decay.has(p)), weightDecay },
      { params: params.filter((p) => !decay.has(p)), weightDecay: 0 },
    ];
    return groups.filter((g) => g.params.length > 0);
  }

  /** The tensors a checkpoint stores: the state dict with a tied weight once (under its embedding name). */
  checkpointTensors(): Record<string, Tensor> {
    const sd = this.stateDict();
    if (this.config.tieWeights) delete sd["lm_head.weight"];
    return sd;
  }

  /** Loads tensors written by `checkpointTensors()` (a tied weight under its embedding name only). */
  loadCheckpointTensors(tensors: Record<string, Tensor>): void {
    const sd = { ...tensors };
    if (this.config.tieWeights) {
      if ("lm_head.weight" in sd) throw new ArgumentError("GPT.load: the checkpoint has a separate lm_head.weight but the model ties it to transformer.wte.weight");
      if (sd["transformer.wte.weight"]) sd["lm_head.weight"] = sd["transformer.wte.weight"];
    }
    this.loadStateDict(sd);
  }

  /**
   * Writes the model to folder `dir` (Node): `model.safetensors` and `config.json`.
   * @example await gpt.save("runs/my-model");
   */
  async save(dir: string): Promise<void> {
    const files = await gptFiles();
    files.saveGPT(this, dir);
  }

  /**
   * The model saved in folder `dir` (Node); another format or a newer version is an ArgumentError.
   * @example const gpt = await tg.models.GPT.load("runs/my-model");
   */
  static async load(dir: string): Promise<GPT> {
    const files = await gptFiles();
    return files.loadGPT(dir);
  }
}

// The file helpers use node:fs; the specifier is a variable so that bundlers for the browser
// leave them out (they are only loaded when a model is saved or loaded, in Node).
const GPT_FILES = "./gpt-files.js";
function gptFiles(): Promise<typeof import("./gpt-files.js")> {
  return import(GPT_FILES) as Promise<typeof import("./gpt-files.js")>;
}
