/**
 * Synchronous access to Node built-ins (`node:v8`, `node:os`, `node:worker_threads`, `node:vm`) from code
 * that must also load in browsers: `process.getBuiltinModule` (Node ≥ 20.16) needs no import
 * statement, so bundlers see nothing to resolve and browsers simply get `undefined`.
 */

type BuiltinLoader = (id: string) => unknown;
export type BuiltinId = "node:v8" | "node:os" | "node:worker_threads" | "node:vm";

// Literal specifiers, so bundlers treat them as the externals they are.
const IMPORTERS: Record<BuiltinId, () => Promise<unknown>> = {
  "node:v8": () => import("node:v8"),
  "node:os": () => import("node:os"),
  "node:worker_threads": () => import("node:worker_threads"),
  "node:vm": () => import("node:vm"),
};

/** The built-in module `id`, or undefined outside Node (or on a Node without getBuiltinModule). */
export function nodeBuiltin<T>(id: BuiltinId): T | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: BuiltinLoader } }).process;
  try {
    return proc?.getBuiltinModule?.(id) as T | undefined;
  } catch {
    return undefined;
  }
}

/** Like `nodeBuiltin`, falling back to a dynamic import on Node versions before 20.16. */
export async function loadNodeBuiltin<T>(id: BuiltinId): Promise<T | undefined> {
  const sync = nodeBuiltin<T>(id);
  if (sync) return sync;
  if (!isNode()) return undefined;
  try {
    const m = (await IMPORTERS[id]()) as T & { default?: T };
    return m.default ?? m;
  } catch {
    return undefined;
  }
}

/** Whether this is Node (or a runtime that presents itself as Node, such as Bun or Deno). */
export function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === "string";
}
