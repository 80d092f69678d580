// The language-model stack: the attention layers, GPT (overfitting, KV cache), the tokenizer,
// checkpoints with exact resume, and a short char-lm run.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tg from "../src/index.js";
import { assertClose, onBackend } from "./backend-helpers.js";
import { charLmAttention, charLmBatch, charLmConfig, charLmData, charLmInit, charLmSchedule, charLmTrain } from "../src/examples/char-lm.js";
import { loadCharLmRun, loadShakespeare, saveCharLmRun } from "../src/examples/char-lm-node.js";

const tiny = { vocabSize: 11, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0, bias: true };

test("scaledDotProductAttention matches the softmax composite, with causal, bool and float masks", () => {
  const g = tg.random.generator(0);
  const q = tg.randn([2, 3, 5, 4], { generator: g, dtype: "float64" });
  const k = tg.randn([2, 3, 6, 4], { generator: g, dtype: "float64" });
  const v = tg.randn([2, 3, 6, 2], { generator: g, dtype: "float64" });
  const ref = (mask?: tg.Tensor) => {
    let s = q.matmul(k.mT).div(2);
    if (mask) s = mask.dtype === "bool" ? tg.where(mask, s, -Infinity) : s.add(mask);
    return tg.softmax(s, -1).matmul(v);
  };
  const close = (a: tg.Tensor, b: tg.Tensor) => a.data().forEach((x, i) => assert.ok(Math.abs(x - b.data()[i]) < 1e-12));
  close(tg.nn.functional.scaledDotProductAttention(q, k, v), ref());
  const tri = tg.tensor(Array.from({ length: 5 }, (_, i) => Array.from({ length: 6 }, (_, j) => j <= i)), { dtype: "bool" });
  close(tg.nn.functional.scaledDotProductAttention(q, k, v, { causal: true }), ref(tri));
  const fm = tg.randn([5, 6], { generator: g, dtype: "float64" });
  close(tg.nn.functional.scaledDotProductAttention(q, k, v, { mask: fm }), ref(fm));
  assert.throws(() => tg.nn.functional.scaledDotProductAttention(q, v, v), /scaledDotProductAttention: query \[2,3,5,4\], key \[2,3,6,2\]/);
});

test("attention dropout is seeded: the same generator state gives the same output, training rescales by 1/(1-p)", () => {
  const g = tg.random.generator(3);
  const q = tg.randn([1, 2, 4, 4], { generator: g });
  const a = tg.nn.functional.scaledDotProductAttention(q, q, q, { dropout: 0.5, generator: tg.random.generator(9) }).data();
  const b = tg.nn.functional.scaledDotProductAttention(q, q, q, { dropout: 0.5, generator: tg.random.generator(9) }).data();
  assert.deepEqual(a, b);
  const plain = tg.nn.functional.scaledDotProductAttention(q, q, q).data();
  assert.notDeepEqual(a, plain);
});

test("GPT names its parameters like nanoGPT and ties the head to the token embedding (one parameter)", () => {
  const gpt = new tg.models.GPT(tiny, { generator: tg.random.generator(0) });
  const names = gpt.namedParameters().map(([n]) => n);
  assert.ok(names.includes("transformer.wte.weight") && names.includes("transformer.wpe.weight"));
  assert.ok(names.includes("transformer.h.0.attn.c_attn.weight") && names.includes("transformer.h.1.mlp.c_proj.bias"));
  assert.ok(names.includes("transformer.ln_f.weight"));
  assert.ok(!names.includes("lm_head.weight"), "the tied weight is listed once");
  assert.equal(gpt.lm_head.weight, gpt.transformer.wte.weight);
  assert.ok("lm_head.weight" in gpt.stateDict());
  const groups = gpt.parameterGroups(0.1);
  const decayed = new Set(groups[0].params);
  assert.ok(decayed.has(gpt.transformer.h[0].attn.c_attn.weight));
  assert.ok(!decayed.has(gpt.transformer.wte.weight) && !decayed.has(gpt.transformer.h[0].ln_1.weight!) && !decayed.has(gpt.transformer.h[0].attn.c_attn.bias!));
  assert.equal(groups[0].params.length + groups[1].params.length, gpt.parameters().length);
  // a tied weight receives the gradient of both uses, once, and an optimizer accepts the list
  new tg.optim.AdamW(groups);
});

test("the default char-lm model has nanoGPT's size and FLOP count", () => {
  const gpt = new tg.models.GPT({ vocabSize: 65, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, bias: true });
  // 12·C² + 13·C per block, C·V tied embedding, T·C positions, final LayerNorm 2C
  const c = 128;
  assert.equal(gpt.numParameters(), 4 * (12 * c * c + 13 * c) + 65 * c + 64 * c + 2 * c);
  assert.equal(gpt.flopsPerToken(), 6 * gpt.numParameters(true) + 12 * 4 * c * 64);
});

