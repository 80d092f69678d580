// `tensorgrad run char-lm`: trains the character-level GPT on Tiny Shakespeare with a progress
// bar, writes a resumable checkpoint at every evaluation, at the end and after Ctrl-C, and the
// run's metrics.json and report.md (with figures) into the run folder.

import { existsSync, mkdirSync, readdirSync, writeFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { SingleBar } from "cli-progress";
import * as tg from "tensorgrad";
import * as examples from "tensorgrad/examples";
import { loadCharLmRun, loadShakespeare, saveCharLmRun, hasCharLmRun } from "tensorgrad/examples/node";
import { charLmReport, reportMarkdown, figurePaths } from "tensorgrad/report";
import { svgToPNG } from "tensorgrad/plot";
import { CHAR_LM_FLAGS, type CharLmFlags } from "./char-lm-flags.js";
import { reserveDefaultOutDir, displayPath } from "./run.js";

const ATTENTION_TEXT = "ROMEO: But soft, what light";

function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** Returns the exit code: 0, 1 on bad input (nothing written), 130 after Ctrl-C (checkpoint written). */
export async function charLmCommand(flags: CharLmFlags): Promise<number> {
  const runStart = performance.now();
  // training compiles the kernels in their fastest form: relaxed-SIMD fused multiply-add in the
  // GEMMs (an opt-in V8 flag on Node 20, set for that one compilation and then restored)
  await tg.init({ relaxedSimd: true });
  const fail = (msg: string) => {
    process.stderr.write(`tensorgrad run char-lm: ${msg}\n`);
    return 1;
  };
  const given: Partial<examples.CharLmConfig> = {};
  for (const [key] of CHAR_LM_FLAGS) if (flags[key] !== undefined) (given as Record<string, number>)[key] = flags[key]!;
  if (flags.steps !== undefined) {
    if (flags.maxIters !== undefined && flags.maxIters !== flags.steps) return fail("--steps and --max-iters disagree; give one");
    given.maxIters = flags.steps;
  }
  if (flags.lr !== undefined) given.lr = flags.lr;
  if (flags.seed !== undefined) given.seed = flags.seed;
  if (flags.bias !== undefined) given.bias = flags.bias;

  const text = loadShakespeare();
  const data = examples.charLmData(text);
  let state: examples.CharLmState;
  let dir: string;
  try {
    if (flags.resume !== undefined) {
      dir = flags.resume;
      if (flags.out !== undefined && flags.out !== dir) return fail("--resume continues in its own folder; leave out --out");
      if (!hasCharLmRun(dir)) return fail(`${dir} holds no resumable char-lm run (model.safetensors, config.json, tokenizer.json, optimizer.*)`);
      const changed = Object.keys(given).filter((k) => k !== "maxIters" && k !== "lrDecayIters");
      if (changed.length || flags.preset) return fail(`a resumed run keeps its settings; only --max-iters/--steps and --lr-decay-iters may change (got ${changed.concat(flags.preset ? ["preset"] : []).join(", ")})`);
      const loaded = loadCharLmRun(dir, given);
      if (loaded.tokenizer.vocabSize !== data.tokenizer.vocabSize) return fail(`the checkpoint's vocabulary (${loaded.tokenizer.vocabSize}) is not Tiny Shakespeare's (${data.tokenizer.vocabSize})`);
      state = loaded.state;
      if (state.iter >= state.config.maxIters) return fail(`the run is already at iteration ${state.iter} of ${state.config.maxIters}; raise --max-iters to continue`);
    } else {
      const preset = examples.CHAR_LM_PRESETS[flags.preset ?? "default"];
      if (!preset) return fail(`unknown --preset '${flags.preset}'; known presets: ${Object.keys(examples.CHAR_LM_PRESETS).join(", ")}`);
      const merged = { ...preset, ...given };
      // a shorter run decays over its own length unless told otherwise
      if (given.maxIters !== undefined && given.lrDecayIters === undefined) merged.lrDecayIters = Math.max(given.maxIters, (merged.warmupIters ?? examples.CHAR_LM_DEFAULTS.warmupIters) + 1);
      const config = examples.charLmConfig(merged);
      dir = flags.out ?? reserveDefaultOutDir("char-lm");
      if (existsSync(dir) && readdirSync(dir).length > 0) return fail(`${dir} exists and is not empty; choose another --out or continue a run with --resume ${dir}`);
      state = examples.charLmInit(config, data.tokenizer.vocabSize);
    }
  } catch (e) {
    if (e instanceof tg.ArgumentError) return fail(e.message.replace(/^char-lm: /, ""));
    throw e;
  }
  const c = state.config;
  mkdirSync(dir, { recursive: true });
  const model = state.model;
  process.stdout.write(
    `char-lm: ${model.numParameters().toLocaleString("en-US")} parameters, ${c.nLayer} layers × ${c.nHead} heads × ${c.nEmbd}, block ${c.blockSize}, batch ${c.batchSize}` +
      `${c.gradAccum > 1 ? ` × ${c.gradAccum}` : ""}, ${(model.flopsPerToken() * c.batchSize * c.blockSize * c.gradAccum / 1e9).toFixed(2)} GFLOP/iter` +
      `${state.iter > 0 ? `, resuming at iteration ${state.iter}` : ""}\n`,
  );

  let stop = false;
  const onSigint = () => {
    if (stop) process.exit(130);
    stop = true;
  };
  process.on("SIGINT", onSigint);
  const tty = Boolean(process.stdout.isTTY);
  const bar = tty
    ? new SingleBar({ format: "char-lm [{bar}] {value}/{total} | loss {loss} | {tps} tok/s | {gflops} GFLOP/s | ETA {eta_formatted}", stream: process.stdout, barsize: 24, hideCursor: true, etaBuffer: 50, fps: 8 })
    : null;
  bar?.start(c.maxIters, state.iter, { loss: "-", tps: "-", gflops: "-" });
  const say = (line: string) => {
    if (bar) {
      process.stdout.write("\r\x1b[2K");
      process.stdout.write(line + "\n");
      bar.render();
    } else process.stdout.write(line + "\n");
  };
  const samples: { iter: number; text: string }[] = [];
  // plain lines (no terminal): the first iteration, every twentieth of the run, and at least every 5 s
  const every = Math.max(1, Math.ceil(c.maxIters / 20));
  const firstIter = state.iter + 1;
  let lastLine = performance.now();
  const recent: number[] = [];
  const checkpoint = () => saveCharLmRun(dir, state, data.tokenizer);
  try {
    while (state.iter < c.maxIters && !stop) {
      charLmStep(state, data, {
        onStep: (s) => {
          recent.push(s.msPerIter);
          if (recent.length > 20) recent.shift();
          const ms = recent.reduce((a, b) => a + b, 0) / recent.length;
          const tps = (c.batchSize * c.blockSize * c.gradAccum * 1000) / ms;
          const gf = (model.flopsPerToken() * c.batchSize * c.blockSize * c.gradAccum) / ms / 1e6;
          if (bar) bar.update(s.iter, { loss: s.loss.toFixed(4), tps: Math.round(tps).toLocaleString("en-US"), gflops: gf.toFixed(2) });
          else if (s.iter === firstIter || s.iter % every === 0 || s.iter === c.maxIters || performance.now() - lastLine > 5000) {
            lastLine = performance.now();
            const eta = ((c.maxIters - s.iter) * ms) / 1000;
            say(`iter ${s.iter}/${c.maxIters}  loss ${s.loss.toFixed(4)}  ${Math.round(tps)} tok/s  ${gf.toFixed(2)} GFLOP/s  ETA ${eta.toFixed(0)} s`);
          }
        },
        onEval: (e) => {
          say(`eval at iter ${e.iter}: train loss ${e.trainLoss.toFixed(4)}, val loss ${e.valLoss.toFixed(4)}`);
          samples.push({ iter: e.iter, text: examples.charLmSample(model, data.tokenizer, "\n", 200) });
          checkpoint();
        },
      });
      // let Ctrl-C be heard between iterations
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    bar?.stop();
    process.off("SIGINT", onSigint);
  }
  checkpoint();
  await writeRunReport(dir, state, data, samples, c.maxIters, runStart);
  process.stdout.write(`${stop ? `Stopped at iteration ${state.iter}; continue with: tensorgrad run char-lm --resume ${displayPath(dir)}\n` : ""}Wrote the checkpoint and report to ${displayPath(dir)}\n`);
  return stop ? 130 : 0;
}

/** One iteration (and the evaluation before it when due). */
function charLmStep(state: examples.CharLmState, data: examples.CharLmData, hooks: examples.CharLmHooks): void {
  examples.charLmTrain(state, data, { ...hooks, iters: 1 });
}

async function writeRunReport(dir: string, state: examples.CharLmState, data: examples.CharLmData, samples: { iter: number; text: string }[], itersRequested: number, runStart: number): Promise<void> {
  const c = state.config;
  const model = state.model;
  const schedule = examples.charLmSchedule(c);
  const iters = state.losses.length;
  const msPerIter = iters ? state.trainMs / iters : NaN;
  const tokens = c.batchSize * c.blockSize * c.gradAccum;
  const tokensPerSecond = (tokens * 1000) / msPerIter;
  const gflops = (model.flopsPerToken() * tokens) / msPerIter / 1e6;
  const last = state.evals[state.evals.length - 1];
  const attText = ATTENTION_TEXT.slice(0, c.blockSize);
  const finalSample = { iter: state.iter, text: examples.charLmSample(model, data.tokenizer, "ROMEO:", 300) };
  const report = charLmReport({
    config: { ...c },
    losses: state.losses,
    lrs: state.losses.map((_, i) => schedule(i)),
    evals: state.evals,
    samples: [...samples.filter((s) => s.iter !== state.iter), finalSample],
    attention: { text: attText, weights: examples.charLmAttention(model, data.tokenizer, attText) },
    params: model.numParameters(),
    msPerIter, tokensPerSecond, gflops, itersRequested, trainMs: state.trainMs, wallMs: performance.now() - runStart,
  });
  mkdirSync(join(dir, "figures"), { recursive: true });
  for (const f of report.figures) {
    const p = figurePaths(f.name);
    writeAtomic(join(dir, p.svg), f.svg);
    writeAtomic(join(dir, p.png), await svgToPNG(f.svg, { scale: 2 }));
  }
  const metrics = {
    iters: state.iter, trainLoss: last?.trainLoss ?? null, valLoss: last?.valLoss ?? null, msPerIter, tokensPerSecond, gflops,
    params: model.numParameters(), trainSeconds: state.trainMs / 1000, wallSeconds: (performance.now() - runStart) / 1000, evals: state.evals, config: c,
  };
  writeAtomic(join(dir, "metrics.json"), JSON.stringify(metrics, null, 2) + "\n");
  for (const t of report.texts ?? []) writeAtomic(join(dir, `${t.name}.txt`), t.text.trimEnd() + "\n");
  writeAtomic(join(dir, "report.md"), reportMarkdown({ ...report, tables: [] }).replace(/- \[metrics\.json\].*\n/, "- [metrics.json](metrics.json): final losses, speed and the evaluation history\n"));
}
