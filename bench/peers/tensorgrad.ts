// The tensorgrad backends that the benchmark runs every tensorgrad row on.

import * as tg from "../../src/index.js";

export interface TensorgradBackendChoice {
  /** Short name used in the row id (`tensorgrad:<name>`). */
  name: string;
  label: string;
  /** Makes this backend the default for new tensors (called in the child process before any workload). */
  activate: () => void | Promise<void>;
}

/** Every tensorgrad backend to benchmark; the first is the reference of the ratio columns. */
export function tensorgradBackends(): TensorgradBackendChoice[] {
  const current = tg.getBackend();
  return [{ name: current.name, label: `tensorgrad (${current.name} backend)`, activate: () => tg.setBackend(current) }];
}

/** Activates the backend named `name` and returns a description of it. */
export async function loadTensorgrad(name: string): Promise<string> {
  const choice = tensorgradBackends().find((b) => b.name === name);
  if (!choice) throw new Error(`no tensorgrad backend named ${name}`);
  await choice.activate();
  return `backend ${tg.getBackend().name}`;
}