test("a tiny GPT overfits a 200-character string", () => {
  const text = "the quick brown fox jumps over the lazy dog; ".repeat(5).slice(0, 200);
  const tok = tg.text.CharTokenizer.fromText(text);
  const ids = Int32Array.from(tok.encode(text));
  const gpt = new tg.models.GPT({ ...tiny, vocabSize: tok.vocabSize, blockSize: 32 }, { generator: tg.random.generator(1) });
  const opt = new tg.optim.AdamW(gpt.parameters(), { lr: 1e-2, weightDecay: 0 });
  const xs: number[][] = [];
  const ys: number[][] = [];
  for (let o = 0; o + 33 <= ids.length; o += 21) {
    xs.push(Array.from(ids.subarray(o, o + 32)));
    ys.push(Array.from(ids.subarray(o + 1, o + 33)));
  }
  const x = tg.tensor(xs, { dtype: "int32" });
  const y = tg.tensor(ys, { dtype: "int32" });
  let loss = Infinity;
  for (let i = 0; i < 150; i++) {
    opt.zeroGrad();
    const l = gpt.forward(x, y).loss!;
    l.backward();
    opt.step();
    loss = l.item();
  }
  assert.ok(loss < 0.05, `final loss ${loss}`);
});

test("KV-cached logits equal the full recomputation, and generate is reproducible", () => {
  const gpt = new tg.models.GPT(tiny, { generator: tg.random.generator(2) });
  gpt.eval();
  const idx = tg.randint(0, 11, [2, 12], { generator: tg.random.generator(4) });
  const full = gpt.forward(idx).logits.data();
  let r = gpt.forwardCached(idx.slice(null, [0, 5]), null);
  const got: number[][] = [Array.from(r.logits.data())];
  for (let t = 5; t < 12; t++) {
    r = gpt.forwardCached(idx.slice(null, [t, t + 1]), r.cache);
    got.push(Array.from(r.logits.data()));
  }
  // reassemble [B, T, V] from the pieces
  const v = 11;
  for (let b = 0; b < 2; b++)
    for (let t = 0; t < 12; t++)
      for (let c = 0; c < v; c++) {
        const piece = t < 5 ? got[0][(b * 5 + t) * v + c] : got[t - 4][b * v + c];
        const want = full[(b * 12 + t) * v + c];
        assert.ok(Math.abs(piece - want) < 1e-5, `b=${b} t=${t} c=${c}: ${piece} vs ${want}`);
      }
  const start = tg.tensor([[1, 2]], { dtype: "int32" });
  const seen: number[] = [];
  const a = gpt.generate(start, 40, { temperature: 0.9, topK: 5, generator: tg.random.generator(7), onToken: (id) => seen.push(id) });
  const b = gpt.generate(start, 40, { temperature: 0.9, topK: 5, generator: tg.random.generator(7) });
  assert.deepEqual(a.toArray(), b.toArray());
  assert.equal(a.shape[1], 42);
  assert.deepEqual(seen, Array.from(a.data()).slice(2));
  assert.throws(() => gpt.generate(start, 3, { temperature: 0 }), /temperature must be a number > 0/);
  assert.throws(() => gpt.generate(start, 3, { topK: 12 }), /topK must be a whole number in \[1, 11\]/);
});

test("generateStream yields generate's tokens step by step (sliding context too) and restores training mode", () => {
  const gpt = new tg.models.GPT(tiny, { generator: tg.random.generator(2) });
  const start = tg.tensor([[1, 2, 3], [4, 5, 6]], { dtype: "int32" });
  // 40 new tokens after 3 overflow blockSize 16, so the cache is rebuilt on the way
  const opts = { temperature: 0.8, topK: 6 };
  const whole = gpt.generate(start, 40, { ...opts, generator: tg.random.generator(5) }).toArray() as number[][];
  const stream = gpt.generateStream(start, 40, { ...opts, generator: tg.random.generator(5) });
  assert.equal(gpt.training, true, "nothing runs before the first next()");
  const rows = [[1, 2, 3], [4, 5, 6]];
  let steps = 0;
  for (const next of stream) {
    assert.equal(gpt.training, false, "evaluation mode while decoding");
    assert.equal(next.length, 2);
    next.forEach((id, r) => rows[r].push(id));
    steps++;
  }
  assert.equal(steps, 40);
  assert.deepEqual(rows, whole);
  assert.equal(gpt.training, true, "training mode restored at the end");
  // stopping early restores it too
  const early = gpt.generateStream(start, 10, { generator: tg.random.generator(5) });
  early.next();
  early.return?.();
  assert.equal(gpt.training, true);
  // bad options are refused at the call, not at the first step
  assert.throws(() => gpt.generateStream(start, 3, { topK: 0 }), /GPT.generateStream: topK must be a whole number/);
  assert.throws(() => gpt.generateStream(start, -1), /GPT.generateStream: maxNewTokens must be a whole number/);
});

