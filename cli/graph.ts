// `tensorgrad graph`: the computation graph of ŷ = w·x + b, L = (ŷ − y)² at one example, with
// every value and gradient, as Graphviz DOT, SVG, PNG and JSON.

import { renderGraphSVG, svgToPNG, toDot } from "tensorgrad/plot";
import { lineModelGraph, type ScalarExample } from "tensorgrad/report";
import { OutputError, writeFilesAtomic } from "tensorgrad/report/node";
import { displayPath, removeIfEmpty, reserveDefaultOutDir } from "./run.js";

/** The starting guess of the line fit (w = 0.5, b = 3) at the point x = 2 of the line y = 2x + 1. */
export const GRAPH_EXAMPLE: ScalarExample = { w: 0.5, x: 2, b: 3, y: 5 };
const TITLE = "ŷ = w·x + b,  L = (ŷ − y)²";

export async function graphCommand(out: string | undefined): Promise<number> {
  const outDir = out ?? reserveDefaultOutDir("graph");
  if (out === undefined) process.once("exit", () => removeIfEmpty(outDir));
  const g = lineModelGraph(GRAPH_EXAMPLE);
  const svg = renderGraphSVG(g, { title: TITLE });
  const files = [
    { path: "graph.dot", data: toDot(g, { title: TITLE }) },
    { path: "graph.svg", data: svg },
    { path: "graph.png", data: await svgToPNG(svg, { scale: 2 }) },
    { path: "graph.json", data: JSON.stringify(g, null, 2) + "\n" },
  ];
  try {
    const dir = await writeFilesAtomic(outDir, files);
    const { w, x, b, y } = GRAPH_EXAMPLE;
    const node = (label: string) => g.nodes.find((n) => n.label === label);
    process.stdout.write(`${TITLE} at w = ${w}, x = ${x}, b = ${b}, y = ${y}\n`);
    process.stdout.write(`forward:  ŷ = ${String(node("ŷ")?.value)}, L = ${String(node("L")?.value)}\n`);
    process.stdout.write(`backward: ∂L/∂w = ${String(node("w")?.grad)}, ∂L/∂b = ${String(node("b")?.grad)}\n`);
    for (const f of files) process.stdout.write(`${displayPath(`${dir}/${f.path}`)}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof OutputError)) throw err;
    process.stderr.write(`tensorgrad graph: ${err.message}\n`);
    return 1;
  }
}
