// Node-only conveniences: the experiments that need data, run on the files shipped in data/.
// Kept out of ./index.ts so that browser bundles never pull in node:fs.

import { loadDigits, loadLineFit } from "../data/parse/node.js";
import { digits, type DigitsOptions, type DigitsResult } from "./digits.js";
import { lineFit, type LineFitOptions, type LineFitResult } from "./line-fit.js";

/**
 * `lineFit` on data/line-fit-20.json.
 * @example console.log((await runLineFit({ method: "grad" })).summary);
 */
export async function runLineFit(opts: LineFitOptions = {}): Promise<LineFitResult> {
  return lineFit(await loadLineFit(), opts);
}

/**
 * `digits` on data/digits.csv.gz.
 * @example console.log((await runDigits({ seed: 0 })).testAccuracy); // ≥ 0.97
 */
export async function runDigits(opts: DigitsOptions = {}): Promise<DigitsResult> {
  return digits(await loadDigits(), opts);
}
export { loadShakespeare, saveCharLmRun, loadCharLmRun, hasCharLmRun } from "./char-lm-node.js";
