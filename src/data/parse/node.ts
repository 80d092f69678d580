// Node-only file loaders. Kept out of ./index.ts so that browser bundles of
// the parsers never pull in node:fs.
import { readFile, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { parseNumericCSV, type NumericCSV, type NumericCSVOptions } from "./csv.js";
import { digitsFromTable, parseLineFitJSON, type DigitsData, type LineFitData } from "./datasets.js";
import { DataFormatError } from "./errors.js";
import { maybeGunzip, type GunzipOptions } from "./gzip.js";
import { parseIDX, type IDXArray } from "./idx.js";

/** A file system path or a `file:` URL. */
export type FilePath = string | URL;

// This module is three directories below the package root both as source
// (src/data/parse/node.ts, run through tsx) and compiled
// (dist/data/parse/node.js), so one relative URL reaches data/ from either.
const DATA_DIR = new URL("../../../data/", import.meta.url);

/**
 * URL of a file in the package's `data/` folder.
 *
 * @example
 * const text = await readTextFile(dataFileURL("tinyshakespeare-100k.txt"));
 */
export function dataFileURL(name: string): URL {
  return new URL(name, DATA_DIR);
}

/**
 * Finds the directory of the nearest `package.json` named `tensorgrad`,
 * searching upwards from `start` (default: this module's directory).
 * Rejects when there is none.
 *
 * @example
 * const root = await findPackageRoot(); // e.g. "/home/me/tensorgrad"
 */
export async function findPackageRoot(start: FilePath = new URL(".", import.meta.url)): Promise<string> {
  let dir = typeof start === "string" ? start : fileURLToPath(start);
  for (;;) {
    const candidate = join(dir, "package.json");
    if (await isFile(candidate)) {
      try {
        const pkg = JSON.parse(await readFile(candidate, "utf8")) as { name?: unknown };
        if (pkg.name === "tensorgrad") return dir;
      } catch {
        // An unreadable or invalid package.json is not ours; keep looking.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`findPackageRoot: no package.json named "tensorgrad" above ${sourceName(start)}`);
    dir = parent;
  }
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

function sourceName(p: FilePath): string {
  if (typeof p === "string") return p;
  return p.protocol === "file:" ? fileURLToPath(p) : p.href;
}

/** Options of the file readers: the bound on a gzipped file's decompressed size. */
export type ReadFileOptions = Pick<GunzipOptions, "maxOutputBytes">;

/** Reads a file, gunzipping it (within `maxOutputBytes`) when it starts with the gzip magic bytes. */
async function readBytes(p: FilePath, opts: ReadFileOptions = {}): Promise<Uint8Array> {
  const buf = await readFile(p);
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  return maybeGunzip(bytes, { source: sourceName(p), maxOutputBytes: opts.maxOutputBytes });
}

/**
 * Reads a UTF-8 text file (gzipped or not). Invalid UTF-8 rejects with a
 * {@link DataFormatError}; a leading byte-order mark is dropped. A gzipped file may
 * inflate to at most `maxOutputBytes` (default 256 MiB, see `gunzip`).
 *
 * @example
 * const text = await readTextFile("input.txt.gz");
 */
export async function readTextFile(p: FilePath, opts: ReadFileOptions = {}): Promise<string> {
  const bytes = await readBytes(p, opts);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (e) {
    throw new DataFormatError("text", "invalid UTF-8", { source: sourceName(p) }, { cause: e });
  }
}

/**
 * Reads a numeric CSV file (gzipped or not) with {@link parseNumericCSV};
 * errors name the file.
 *
 * @example
 * const { rows, cols, values } = await readCSVFile("data/digits.csv.gz", { header: false });
 */
export async function readCSVFile(
  p: FilePath,
  opts: Omit<NumericCSVOptions, "source"> & ReadFileOptions = {},
): Promise<NumericCSV> {
  const { maxOutputBytes, ...csv } = opts;
  const text = await readTextFile(p, { maxOutputBytes });
  return parseNumericCSV(text, { ...csv, source: sourceName(p) });
}

/**
 * Reads an IDX file such as the MNIST `*-idx3-ubyte.gz`, gunzipping it when
 * needed, with {@link parseIDX}; errors name the file.
 *
 * @example
 * const images = await readIDXFile("t10k-images-idx3-ubyte.gz");
 * images.shape; // [10000, 28, 28]
 */
export async function readIDXFile(p: FilePath, opts: ReadFileOptions = {}): Promise<IDXArray> {
  return parseIDX(await readBytes(p, opts), { source: sourceName(p) });
}

/**
 * Loads the 20-point line-fitting set (`data/line-fit-20.json` unless `p`
 * is given): y ≈ 2x + 1 plus noise.
 *
 * @example
 * const { x, y, n } = await loadLineFit(); // n === 20
 */
export async function loadLineFit(p: FilePath = dataFileURL("line-fit-20.json")): Promise<LineFitData> {
  const bytes = await readFile(p);
  return parseLineFitJSON(new TextDecoder().decode(bytes), { source: sourceName(p) });
}

/**
 * Loads the scikit-learn 8×8 digits (`data/digits.csv.gz` unless `p` is
 * given): 1797 images of 64 pixels valued 0..16, labels 0..9.
 *
 * @example
 * const { images, labels, n, features } = await loadDigits(); // 1797, 64
 */
export async function loadDigits(p: FilePath = dataFileURL("digits.csv.gz")): Promise<DigitsData> {
  const table = await readCSVFile(p, { header: "auto" });
  return digitsFromTable(table, { source: sourceName(p) });
}

/**
 * Loads the first ~100 KB of Tiny Shakespeare (`data/tinyshakespeare-100k.txt`
 * unless `p` is given, e.g. the full `input.txt`), for character-level
 * language models with `buildCharVocab`.
 *
 * @example
 * const text = await loadTinyShakespeare();
 * const vocab = buildCharVocab(text);
 */
export async function loadTinyShakespeare(p: FilePath = dataFileURL("tinyshakespeare-100k.txt")): Promise<string> {
  return readTextFile(p);
}
