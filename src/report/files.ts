// The text files of a report: report.md (summary, results, figures by relative link), the
// metric tables as CSV and everything as metrics.json, and the figures as SVG. PNG files are
// made from the SVGs by the Node writer (./node.ts).

import type { Cell, MetricsTable, Report } from "./types.js";

/** Folder (relative to the run folder) that holds the figures. */
export const FIGURE_DIR = "figures";

/** A file of a report: a path relative to the run folder and its text. */
export interface TextFile {
  path: string;
  text: string;
}

/** Relative paths of a figure's two renderings. */
export function figurePaths(name: string): { svg: string; png: string } {
  return { svg: `${FIGURE_DIR}/${name}.svg`, png: `${FIGURE_DIR}/${name}.png` };
}

/** Relative path of a metrics table's CSV file. */
export function tablePath(table: MetricsTable): string {
  return `${table.name}.csv`;
}

function csvCell(c: Cell): string {
  const s = typeof c === "number" ? formatCSVNumber(c) : c;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// Full precision, so the CSV round-trips to the same doubles.
function formatCSVNumber(x: number): string {
  return Number.isFinite(x) ? String(x) : Number.isNaN(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity";
}

/**
 * A metrics table as RFC 4180 CSV with a header row.
 * @example
 * tableCSV({ name: "m", title: "", columns: ["step", "loss"], rows: [[0, 1.5]] }); // "step,loss\n0,1.5\n"
 */
export function tableCSV(table: MetricsTable): string {
  return [table.columns, ...table.rows].map((r) => r.map(csvCell).join(",")).join("\n") + "\n";
}

// JSON has no NaN or Infinity; they become null.
function jsonCell(c: Cell | boolean): Cell | boolean | null {
  return typeof c === "number" && !Number.isFinite(c) ? null : c;
}

/** Everything but the figures as one JSON document; table rows become objects keyed by column. */
export function reportJSON(report: Report): string {
  const tables: Record<string, Array<Record<string, Cell | null>>> = {};
  for (const t of report.tables) {
    tables[t.name] = t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c, jsonCell(r[i]) as Cell | null])));
  }
  const doc = {
    experiment: report.experiment,
    title: report.title,
    settings: Object.fromEntries(Object.entries(report.settings).map(([k, v]) => [k, jsonCell(v)])),
    status: report.status,
    results: Object.fromEntries(Object.entries(report.results).map(([k, v]) => [k, jsonCell(v)])),
    tables,
    figures: report.figures.map((f) => ({ name: f.name, title: f.title, ...figurePaths(f.name) })),
  };
  return JSON.stringify(doc, null, 2) + "\n";
}

function mdCell(c: Cell | boolean): string {
  const s = typeof c === "number" ? formatMarkdownNumber(c) : String(c);
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function formatMarkdownNumber(x: number): string {
  if (Number.isInteger(x) || !Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? x.toExponential(3) : String(+x.toPrecision(6));
}

function mdTable(header: string[], rows: Array<Array<Cell | boolean>>): string {
  return [`| ${header.map(mdCell).join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.map(mdCell).join(" | ")} |`)].join("\n");
}

/**
 * Keeps the first `head` and last `tail` lines of a long text, with a line saying how many were
 * left out between them (a 10,000-step iteration table stays readable).
 * @example elideLines("a\nb\nc\nd\ne", 1, 1) // "a\n⋮ 3 lines left out (see the CSV files)\ne"
 */
export function elideLines(text: string, head = 60, tail = 12): string {
  const lines = text.split("\n");
  if (lines.length <= head + tail + 1) return text;
  const omitted = lines.length - head - tail;
  return [...lines.slice(0, head), `⋮ ${omitted} lines left out (see the CSV files)`, ...lines.slice(lines.length - tail)].join("\n");
}

/**
 * report.md: what the experiment shows, the settings, the headline results, the printed
 * summary, every figure (PNG, with a link to the SVG) and links to the metric files.
 */
export function reportMarkdown(report: Report): string {
  const s = report.status;
  const out: string[] = [`# ${report.title}`, "", report.description, ""];
  if (s.stopReason) {
    out.push(`> **Stopped after ${s.stepsRun} of ${s.stepsRequested} steps**: ${s.stopReason}. The tables and figures show the steps completed.`, "");
  } else if (!s.completed) {
    out.push(`> **Stopped early** after ${s.stepsRun} of ${s.stepsRequested} steps: the tables and figures show the steps completed.`, "");
  }
  if (s.notRun?.length) out.push(`> **Not run** (stopped before it started): ${s.notRun.join("; ")}. Its tables and figures are left out.`, "");
  out.push("## Settings", "", mdTable(["setting", "value"], Object.entries(report.settings)), "");
  if (Object.keys(report.results).length) out.push("## Results", "", mdTable(["result", "value"], Object.entries(report.results)), "");
  out.push("## Summary", "", "```text", elideLines(report.summary.trimEnd()), "```", "");
  for (const t of report.texts ?? []) out.push(`## ${t.title}`, "", t.caption, "", "```text", t.text.trimEnd(), "```", "");
  if (report.figures.length) out.push("## Figures", "");
  for (const f of report.figures) {
    const p = figurePaths(f.name);
    out.push(`### ${f.title}`, "", f.caption, "", `![${f.title}](${p.png})`, "", `Vector version: [${f.name}.svg](${p.svg})`, "");
  }
  out.push("## Data files", "");
  for (const t of report.tables) out.push(`- [${tablePath(t)}](${tablePath(t)}): ${t.title}`);
  for (const t of report.texts ?? []) out.push(`- [${t.name}.txt](${t.name}.txt): ${t.title.toLowerCase()}`);
  out.push("- [metrics.json](metrics.json): settings, results and every table as JSON", "");
  return out.join("\n");
}

/** Every text file of the report (report.md, metrics.json, the CSVs, the SVG figures and the texts). */
export function reportTextFiles(report: Report): TextFile[] {
  return [
    { path: "report.md", text: reportMarkdown(report) },
    { path: "metrics.json", text: reportJSON(report) },
    ...report.tables.map((t) => ({ path: tablePath(t), text: tableCSV(t) })),
    ...report.figures.map((f) => ({ path: figurePaths(f.name).svg, text: f.svg })),
    ...(report.texts ?? []).map((t) => ({ path: `${t.name}.txt`, text: t.text.trimEnd() + "\n" })),
  ];
}
