// The report: machine information, one Markdown table per workload, and the JSON form.

import { readFileSync } from "node:fs";
import os from "node:os";
import type { TimingOpts } from "./harness.js";
import { targetsMarkdown } from "./targets.js";
import type { CellResult, VariantResult, Workload } from "./types.js";

export interface MachineInfo {
  cpu: string;
  cores: number;
  node: string;
  v8: string;
  platform: string;
  memoryGiB: number;
}

export interface RunMeta {
  date: string;
  machine: MachineInfo;
  mode: "full" | "quick";
  timing: TimingOpts;
  args: string[];
  rounds: number;
  loadAverageStart: number[];
  loadAverageEnd: number[];
  durationSeconds: number;
  tensorgradBackends: string[];
}

export interface WorkloadInfo {
  id: string;
  group: string;
  title: string;
  unit: string;
  better: "higher" | "lower";
  checkLabel?: string;
}

export interface BenchReport {
  meta: RunMeta;
  workloads: WorkloadInfo[];
  variants: VariantResult[];
}

export function machineInfo(): MachineInfo {
  let cpu = os.cpus()[0]?.model ?? "unknown";
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) cpu = line.slice(line.indexOf(":") + 1).trim();
  } catch {
    // not Linux: keep os.cpus()
  }
  return {
    cpu,
    cores: os.availableParallelism(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.arch()}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  };
}

export function workloadInfo(w: Workload): WorkloadInfo {
  const info: WorkloadInfo = { id: w.id, group: w.group, title: w.title, unit: w.unit, better: w.better };
  if (w.checkLabel) info.checkLabel = w.checkLabel;
  return info;
}

/** Three significant figures, thousands separated. */
export function fmtValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString("en-US");
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

function fmtRatio(r: number): string {
  if (!Number.isFinite(r)) return "—";
  return `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r >= 0.1 ? r.toFixed(2) : r.toPrecision(2)}×`;
}

const escapeCell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

function cellOf(report: BenchReport, workload: string, variant: string): CellResult | undefined {
  return report.variants.find((v) => v.variant.id === variant)?.cells.find((c) => c.workload === workload);
}

function shortStatus(c: CellResult | undefined): string {
  if (!c) return "—";
  if (c.value !== undefined) return fmtValue(c.value);
  if (c.skipped) return c.skipped === "not implemented" ? "n/a" : "skipped";
  if (c.error) return "error";
  return "—";
}

function cellNotes(c: CellResult, w: WorkloadInfo): string {
  const parts: string[] = [];
  if (c.note) parts.push(c.note);
  if (c.samples && c.callsPerSample !== undefined && c.samples.length > 1) {
    parts.push(`median of ${c.samples.length} samples × ${c.callsPerSample} call${c.callsPerSample === 1 ? "" : "s"}`);
  }
  if (c.check !== undefined) {
    const after = c.final !== undefined ? ` → ${c.final.toFixed(4)} after the timed steps` : "";
    parts.push(`${w.checkLabel ?? "check"} ${c.check.toFixed(4)}${after}`);
  }
  return parts.filter(Boolean).join("; ");
}

export function toMarkdown(report: BenchReport): string {
  const { meta } = report;
  const m = meta.machine;
  const t = meta.timing;
  const loaded = report.variants.filter((v) => !v.loadError);
  const failed = report.variants.filter((v) => v.loadError);
  const reference = loaded.find((v) => v.variant.family === "tensorgrad");
  const out: string[] = [];
  out.push("# tensorgrad benchmark", "");
  out.push("| | |", "|---|---|");
  out.push(`| date | ${meta.date} |`);
  out.push(`| CPU | ${m.cpu} |`);
  out.push(`| cores | ${m.cores} (${m.memoryGiB} GiB memory) |`);
  out.push(`| Node | ${m.node} (V8 ${m.v8}), ${m.platform} |`);
  out.push(`| load average | ${meta.loadAverageStart.map((x) => x.toFixed(2)).join(" ")} at start, ${meta.loadAverageEnd.map((x) => x.toFixed(2)).join(" ")} at end |`);
  out.push(`| tensorgrad backends | ${meta.tensorgradBackends.join(", ")} |`);
  out.push(
    `| mode | ${meta.mode}: warm-up ≥ ${t.warmupSeconds} s and until two ${t.warmupWindowSeconds} s windows agree within ${Math.round(t.steadyTolerance * 100)}% (at most ${t.maxWarmupSeconds} s), then the median of up to ${t.samples} samples over ≈ ${t.budgetSeconds} s per cell; a call slower than ${t.singleRunSeconds} s is timed once |`,
  );
  if (meta.rounds > 1) out.push(`| rounds | ${meta.rounds}: each cell is the median of its per-round medians |`);
  out.push(`| command | \`npm run bench${meta.args.length ? " -- " + meta.args.join(" ") : ""}\` (${meta.durationSeconds.toFixed(0)} s) |`);
  out.push("");
  out.push("float32 throughout; every implementation runs in its own process. Ratios compare rows of one run.", "");

  out.push("## Implementations", "", "| implementation | configuration |", "|---|---|");
  for (const v of loaded) out.push(`| ${v.variant.label} | ${escapeCell(v.details ?? "")} |`);
  out.push("");
  if (failed.length) {
    out.push("Did not load:", "");
    for (const v of failed) out.push(`- ${v.variant.label}: ${v.loadError ?? ""}`);
    out.push("");
  }

  out.push("## Summary", "");
  out.push(`| workload | unit | ${loaded.map((v) => v.variant.label).join(" | ")} |`);
  out.push(`|---|---|${loaded.map(() => "---:").join("|")}|`);
  for (const w of report.workloads) {
    out.push(`| ${w.title} | ${w.unit} | ${loaded.map((v) => shortStatus(cellOf(report, w.id, v.variant.id))).join(" | ")} |`);
  }
  out.push("");
  out.push(...targetsMarkdown(report.variants, report.workloads));

  for (const w of report.workloads) {
    const ref = reference ? cellOf(report, w.id, reference.variant.id)?.value : undefined;
    const meaning = w.better === "higher" ? "above 1: tensorgrad is faster" : "below 1: tensorgrad is faster";
    out.push(`## ${w.title}`, "");
    out.push(`${w.unit}, ${w.better} is better. Ratio = tensorgrad ÷ this (${meaning}).`, "");
    out.push(`| implementation | ${w.unit} | tensorgrad ÷ this | notes |`, "|---|---:|---:|---|");
    for (const v of loaded) {
      const c = cellOf(report, w.id, v.variant.id);
      // A row without this workload is "n/a" in the summary; listing it here adds nothing.
      if (!c || c.skipped === "not implemented") continue;
      let value: string;
      let ratio = "—";
      if (c.value !== undefined) {
        value = fmtValue(c.value);
        if (ref !== undefined) ratio = fmtRatio(ref / c.value);
      } else value = c.skipped ?? (c.error ? "error" : "—");
      const notes = c.error ? `error: ${c.error}` : cellNotes(c, w);
      out.push(`| ${v.variant.label} | ${escapeCell(value)} | ${ratio} | ${escapeCell(notes)} |`);
    }
    out.push("");
  }
  return out.join("\n");
}
