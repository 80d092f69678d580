import type { NumericCSV } from "./csv.js";
import { DataFormatError } from "./errors.js";

/** Paired 1-D regression data. */
export interface LineFitData {
  x: Float64Array;
  y: Float64Array;
  n: number;
}

/** The scikit-learn 8×8 handwritten digits. */
export interface DigitsData {
  /** `n × features` pixel intensities 0..16, row-major; each row is an 8×8 image, row-major. */
  images: Float64Array;
  /** Class 0..9 of each image. */
  labels: Int32Array;
  n: number;
  features: number;
}

/**
 * Parses the JSON form of a 1-D regression set, `{"x": number[], "y": number[]}`
 * with arrays of equal length of finite numbers (as in `data/line-fit-20.json`).
 *
 * @example
 * const { x, y, n } = parseLineFitJSON('{"x": [0, 1], "y": [1, 3]}'); // n === 2
 */
export function parseLineFitJSON(text: string, opts: { source?: string } = {}): LineFitData {
  const source = opts.source;
  const fail = (detail: string): never => {
    throw new DataFormatError("json", detail, { source });
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new DataFormatError("json", (e as Error).message, { source }, { cause: e });
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    return fail(`expected an object with "x" and "y" arrays, found ${Array.isArray(doc) ? "an array" : typeof doc}`);
  }
  const rec = doc as Record<string, unknown>;
  const column = (key: "x" | "y"): Float64Array => {
    const v = rec[key];
    if (!Array.isArray(v)) return fail(`expected "${key}" to be an array of numbers, found ${v === undefined ? "no such key" : typeof v}`);
    const out = new Float64Array(v.length);
    v.forEach((e, i) => {
      if (typeof e !== "number" || !Number.isFinite(e)) fail(`"${key}"[${i}] is ${JSON.stringify(e)}, expected a finite number`);
      out[i] = e as number;
    });
    return out;
  };
  const x = column("x");
  const y = column("y");
  if (x.length !== y.length) fail(`"x" has ${x.length} values but "y" has ${y.length}`);
  if (x.length === 0) fail(`"x" and "y" are empty`);
  return { x, y, n: x.length };
}

/**
 * Splits the digits table (as parsed by `parseNumericCSV` from
 * `data/digits.csv.gz`: 64 pixel columns then the label) into images and
 * labels, checking that pixels are integers 0..16 and labels integers 0..9.
 *
 * @example
 * const table = parseNumericCSV(csvText, { header: false });
 * const { images, labels, n } = digitsFromTable(table); // n === 1797
 */
export function digitsFromTable(table: NumericCSV, opts: { source?: string } = {}): DigitsData {
  const source = opts.source;
  const features = 64;
  if (table.cols !== features + 1) {
    throw new DataFormatError("digits", `expected ${features + 1} columns (64 pixels and the label), found ${table.cols}`, {
      source,
    });
  }
  const n = table.rows;
  const images = new Float64Array(n * features);
  const labels = new Int32Array(n);
  const v = table.values;
  for (let r = 0; r < n; r++) {
    const row = r * (features + 1);
    for (let c = 0; c < features; c++) {
      const p = v[row + c];
      if (!Number.isInteger(p) || p < 0 || p > 16) {
        throw new DataFormatError("digits", `row ${r + 1}, column ${c + 1}: pixel value ${p} is not an integer in 0..16`, {
          source,
        });
      }
      images[r * features + c] = p;
    }
    const label = v[row + features];
    if (!Number.isInteger(label) || label < 0 || label > 9) {
      throw new DataFormatError("digits", `row ${r + 1}, column ${features + 1}: label ${label} is not an integer in 0..9`, {
        source,
      });
    }
    labels[r] = label;
  }
  return { images, labels, n, features };
}
