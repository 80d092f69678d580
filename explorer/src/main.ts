// The explorer's entry: starts tensorgrad's Wasm backend (with worker threads where the page is
// cross-origin isolated), builds the navigation and mounts the widget named by the URL hash.

import * as tg from "../../src/index.js";
import { h, readHash } from "./ui.js";
import type { Widget } from "./widget.js";
import { graphWidget } from "./widgets/graph.js";
import { mlpWidget } from "./widgets/mlp.js";
import { jacobianWidget } from "./widgets/jacobian.js";
import { lineWidget } from "./widgets/line.js";
import { raceWidget } from "./widgets/race.js";
import { playgroundWidget } from "./widgets/playground.js";
import { landscapeWidget } from "./widgets/landscape.js";
import { depthWidget } from "./widgets/depth.js";
import { gaussiansWidget } from "./widgets/gaussians.js";
import { lmWidget } from "./widgets/lm.js";

const WIDGETS: Widget[] = [graphWidget, mlpWidget, jacobianWidget, lineWidget, raceWidget, playgroundWidget, landscapeWidget, depthWidget, gaussiansWidget, lmWidget];

let current: { id: string; cleanup?: () => void } | undefined;

function mount(): void {
  const { id, params } = readHash();
  const widget = WIDGETS.find((w) => w.id === id) ?? WIDGETS[0];
  // state changes inside a widget use history.replaceState (no hashchange); a hashchange is a
  // link or an edited address, and mounts afresh from the new state
  current?.cleanup?.();
  const main = document.getElementById("main")!;
  main.replaceChildren();
  document.body.dataset.ready = "";
  for (const a of document.querySelectorAll<HTMLAnchorElement>("#nav a"))
    if (a.dataset.id === widget.id) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  const section = h("section", { "aria-labelledby": `${widget.id}-title` }, h("h2", { id: `${widget.id}-title` }, widget.title));
  main.append(section);
  document.title = `${widget.title} · tensorgrad explorer`;
  current = { id: widget.id };
  const t0 = performance.now();
  const cleanup = widget.mount(section, params);
  current.cleanup = cleanup || undefined;
  requestAnimationFrame(() => {
    document.body.dataset.ready = widget.id;
    document.body.dataset.renderMs = (performance.now() - t0).toFixed(1);
  });
}

async function start(): Promise<void> {
  const nav = document.getElementById("nav")!;
  for (const w of WIDGETS) nav.append(h("li", {}, h("a", { href: `#${w.id}`, "data-id": w.id }, w.short)));
  let threads = 1;
  try {
    const isolated = globalThis.crossOriginIsolated === true;
    const want = isolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
    await tg.init({ threads: want });
    threads = tg.getNumThreads();
  } catch {
    await tg.init().catch(() => undefined);
  }
  const info = tg.backendInfo();
  document.getElementById("backend")!.textContent =
    `Every number on this page is computed live by tensorgrad in your browser: backend ${info.name}` +
    `${info.name === "wasm" ? ` (${threads} thread${threads === 1 ? "" : "s"}${globalThis.crossOriginIsolated ? ", cross-origin isolated" : ""})` : ""}.`;
  window.addEventListener("hashchange", mount);
  mount();
}

void start();
