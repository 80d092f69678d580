// A small language model in the page: a character-level GPT checkpoint shipped with the
// explorer (made by `tensorgrad run char-lm`, see explorer/assets/lm/README.md), sampled with
// temperature and top-k as the characters are drawn (GPT.generateStream), each head's attention
// over the prompt computed live from the model's forward pass, and a fresh small model trained
// in the page on a slice of Tiny Shakespeare with its loss curve drawn as it learns.

import * as tg from "../../../src/index.js";
import { charLmAttention } from "../../../src/examples/index.js";
import { field, h, intParam, num, numParam, pause, writeHash } from "../ui.js";
import type { Widget } from "../widget.js";
import { TRAIN_ITERS, loadCheckpoint, type Checkpoint } from "./lm-model.js";
import { trainingPanel } from "./lm-train.js";

const DEFAULT_PROMPT = "ROMEO:";

/** Sequential colour for a weight in [0, 1]: the panel's background to cyan. */
function heat(w: number): string {
  const t = Math.sqrt(Math.min(1, Math.max(0, w)));
  const a = [24, 32, 40];
  const b = [53, 208, 224];
  return `rgb(${a.map((v, i) => Math.round(v + (b[i] - v) * t)).join(",")})`;
}

const show = (c: string) => (c === "\n" ? "↵" : c === " " ? "␣" : c);

