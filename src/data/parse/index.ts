// Browser-safe data parsers: plain typed arrays and shapes, no file system
// access. File loaders for Node live in ./node.js.
export { DataFormatError, type DataLocation } from "./errors.js";
export { parseNumericCSV, parseNumberCell, type NumericCSV, type NumericCSVOptions } from "./csv.js";
export { parseIDX, encodeIDX, type IDXArray, type IDXData, type IDXDType } from "./idx.js";
export { gunzip, isGzip, maybeGunzip, DEFAULT_MAX_GUNZIP_BYTES, type GunzipOptions } from "./gzip.js";
export { buildCharVocab, type CharVocab } from "./text.js";
export { parseLineFitJSON, digitsFromTable, type LineFitData, type DigitsData } from "./datasets.js";
