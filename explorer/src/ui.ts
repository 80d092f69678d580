// Small DOM helpers shared by the widgets: element builders, number formatting, the URL-hash
// state and the Step / Back / Play / Reset control bar.

export type Attrs = Record<string, string | number | boolean | undefined>;

/** An HTML element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) e.append(c);
  return e;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element with attributes. */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string)[]): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== false) e.setAttribute(k, String(v));
  for (const c of children) e.append(c);
  return e;
}

/** `x` with `digits` decimals and a true minus sign; −0 prints as 0. */
export function num(x: number, digits = 2): string {
  if (Number.isNaN(x)) return "NaN";
  let t = x.toFixed(digits);
  if (/^-0\.?0*$/.test(t)) t = t.slice(1);
  return t.replace("-", "−");
}

/** Parses a number shown by `num` (true minus signs) or typed by a person. */
export function parseNum(text: string): number {
  return Number(text.trim().replace(/−/g, "-"));
}

// ---- URL hash state: #widget?key=value&… ----

export function readHash(): { id: string; params: URLSearchParams } {
  const raw = location.hash.replace(/^#\/?/, "");
  const q = raw.indexOf("?");
  const id = q < 0 ? raw : raw.slice(0, q);
  return { id, params: new URLSearchParams(q < 0 ? "" : raw.slice(q + 1)) };
}

/** Replaces the hash with the widget's state without adding a history entry or re-mounting. */
export function writeHash(id: string, state: Record<string, string | number | boolean>): void {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(state)) p.set(k, String(v));
  const next = `#${id}?${p.toString()}`;
  if (location.hash !== next) history.replaceState(null, "", next);
}

export function numParam(p: URLSearchParams, key: string, fallback: number, lo = -Infinity, hi = Infinity): number {
  const v = p.get(key);
  if (v === null || v.trim() === "") return fallback;
  const n = Number(v);
  return Number.isFinite(n) ? Math.min(hi, Math.max(lo, n)) : fallback;
}

export function intParam(p: URLSearchParams, key: string, fallback: number, lo = -Infinity, hi = Infinity): number {
  return Math.round(numParam(p, key, fallback, lo, hi));
}

// ---- the stage control bar ----

export interface Stepper {
  readonly el: HTMLElement;
  get stage(): number;
  set(k: number): void;
  setTotal(n: number): void;
  stop(): void;
}

/**
 * Step, Back, Play/Pause and Reset buttons with a "Stage k / N" counter. `onStage` runs on every
 * change (and once at the start).
 */
export function stepper(opts: { total: number; start?: number; label: string; intervalMs?: number; onStage(k: number): void }): Stepper {
  let total = opts.total;
  let k = Math.min(total, Math.max(0, opts.start ?? 0));
  let timer: ReturnType<typeof setInterval> | undefined;
  const back = h("button", { type: "button" }, "◀ Back");
  const step = h("button", { type: "button" }, "Step ▶");
  const play = h("button", { type: "button", "aria-pressed": "false" }, "Play");
  const reset = h("button", { type: "button" }, "Reset");
  const counter = h("output", { "aria-live": "polite", class: "stage" });
  const el = h("div", { class: "controls", role: "group", "aria-label": opts.label }, back, step, play, reset, counter);
  const render = () => {
    counter.textContent = `Stage ${k} / ${total}`;
    back.disabled = k <= 0;
    step.disabled = k >= total;
    opts.onStage(k);
  };
  const stop = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
    play.textContent = "Play";
    play.setAttribute("aria-pressed", "false");
  };
  const set = (n: number) => {
    k = Math.min(total, Math.max(0, Math.round(n)));
    render();
  };
  back.addEventListener("click", () => {
    stop();
    set(k - 1);
  });
  step.addEventListener("click", () => {
    stop();
    set(k + 1);
  });
  reset.addEventListener("click", () => {
    stop();
    set(0);
  });
  play.addEventListener("click", () => {
    if (timer !== undefined) {
      stop();
      return;
    }
    if (k >= total) set(0);
    play.textContent = "Pause";
    play.setAttribute("aria-pressed", "true");
    timer = setInterval(() => {
      if (k >= total) stop();
      else set(k + 1);
    }, opts.intervalMs ?? 600);
  });
  queueMicrotask(render);
  return {
    el,
    get stage() {
      return k;
    },
    set,
    setTotal(n: number) {
      total = n;
      set(Math.min(k, n));
    },
    stop,
  };
}

/** A labelled form control in a row. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const l = h("label", { for: id }, label);
  const row = h("div", { class: "field" }, l, control);
  if (hint) row.append(h("span", { class: "hint" }, hint));
  return row;
}

/** A colour scale from blue (0) through white to orange (1), as CSS rgb(). */
export function diverging(t: number): [number, number, number] {
  const c = Math.min(1, Math.max(0, t));
  const a: [number, number, number] = [40, 110, 200];
  const m: [number, number, number] = [245, 245, 245];
  const b: [number, number, number] = [235, 130, 40];
  const [p, q, u] = c < 0.5 ? [a, m, c * 2] : [m, b, (c - 0.5) * 2];
  return [0, 1, 2].map((i) => Math.round(p[i] + (q[i] - p[i]) * u)) as [number, number, number];
}

/** Class colours for decision regions and points. */
export const CLASS_COLORS: [number, number, number][] = [
  [66, 133, 244],
  [234, 118, 46],
  [52, 168, 83],
  [171, 71, 188],
];

/** Yields to the event loop (so long computations keep the page responsive). */
export function pause(): Promise<void> {
  return new Promise((ok) => setTimeout(ok, 0));
}