export const lmWidget: Widget = {
  id: "lm",
  title: "A small language model",
  short: "LM",
  mount(root, params) {
    const state = {
      prompt: (params.get("prompt") ?? DEFAULT_PROMPT).slice(0, 64),
      temperature: numParam(params, "t", 0.8, 0.05, 2),
      topK: intParam(params, "k", 20, 1, 65),
      seed: intParam(params, "seed", 1, 0, 1e9),
      length: intParam(params, "n", 200, 1, 1000),
      query: intParam(params, "q", -1, -1, 63),
      head: intParam(params, "head", 0, 0, 63),
      step: intParam(params, "step", 0, 0, TRAIN_ITERS),
    };
    let alive = true;
    let ckpt: Checkpoint | undefined;
    const save = () =>
      writeHash("lm", { prompt: state.prompt, t: state.temperature, k: state.topK, seed: state.seed, n: state.length, q: state.query, head: state.head, step: state.step });

    root.append(
      h(
        "p",
        { class: "lede" },
        "A character-level GPT trained on Tiny Shakespeare, loaded from a checkpoint of a few hundred kilobytes and run by tensorgrad in this page: sample from it, see where each attention head looks in your prompt, or train a fresh small model here and watch its loss fall.",
      ),
    );
    const info = h("p", { class: "status", "data-lm-info": "" }, "Loading the checkpoint…");
    root.append(info);

    // ---- sampling ----
    const promptIn = h("input", { type: "text", value: state.prompt, maxlength: 64, size: 16, spellcheck: "false", autocomplete: "off" });
    const tempIn = h("input", { type: "range", min: "0.05", max: "2", step: "0.05", value: String(state.temperature) });
    const tempOut = h("output", {}, num(state.temperature, 2));
    const topKIn = h("input", { type: "number", min: "1", max: "65", step: "1", value: String(state.topK) });
    const seedIn = h("input", { type: "number", min: "0", step: "1", value: String(state.seed) });
    const lenIn = h("input", { type: "number", min: "1", max: "1000", step: "1", value: String(state.length) });
    const sampleBtn = h("button", { type: "button", disabled: true }, "Sample");
    const stopBtn = h("button", { type: "button", disabled: true }, "Stop");
    const promptErr = h("p", { class: "status", role: "alert", id: "lm-prompt-error" });
    promptIn.setAttribute("aria-describedby", "lm-prompt-error");
    const tempField = field("temperature", tempIn);
    tempField.append(tempOut);
    const out = h("pre", { class: "panel sample", "data-lm-sample": "idle", tabindex: 0, role: "region", "aria-label": "sampled text" });
    const sampleStatus = h("p", { class: "status", "aria-live": "polite", "data-lm-timing": "" });
    root.append(
      h("h3", {}, "Sample"),
      h("div", { class: "controls", role: "group", "aria-label": "Sampling" }, field("prompt", promptIn), tempField, field("top-k", topKIn), field("seed", seedIn), field("characters", lenIn), sampleBtn, stopBtn),
      promptErr,
      out,
      sampleStatus,
    );

    let sampling: { cancel: boolean } | undefined;
    /** Streams `length` characters after the prompt from `model`, yielding to the page every few ms. */
    async function sampleInto(model: tg.models.GPT, tok: tg.text.CharTokenizer, prompt: string, target: HTMLElement, status: HTMLElement) {
      if (sampling) sampling.cancel = true;
      const job = { cancel: false };
      sampling = job;
      const ids = tok.encode(prompt);
      const stream = model.generateStream(tg.tensor([ids], { dtype: "int32" }), state.length, {
        temperature: state.temperature, topK: Math.min(state.topK, tok.vocabSize), generator: tg.random.generator(state.seed),
      });
      const gen = h("span", { class: "gen" });
      target.replaceChildren(h("span", { class: "prompt" }, prompt), gen);
      target.dataset.lmSample = "running";
      stopBtn.disabled = false;
      const t0 = performance.now();
      let n = 0;
      let text = "";
      let last = performance.now();
      try {
        for (const [id] of stream) {
          text += tok.decode([id]);
          n++;
          if (performance.now() - last > 30) {
            gen.textContent = text;
            await pause();
            last = performance.now();
            if (job.cancel || !alive) break;
          }
        }
      } finally {
        stream.return?.();
      }
      // a newer sample took over: it owns the output and the status now
      if (sampling !== job) return;
      gen.textContent = text;
      {
        sampling = undefined;
        stopBtn.disabled = true;
      }
      const ms = performance.now() - t0;
      target.dataset.lmSample = job.cancel ? "stopped" : "done";
      status.textContent = `${n} characters${job.cancel ? " (stopped)" : ""} at temperature ${num(state.temperature, 2)}, top-k ${Math.min(state.topK, tok.vocabSize)}, seed ${state.seed}: ${(ms / Math.max(1, n)).toFixed(1)} ms per character with the key/value cache.`;
    }

    const checkPrompt = (): boolean => {
      if (!ckpt) return false;
      const bad = [...state.prompt].find((c) => !ckpt!.tokenizer.has(c));
      const msg = state.prompt.length === 0 ? "Type a prompt of at least one character." : bad !== undefined ? `The character ${JSON.stringify(bad)} is not in the model's vocabulary (Tiny Shakespeare's 65 characters).` : "";
      promptErr.textContent = msg;
      promptIn.setAttribute("aria-invalid", msg ? "true" : "false");
      sampleBtn.disabled = !!msg;
      return !msg;
    };
    const sample = () => {
      if (!ckpt || !checkPrompt()) return;
      void sampleInto(ckpt.model, ckpt.tokenizer, state.prompt, out, sampleStatus);
    };
    sampleBtn.addEventListener("click", sample);
    stopBtn.addEventListener("click", () => {
      if (sampling) sampling.cancel = true;
    });

    // ---- attention ----
    const queryIn = h("input", { type: "range", min: "0", max: "0", step: "1", value: "0" });
    const headSel = h("select", {});
    const grid = h("div", { class: "neurons", "data-lm-attention": "" });
    const rowView = h("p", { class: "attnrow", "aria-live": "polite" });
    const table = h("table", { class: "attn", "aria-label": "attention of the query position" });
    root.append(
      h("h3", {}, "Attention over the prompt"),
      h("p", { class: "status" }, "Each map is one head: row i is query position i, column j is how much of its attention goes to position j (brighter is more; only earlier positions are visible to it). Computed by running the model on the prompt with the attention layers recording their weights."),
      h("div", { class: "controls", role: "group", "aria-label": "Attention" }, field("query position", queryIn), field("head", headSel)),
      grid,
      rowView,
      h("div", { class: "scroll", tabindex: 0, role: "region", "aria-label": "attention weights of the query position, by head" }, table),
    );
    let maps: number[][][][] = [];
    let promptChars: string[] = [];
    const canvases: HTMLCanvasElement[] = [];

    function computeAttention() {
      if (!ckpt) return;
      promptChars = [...state.prompt].slice(0, ckpt.model.config.blockSize);
      maps = promptChars.length ? charLmAttention(ckpt.model, ckpt.tokenizer, promptChars.join("")) : [];
      const t = promptChars.length;
      const c = ckpt.model.config;
      queryIn.max = String(Math.max(0, t - 1));
      if (state.query < 0 || state.query >= t) state.query = Math.max(0, t - 1);
      queryIn.value = String(state.query);
      headSel.replaceChildren(
        ...Array.from({ length: c.nLayer * c.nHead }, (_, i) => h("option", { value: String(i), selected: i === state.head }, `layer ${Math.floor(i / c.nHead) + 1}, head ${(i % c.nHead) + 1}`)),
      );
      if (state.head >= c.nLayer * c.nHead) state.head = 0;
      headSel.value = String(state.head);
      grid.replaceChildren();
      canvases.length = 0;
      const cell = Math.max(2, Math.floor(128 / Math.max(1, t)));
      maps.forEach((layer, l) =>
        layer.forEach((w, hh) => {
          const cv = h("canvas", { width: t * cell, height: t * cell, role: "img", "data-layer": l, "data-head": hh, style: `width: ${t * cell}px; height: ${t * cell}px` });
          cv.dataset.weights = JSON.stringify(w);
          const fig = h("figure", { class: "layer attnmap" }, cv, h("figcaption", { class: "hint" }, `layer ${l + 1} · head ${hh + 1}`));
          const idx = l * c.nHead + hh;
          cv.addEventListener("click", (e) => {
            const r = cv.getBoundingClientRect();
            state.head = idx;
            state.query = Math.min(t - 1, Math.max(0, Math.floor(((e.clientY - r.top) / r.height) * t)));
            renderRow();
          });
          grid.append(fig);
          canvases.push(cv);
        }),
      );
      renderRow();
    }

    function renderRow() {
      if (!ckpt) return;
      const t = promptChars.length;
      const c = ckpt.model.config;
      const q = state.query;
      queryIn.value = String(q);
      headSel.value = String(state.head);
      queryIn.setAttribute("aria-valuetext", t ? `position ${q}: ${JSON.stringify(promptChars[q])}` : "no prompt");
      canvases.forEach((cv, i) => {
        const l = Math.floor(i / c.nHead);
        const hh = i % c.nHead;
        const row = maps[l][hh][q];
        let best = 0;
        for (let j = 0; j <= q; j++) if (row[j] > row[best]) best = j;
        cv.setAttribute("aria-label", `Layer ${l + 1}, head ${hh + 1}: attention of each prompt position; position ${q} (${JSON.stringify(promptChars[q])}) looks most at position ${best} (${JSON.stringify(promptChars[best])}), weight ${num(row[best], 3)}`);
        cv.parentElement!.classList.toggle("selected", i === state.head);
        const ctx = cv.getContext("2d")!;
        const cell = cv.width / t;
        // redraw the rows, then outline the query row
        for (let r = 0; r < t; r++)
          for (let j = 0; j < t; j++) {
            ctx.fillStyle = j > r ? "#101418" : heat(maps[l][hh][r][j]);
            ctx.fillRect(j * cell, r * cell, cell, cell);
          }
        ctx.strokeStyle = "#ffe066";
        ctx.lineWidth = 1;
        ctx.strokeRect(0.5, q * cell + 0.5, cv.width - 1, cell - 1);
      });
      if (!t) {
        rowView.replaceChildren();
        table.replaceChildren();
        return;
      }
      const l = Math.floor(state.head / c.nHead);
      const hh = state.head % c.nHead;
      const row = maps[l][hh][q];
      rowView.replaceChildren(
        `Layer ${l + 1}, head ${hh + 1}, position ${q} (${JSON.stringify(promptChars[q])}) attends to: `,
        ...promptChars.map((ch, j) => h("span", { class: "tok", style: `background: ${j <= q ? heat(row[j]) : "transparent"}`, title: j <= q ? num(row[j], 3) : "not visible" }, show(ch))),
      );
      table.replaceChildren(
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "head"), ...promptChars.slice(0, q + 1).map((ch, j) => h("th", { scope: "col" }, `${j} ${show(ch)}`)))),
        h(
          "tbody",
          {},
          ...maps.flatMap((layer, li) =>
            layer.map((w, hi) => h("tr", { "data-layer": li, "data-head": hi }, h("th", { scope: "row" }, `L${li + 1} H${hi + 1}`), ...w[q].slice(0, q + 1).map((v) => h("td", {}, v.toFixed(3))))),
          ),
        ),
      );
      save();
    }
    queryIn.addEventListener("input", () => {
      state.query = Number(queryIn.value);
      renderRow();
    });
    headSel.addEventListener("change", () => {
      state.head = Number(headSel.value);
      renderRow();
    });

    const onSettings = () => {
      const t = Number(tempIn.value);
      const k = Number(topKIn.value);
      const sd = Number(seedIn.value);
      const n = Number(lenIn.value);
      if (Number.isFinite(t) && t > 0) state.temperature = t;
      if (Number.isInteger(k) && k >= 1 && k <= 65) state.topK = k;
      if (Number.isInteger(sd) && sd >= 0) state.seed = sd;
      if (Number.isInteger(n) && n >= 1 && n <= 1000) state.length = n;
      tempOut.textContent = num(state.temperature, 2);
      save();
    };
    for (const el of [tempIn, topKIn, seedIn, lenIn]) el.addEventListener("input", onSettings);
    // a new setting samples again once it is committed (Enter, a released slider, leaving the field)
    for (const el of [tempIn, topKIn, seedIn, lenIn]) el.addEventListener("change", sample);
    promptIn.addEventListener("input", () => {
      state.prompt = promptIn.value;
      if (checkPrompt()) computeAttention();
      save();
    });
    promptIn.addEventListener("keydown", (e) => {
      if (e.key === "Enter") sample();
    });

    // ---- training in the page ----
    const training = trainingPanel({
      step: state.step,
      onStep(k) {
        state.step = k;
        save();
      },
      sample: (model, tok, target, status) => {
        const prompt = [...state.prompt].filter((ch) => tok.has(ch)).join("") || "\n";
        void sampleInto(model, tok, prompt, target, status);
      },
    });
    root.append(...training.nodes);

    // ---- loading ----
    void (async () => {
      try {
        ckpt = await loadCheckpoint();
        if (!alive) return;
        const m = ckpt.model.config;
        const tr = ckpt.training;
        info.dataset.lmInfo = "ready";
        info.textContent =
          `Checkpoint: ${m.nLayer} layers × ${m.nHead} heads × width ${m.nEmbd}, block ${m.blockSize}, ${ckpt.model.numParameters().toLocaleString("en-US")} parameters (${Math.round(ckpt.bytes / 1024)} KiB of float32)` +
          `${tr ? `, trained ${tr.iters} iterations by tensorgrad run char-lm to a validation loss of ${tr.valLoss.toFixed(3)} nats per character` : ""}.`;
        topKIn.max = String(ckpt.tokenizer.vocabSize);
        if (checkPrompt()) {
          computeAttention();
          sample();
        }
      } catch (e) {
        info.dataset.lmInfo = "error";
        info.textContent = `Could not load the checkpoint: ${e instanceof Error ? e.message : String(e)}`;
      }
    })();
    return () => {
      alive = false;
      training.stop();
      if (sampling) sampling.cancel = true;
    };
  },
};