test("recorded attention weights: causal rows that sum to 1, equal to softmax(q·kᵀ/√d) of the layer's own projections", () => {
  const gpt = new tg.models.GPT(tiny, { dtype: "float64", generator: tg.random.generator(8) });
  const tok = new tg.text.CharTokenizer(" abcdefghij".split(""));
  const text = "a bad cafe fed";
  const maps = charLmAttention(gpt, tok, text);
  const t = text.length;
  assert.equal(maps.length, 2);
  assert.equal(maps[0].length, 2);
  for (const layer of maps)
    for (const head of layer) {
      assert.equal(head.length, t);
      head.forEach((row, i) => {
        assert.equal(row.length, t);
        assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-12, `row ${i} sums to 1`);
        row.forEach((w, j) => (j > i ? assert.equal(w, 0, "no weight on later positions") : assert.ok(w >= 0)));
      });
    }
  // the first layer by hand: embeddings, ln_1, the fused projection split into heads
  const ids = tg.tensor([tok.encode(text)], { dtype: "int32" });
  const block = gpt.transformer.h[0];
  const hd = tiny.nEmbd / tiny.nHead;
  const qkv = block.attn.c_attn.forward(block.ln_1.forward(gpt.transformer.embed(ids, 0))).toArray() as number[][][];
  for (let hh = 0; hh < tiny.nHead; hh++)
    for (let i = 0; i < t; i++) {
      const q = qkv[0][i].slice(hh * hd, (hh + 1) * hd);
      const s = Array.from({ length: i + 1 }, (_, j) => q.reduce((acc, v, d) => acc + v * qkv[0][j][tiny.nEmbd + hh * hd + d], 0) / Math.sqrt(hd));
      const m = Math.max(...s);
      const e = s.map((v) => Math.exp(v - m));
      const z = e.reduce((a, b) => a + b, 0);
      e.forEach((v, j) => assert.ok(Math.abs(maps[0][hh][i][j] - v / z) < 1e-12, `head ${hh} row ${i} key ${j}`));
    }
  assert.equal(block.attn.recordWeights, false, "recording is switched off again");
  assert.equal(block.attn.lastWeights, null);
});

test("top-k and top-p keep the right tokens", () => {
  const p = tg.models.sampleProbabilities([3, 2, 1, 0], { topK: 2 });
  assert.equal(p[2], 0);
  assert.equal(p[3], 0);
  assert.ok(Math.abs(p[0] + p[1] - 1) < 1e-12);
  const q = tg.models.sampleProbabilities([0, Math.log(3), Math.log(6)], { topP: 0.6 });
  assert.deepEqual(Array.from(q), [0, 0, 1]);
});

test("CharTokenizer: sorted vocabulary, round trip, JSON, unknown characters named with their position", () => {
  const tok = tg.text.CharTokenizer.fromText("hello world");
  assert.deepEqual(tok.chars, [" ", "d", "e", "h", "l", "o", "r", "w"]);
  const ids = tok.encode("low door");
  assert.equal(tok.decode(ids), "low door");
  const back = tg.text.CharTokenizer.fromJSON(JSON.parse(JSON.stringify(tok)));
  assert.deepEqual(back.encode("hold"), tok.encode("hold"));
  assert.throws(() => tok.encode("hex"), /character "x" \(U\+0078\) at position 2 is not in the vocabulary/);
  assert.throws(() => tok.decode([8]), /id 8 at position 0/);
});

test("Tiny Shakespeare: 90/10 split of 1,003,854 / 111,540 characters, 65 symbols", () => {
  const d = charLmData(loadShakespeare());
  assert.equal(d.train.length, 1003854);
  assert.equal(d.val.length, 111540);
  assert.equal(d.tokenizer.vocabSize, 65);
});

const smallRun = { nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 16, batchSize: 8, evalIters: 4, evalInterval: 5, warmupIters: 2, lrDecayIters: 12, maxIters: 12, seed: 5 };

