// The language-model widget's training panel: a fresh small GPT (lm-model.ts's TRAIN_CONFIG)
// trained in the page on the shipped slice of Tiny Shakespeare, one iteration per stage of the
// Step / Back / Play / Reset bar, with the loss curve, a table of the losses, and samples from
// the model as it stands. Back and Reset restore the nearest earlier snapshot and train forward
// from it, so every iteration repeats exactly.

import type * as tg from "../../../src/index.js";
import { charLmTrain, type CharLmData, type CharLmState } from "../../../src/examples/index.js";
import { h, pause, s, stepper } from "../ui.js";
import { TRAIN_CONFIG, TRAIN_ITERS, freshRun, loadSlice, restore, snapshot, type Snapshot } from "./lm-model.js";

const SNAPSHOT_EVERY = 10;

export interface TrainingPanel {
  nodes: Node[];
  stop(): void;
}

export function trainingPanel(opts: {
  /** The iteration to reach once the text is loaded (from the URL hash). */
  step: number;
  onStep(k: number): void;
  /** Streams a sample from `model` into `target`, with its summary in `status`. */
  sample(model: tg.models.GPT, tok: tg.text.CharTokenizer, target: HTMLElement, status: HTMLElement): void;
}): TrainingPanel {
  let alive = true;
  const c = TRAIN_CONFIG;
  const curve = s("svg", { class: "plot", viewBox: "0 0 600 220", width: 600, height: 220, role: "img", "aria-label": "training loss per iteration" });
  const trainStatus = h("p", { class: "status", "aria-live": "polite", "data-lm-train": "0" }, "Loading the text…");
  const lossRows = h("tbody", {});
  const trainOut = h("pre", { class: "panel sample", tabindex: 0, role: "region", "aria-label": "text sampled from the model trained here" });
  const trainSampleBtn = h("button", { type: "button", disabled: true }, "Sample from the model trained here");
  const trainSampleStatus = h("p", { class: "status", "aria-live": "polite", "data-lm-timing": "" });
  let run: { state: CharLmState; data: CharLmData } | undefined;
  const snaps: Snapshot[] = [];
  let target = opts.step;
  let working = false;

  const bar = stepper({
    total: TRAIN_ITERS,
    start: opts.step,
    label: "Training iterations",
    intervalMs: 20,
    onStage(k) {
      target = k;
      opts.onStep(k);
      void work();
    },
  });
  const nodes: Node[] = [
    h("h3", {}, "Train a fresh model in the page"),
    h(
      "p",
      { class: "status" },
      `${c.nLayer} layers × ${c.nHead} heads × width ${c.nEmbd}, block ${c.blockSize}, batch ${c.batchSize}, AdamW (lr ${c.lr}, ${c.warmupIters} warm-up iterations, cosine decay) on the first 200,000 characters of Tiny Shakespeare. Each stage is one iteration; Back and Reset return to an earlier one exactly.`,
    ),
    bar.el,
    curve,
    trainStatus,
    h("details", { class: "settings" }, h("summary", {}, "Loss per iteration (table)"), h("div", { class: "scroll", tabindex: 0, role: "region", "aria-label": "loss per iteration" }, h("table", { "aria-label": "training losses" }, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "iteration"), h("th", { scope: "col" }, "loss"))), lossRows))),
    h("div", { class: "controls" }, trainSampleBtn),
    trainOut,
    trainSampleStatus,
  ];

  function drawCurve() {
    const losses = run?.state.losses ?? [];
    const hi = 4.5;
    const lo = 1.5;
    const x = (i: number) => 40 + (i / TRAIN_ITERS) * 550;
    const y = (v: number) => 10 + ((hi - Math.min(hi, Math.max(lo, v))) / (hi - lo)) * 180;
    const kids: SVGElement[] = [s("rect", { x: 40, y: 10, width: 550, height: 180, fill: "none", stroke: "#3a4652" })];
    for (const v of [2, 3, 4]) {
      kids.push(s("line", { x1: 40, x2: 590, y1: y(v), y2: y(v), stroke: "#26313b" }));
      kids.push(s("text", { x: 34, y: y(v) + 4, "text-anchor": "end", fill: "#a9b4bf", "font-size": 11 }, String(v)));
    }
    for (const i of [0, 50, 100, 150, 200]) kids.push(s("text", { x: x(i), y: 206, "text-anchor": "middle", fill: "#a9b4bf", "font-size": 11 }, String(i)));
    kids.push(s("text", { x: 590, y: 218, "text-anchor": "end", fill: "#a9b4bf", "font-size": 11 }, "iteration"));
    if (losses.length) kids.push(s("path", { d: losses.map((v, i) => `${i ? "L" : "M"}${x(i + 1).toFixed(1)} ${y(v).toFixed(1)}`).join(""), fill: "none", stroke: "#35d0e0", "stroke-width": 1.5, "data-curve": "train" }));
    const evals = run?.state.evals ?? [];
    for (const e of evals) kids.push(s("circle", { cx: x(e.iter), cy: y(e.valLoss), r: 3.5, fill: "#ffb02e", "data-eval": e.iter }));
    kids.push(s("text", { x: 582, y: 26, "text-anchor": "end", fill: "#35d0e0", "font-size": 12 }, "— training loss (one batch)"), s("text", { x: 582, y: 42, "text-anchor": "end", fill: "#ffb02e", "font-size": 12 }, "● validation loss (4 batches)"));
    curve.replaceChildren(...kids);
  }

  function renderTraining() {
    drawCurve();
    if (!run) return;
    const st = run.state;
    const ls = st.losses;
    while (lossRows.children.length > ls.length) lossRows.lastElementChild!.remove();
    for (let i = lossRows.children.length; i < ls.length; i++) lossRows.append(h("tr", {}, h("td", {}, String(i + 1)), h("td", {}, ls[i].toFixed(4))));
    const ev = st.evals.at(-1);
    trainStatus.dataset.lmTrain = String(st.iter);
    trainStatus.textContent =
      st.iter === 0
        ? `iteration 0: ${st.model.numParameters().toLocaleString("en-US")} parameters drawn from seed ${c.seed}; press Step or Play to train.`
        : `iteration ${st.iter}: loss ${ls[st.iter - 1].toFixed(4)}${ev ? `; validation loss ${ev.valLoss.toFixed(4)} at iteration ${ev.iter}` : ""}${working ? " (training…)" : ""}`;
    trainSampleBtn.disabled = false;
  }

  /** Moves the run to `target`: forward by training, backward from the nearest snapshot. */
  async function work() {
    if (working || !run) return;
    working = true;
    try {
      while (alive && run.state.iter !== target) {
        const st = run.state;
        if (target < st.iter) {
          const snap = [...snaps].reverse().find((sn) => sn.iter <= target)!;
          restore(st, snap);
          snaps.length = snaps.indexOf(snap) + 1;
        }
        if (st.iter < target) {
          charLmTrain(st, run.data, { iters: 1 });
          if (st.iter % SNAPSHOT_EVERY === 0 && !snaps.some((sn) => sn.iter === st.iter)) snaps.push(snapshot(st));
        }
        renderTraining();
        await pause();
      }
    } finally {
      working = false;
    }
    if (alive) renderTraining();
  }

  trainSampleBtn.addEventListener("click", () => {
    if (run) opts.sample(run.state.model, run.data.tokenizer, trainOut, trainSampleStatus);
  });
  drawCurve();

  void (async () => {
    try {
      const text = await loadSlice();
      if (!alive) return;
      run = freshRun(text);
      snaps.push(snapshot(run.state));
      renderTraining();
      void work();
    } catch (e) {
      trainStatus.textContent = `Could not load the text: ${e instanceof Error ? e.message : String(e)}`;
    }
  })();
  return {
    nodes,
    stop() {
      alive = false;
      bar.stop();
    },
  };
}
