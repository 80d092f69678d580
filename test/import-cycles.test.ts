// No import cycles among src/ modules. In a cycle, whichever module loads first sees the others'
// `const`s and classes in their temporal dead zone, so the load order decides whether the
// package starts; a static check proves no order can hit that. Only imports that survive
// compilation count: `import type`, `export type` and imports whose every specifier is
// `type X` are erased, and `import("…")` in a type position is a type.
//
// Tensor's method sugar is attached by src/tensor/methods.ts (a class importing the operations
// would be a cycle), so a module that calls a method must load that module; checked here too.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("..", import.meta.url));
const src = join(root, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith(".ts") && !p.endsWith(".d.ts") ? [p] : [];
  });
}

/** The specifiers of the imports and re-exports of `file` that remain at run time. */
export function runtimeSpecifiers(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out: string[] = [];
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st)) {
      const clause = st.importClause;
      if (clause) {
        if (clause.isTypeOnly) continue;
        const named = clause.namedBindings;
        const onlyTypeSpecifiers =
          !clause.name && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
        if (onlyTypeSpecifiers) continue;
      }
      out.push((st.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(st) && st.moduleSpecifier) {
      if (st.isTypeOnly) continue;
      const clause = st.exportClause;
      if (clause && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly)) continue;
      out.push((st.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isImportEqualsDeclaration(st) && !st.isTypeOnly && ts.isExternalModuleReference(st.moduleReference)) {
      out.push((st.moduleReference.expression as ts.StringLiteral).text);
    }
  }
  return out;
}

/** The src/ file a relative specifier names (`./x.js` is `./x.ts`), or null for packages and node: modules. */
function resolveLocal(from: string, spec: string): string | null {
  if (!spec.startsWith(".")) return null;
  const base = resolve(dirname(from), spec);
  const candidates = [base.replace(/\.js$/, ".ts"), base, `${base}.ts`, join(base, "index.ts")];
  const hit = candidates.find((c) => c.endsWith(".ts") && existsSync(c));
  return hit ?? null;
}

/** The import graph of src/: module → the src/ modules it loads. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(src)) {
    const deps = runtimeSpecifiers(file, readFileSync(file, "utf8"))
      .map((s) => resolveLocal(file, s))
      .filter((d): d is string => d !== null && d.startsWith(src));
    graph.set(file, [...new Set(deps)]);
  }
  return graph;
}

/** Strongly connected components with more than one module or a self-import (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(comp);
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return found;
}

/** One concrete loop through a component, for the failure message: a → b → … → a. */
function exampleLoop(graph: Map<string, string[]>, comp: string[]): string[] {
  const inComp = new Set(comp);
  const start = [...comp].sort()[0];
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!inComp.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(prev.get(path[0])!);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

test("the cycle finder sees runtime imports and skips erased ones", () => {
  const code = `
    import type { A } from "./a.js";
    import { type B, type C } from "./b.js";
    import { type D, e } from "./d.js";
    import * as F from "./f.js";
    import "./g.js";
    export type { H } from "./h.js";
    export { i } from "./i.js";
    export * from "./j.js";
    export { type K } from "./k.js";
    type L = import("./l.js").L;
    const m = () => import("./m.js");`;
  assert.deepEqual(runtimeSpecifiers("x.ts", code), ["./d.js", "./f.js", "./g.js", "./i.js", "./j.js"]);
});

test("no import cycles among src/ modules", () => {
  const graph = importGraph();
  assert.ok(graph.size > 50, `expected the src/ tree, found ${graph.size} modules`);
  const found = cycles(graph);
  const rel = (f: string) => relative(root, f);
  const report = found
    .map((comp) => `${comp.length} modules: ${comp.map(rel).sort().join(", ")}\n  e.g. ${exampleLoop(graph, comp).map(rel).join(" → ")}`)
    .join("\n");
  assert.equal(found.length, 0, `import cycles in src/:\n${report}`);
});

/** Every src/ module that `from` loads, directly or through others. */
function reachable(graph: Map<string, string[]>, from: string): Set<string> {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length) for (const w of graph.get(stack.pop()!) ?? []) if (!seen.has(w)) (seen.add(w), stack.push(w));
  return seen;
}

test("every src/ module that calls a Tensor method loads src/tensor/methods.ts", () => {
  const graph = importGraph();
  const files = [...graph.keys()];
  const methodsFile = join(src, "tensor", "methods.ts");
  const program = ts.createProgram(files, { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, noEmit: true, skipLibCheck: true, types: [] });
  const checker = program.getTypeChecker();
  const methodsSf = program.getSourceFile(methodsFile)!;
  const cls = methodsSf.statements.find((st): st is ts.ClassDeclaration => ts.isClassDeclaration(st) && st.name?.text === "TensorMethods")!;
  const names = new Set(cls.members.map((m) => (m.name && ts.isIdentifier(m.name) ? m.name.text : "")).filter(Boolean));
  assert.ok(names.has("add") && names.has("backward") && names.has("T"), "TensorMethods lists the sugar");
  const missing: string[] = [];
  for (const file of files) {
    if (file === methodsFile || reachable(graph, file).has(methodsFile)) continue;
    const sf = program.getSourceFile(file)!;
    let use: string | undefined;
    const visit = (n: ts.Node): void => {
      if (use) return;
      if (ts.isPropertyAccessExpression(n) && names.has(n.name.text)) {
        const sym = checker.getSymbolAtLocation(n.name);
        const decl = sym?.declarations?.[0];
        if (decl && decl.getSourceFile() === methodsSf) use = `${n.name.text} at line ${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`;
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
    if (use) missing.push(`${relative(root, file)} (${use})`);
  }
  assert.deepEqual(missing, [], `these modules call Tensor methods without loading src/tensor/methods.ts:\n${missing.join("\n")}`);
});