for (const dropout of [0.1, 0]) {
  test(`a run saved after N steps and resumed for N more equals 2N straight steps bit for bit (dropout ${dropout}, gradient accumulation)`, () => {
    const text = loadShakespeare().slice(0, 20000);
    const data = charLmData(text);
    const config = charLmConfig({ ...smallRun, dropout, gradAccum: 2 });
    const straight = charLmInit(config, data.tokenizer.vocabSize);
    charLmTrain(straight, data);
    const dir = mkdtempSync(join(tmpdir(), "lm-resume-"));
    try {
      const first = charLmInit(config, data.tokenizer.vocabSize);
      charLmTrain(first, data, { iters: 6 });
      saveCharLmRun(dir, first, data.tokenizer);
      const { state: resumed } = loadCharLmRun(dir);
      assert.equal(resumed.iter, 6);
      charLmTrain(resumed, data);
      const a = straight.model.stateDict();
      const b = resumed.model.stateDict();
      for (const k of Object.keys(a)) assert.deepEqual(b[k].data(), a[k].data(), k);
      assert.deepEqual(resumed.losses, straight.losses);
      assert.deepEqual(resumed.evals, straight.evals);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

// Dropout on: the compiled plan draws its masks from the same generator in the same order. On the
// reference backend every kernel is the same JavaScript rendering, so the compiled plan must give
// the eager step's bits; on Wasm the plan fuses differently (a reduction may accumulate
// in float32 SIMD where the eager kernel accumulated in float64, exp may be the vecmath form), so
// there the two agree to float32 accuracy.
for (const [name, be, exact] of [["reference", tg.cpuBackend, true], ["wasm", null, false]] as const) {
  test(`the compiled char-lm step gives what the eager step gives (${name} backend${exact ? ", bit for bit" : ""})`, () => {
    const run = () => {
      const data = charLmData(loadShakespeare().slice(0, 20000));
      const config = charLmConfig({ ...smallRun, dropout: 0.1, gradAccum: 2, maxIters: 5, evalInterval: 1000, evalIters: 2 });
      const compiled = charLmInit(config, data.tokenizer.vocabSize);
      charLmTrain(compiled, data, { iters: 5 });
      // the same run written out eagerly
      const e = charLmInit(config, data.tokenizer.vocabSize);
      const schedule = charLmSchedule(config);
      const losses: number[] = [];
      for (let it = 0; it < 5; it++) {
        e.optimizer.lr = schedule(it);
        e.optimizer.zeroGrad();
        const batches = [0, 1].map(() => charLmBatch(data.train, config.blockSize, config.batchSize, e.dataGen));
        let loss = 0;
        for (const [x, y] of batches) {
          const l = e.model.forward(x, y).loss!;
          l.div(2).backward();
          loss += l.item() / 2;
        }
        tg.optim.clipGradNorm(e.model.parameters(), config.gradClip);
        e.optimizer.step();
        losses.push(loss);
      }
      const a = e.model.stateDict();
      const b = compiled.model.stateDict();
      if (exact) {
        assert.deepEqual(compiled.losses, losses);
        for (const k of Object.keys(a)) assert.deepEqual(b[k].data(), a[k].data(), k);
      } else {
        assertClose(compiled.losses, losses, "losses", { abs: 1e-5, rel: 1e-5 });
        for (const k of Object.keys(a)) assertClose(b[k].data(), a[k].data(), k, { abs: 1e-5, rel: 1e-4 });
      }
    };
    if (be) onBackend(be, run);
    else run();
  });
}

test("GPT.save / GPT.load round-trips the weights and refuses newer formats", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lm-save-"));
  try {
    const gpt = new tg.models.GPT(tiny, { generator: tg.random.generator(3) });
    await gpt.save(dir);
    const back = await tg.models.GPT.load(dir);
    const x = tg.tensor([[1, 2, 3]], { dtype: "int32" });
    assert.deepEqual(back.forward(x).logits.data(), gpt.forward(x).logits.data());
    const { writeFileSync, readFileSync } = await import("node:fs");
    const cfg = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
    writeFileSync(join(dir, "config.json"), JSON.stringify({ ...cfg, version: 99 }));
    await assert.rejects(tg.models.GPT.load(dir), /format version 99/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("150 iterations of a small char-lm on Tiny Shakespeare reach val loss < 2.7", () => {
  const data = charLmData(loadShakespeare());
  const config = charLmConfig({ nLayer: 1, nHead: 2, nEmbd: 64, blockSize: 32, batchSize: 32, maxIters: 150, lr: 5e-3, minLr: 5e-4, warmupIters: 0, lrDecayIters: 150, evalInterval: 1000, evalIters: 10, seed: 0 });
  const state = charLmInit(config, data.tokenizer.vocabSize);
  charLmTrain(state, data);
  const last = state.evals[state.evals.length - 1];
  assert.equal(last.iter, 150);
  assert.ok(last.valLoss < 2.7, `val loss ${last.valLoss}`);
});
