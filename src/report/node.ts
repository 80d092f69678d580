// Saving a report to disk (Node only): the text files plus a PNG of every figure, written into
// a temporary folder next to the target and renamed into place at the end, so a run folder is
// either complete or absent.

import { access, mkdir, mkdtemp, readdir, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { constants } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { svgToPNG } from "../plot/index.js";
import { figurePaths, reportTextFiles } from "./files.js";
import type { Report } from "./types.js";

/** Why a report could not be saved; the message names the folder and the reason. */
export class OutputError extends Error {
  override name = "OutputError";
}

export interface WriteReportOpts {
  /** PNG pixel density relative to the SVG size (default 2). */
  pngScale?: number;
}

/** Result of {@link writeReport}: the run folder and the files in it (relative paths). */
export interface WrittenReport {
  dir: string;
  files: string[];
  reportPath: string;
}

async function kind(p: string): Promise<"dir" | "file" | "missing"> {
  try {
    return (await stat(p)).isDirectory() ? "dir" : "file";
  } catch (e) {
    // ENOTDIR: some ancestor is a file, so the path cannot exist
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return "missing";
    throw e;
  }
}

async function isEmptyDir(p: string): Promise<boolean> {
  return (await readdir(p)).length === 0;
}

/**
 * Checks, without creating anything, that a report can be written to `outDir`: the folder
 * must not exist (or be empty) and its nearest existing ancestor must be a writable folder.
 * Throws {@link OutputError} otherwise. Run it before a long computation so a bad `--out`
 * fails at once.
 */
export async function checkOutputDir(outDir: string): Promise<void> {
  const target = resolve(outDir);
  const k = await kind(target);
  if (k === "file") throw new OutputError(`cannot write to ${outDir}: it is a file, not a folder`);
  if (k === "dir" && !(await isEmptyDir(target))) throw new OutputError(`cannot write to ${outDir}: the folder exists and is not empty (choose another --out)`);
  let ancestor = dirname(target);
  for (;;) {
    const a = await kind(ancestor);
    if (a === "dir") break;
    if (a === "file") throw new OutputError(`cannot write to ${outDir}: ${ancestor} is a file, not a folder`);
    const up = dirname(ancestor);
    if (up === ancestor) throw new OutputError(`cannot write to ${outDir}: no existing parent folder`);
    ancestor = up;
  }
  try {
    await access(ancestor, constants.W_OK | constants.X_OK);
  } catch {
    throw new OutputError(`cannot write to ${outDir}: ${ancestor} is not writable`);
  }
}

/** A file to write: a path relative to the output folder and its contents. */
export interface OutputFile {
  path: string;
  data: string | Uint8Array;
}

/**
 * Writes `files` into `outDir` atomically: everything goes into a hidden temporary folder
 * beside it, which is renamed to `outDir` once complete. On any error nothing is left behind
 * (parent folders created for it are removed again). Returns the absolute folder path.
 * @example
 * await writeFilesAtomic("out/graph", [{ path: "graph.dot", data: dot }]);
 */
export async function writeFilesAtomic(outDir: string, files: readonly OutputFile[]): Promise<string> {
  await checkOutputDir(outDir);
  const target = resolve(outDir);
  const parent = dirname(target);
  const created: string[] = [];
  for (let p = parent; (await kind(p)) === "missing"; p = dirname(p)) created.unshift(p);
  let tmp: string | undefined;
  try {
    for (const p of created) await mkdir(p);
    tmp = await mkdtemp(join(parent, `.${basename(target)}.tmp-`));
    for (const f of files) {
      const dest = join(tmp, f.path);
      await mkdir(dirname(dest), { recursive: true });
      await writeFile(dest, f.data);
    }
    if ((await kind(target)) === "dir") await rmdir(target); // empty, checked above
    await rename(tmp, target);
    tmp = undefined;
    return target;
  } catch (e) {
    if (tmp) await rm(tmp, { recursive: true, force: true });
    for (const p of created.reverse()) await rmdir(p).catch(() => undefined);
    if (e instanceof OutputError) throw e;
    throw new OutputError(`cannot write to ${outDir}: ${(e as Error).message}`, { cause: e });
  }
}

/** Every file of a report, PNGs rendered from the SVG figures. */
export async function reportFiles(report: Report, opts: WriteReportOpts = {}): Promise<OutputFile[]> {
  const files: OutputFile[] = reportTextFiles(report).map((f) => ({ path: f.path, data: f.text }));
  for (const f of report.figures) files.push({ path: figurePaths(f.name).png, data: await svgToPNG(f.svg, { scale: opts.pngScale ?? 2 }) });
  for (const img of report.images ?? []) files.push({ path: `${img.name}.png`, data: img.png });
  return files;
}

/**
 * Writes report.md, metrics.json, the CSV tables and each figure as SVG and PNG into
 * `outDir`, atomically (see {@link writeFilesAtomic}).
 * @example
 * const { reportPath } = await writeReport(report, "runs/line-fit");
 */
export async function writeReport(report: Report, outDir: string, opts: WriteReportOpts = {}): Promise<WrittenReport> {
  await checkOutputDir(outDir);
  const files = await reportFiles(report, opts);
  const dir = await writeFilesAtomic(outDir, files);
  return { dir, files: files.map((f) => f.path), reportPath: join(dir, "report.md") };
}
