import { DataFormatError } from "./errors.js";

/** Options for {@link parseNumericCSV}. */
export interface NumericCSVOptions {
  /**
   * Whether the first non-blank line holds column names.
   * `"auto"` (the default) treats it as a header when any of its non-empty
   * cells is not a number.
   */
  header?: boolean | "auto";
  /** Field separator; default `","`. May not contain `"`, `\r` or `\n`. */
  delimiter?: string;
  /** Name of the input (file name, URL), used in error messages. */
  source?: string;
}

/** A numeric table in row-major order. */
export interface NumericCSV {
  /** Column names from the header row, or `null` when there was none. */
  columns: string[] | null;
  rows: number;
  cols: number;
  /** `rows * cols` values; cell (r, c) is at `r * cols + c`. */
  values: Float64Array;
}

// Decimal numbers as written by spreadsheets, NumPy, pandas, R: no hex, no
// digit separators, no empty strings (which Number() would turn into 0).
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL = /^([+-]?)(nan|inf|infinity)$/i;

/**
 * Parses one cell as a number, or returns `undefined` when it is not one.
 * Accepts decimal and scientific notation plus `nan`, `inf`, `infinity`
 * (any case, optional sign).
 *
 * @example
 * parseNumberCell("-1.5e3"); // -1500
 * parseNumberCell("abc");    // undefined
 */
export function parseNumberCell(cell: string): number | undefined {
  if (DECIMAL.test(cell)) return Number(cell);
  const m = SPECIAL.exec(cell);
  if (m === null) return undefined;
  if (m[2].toLowerCase() === "nan") return NaN;
  return m[1] === "-" ? -Infinity : Infinity;
}

/**
 * Parses a CSV file whose cells are all numbers into one `Float64Array`.
 *
 * Strict by design: a ragged row, a cell that is not a number, an empty cell
 * or an input with no data rows throws a {@link DataFormatError} giving the
 * line and column, e.g. `csv: line 7, column 3: "abc" is not a number`.
 * Blank lines are skipped; `\n`, `\r\n` and `\r` line ends and a leading
 * byte-order mark are accepted. Cells may be wrapped in double quotes (with
 * `""` for a literal quote) but a quoted cell cannot span lines. Spaces and
 * tabs around a cell are ignored.
 *
 * @example
 * const t = parseNumericCSV("x,y\n1,2\n3,4\n");
 * t.columns;  // ["x", "y"]
 * t.rows;     // 2
 * t.values;   // Float64Array [1, 2, 3, 4]
 *
 * @example
 * parseNumericCSV("1;2\n3;4", { delimiter: ";", header: false }).cols; // 2
 */
export function parseNumericCSV(text: string, opts: NumericCSVOptions = {}): NumericCSV {
  const header = opts.header ?? "auto";
  const delimiter = opts.delimiter ?? ",";
  const source = opts.source;
  if (delimiter === "" || /["\r\n]/.test(delimiter)) {
    throw new TypeError(`parseNumericCSV: invalid delimiter ${JSON.stringify(delimiter)}`);
  }
  const fail = (detail: string, line?: number, column?: number): never => {
    throw new DataFormatError("csv", detail, { source, line, column });
  };

  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r\n|\n|\r/);

  let columns: string[] | null = null;
  let cols = -1;
  let colsFrom = 0; // line that fixed the column count, for ragged-row messages
  let values = new Float64Array(0);
  let rows = 0;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "") continue;
    const lineNo = i + 1;
    const cells = splitLine(line, delimiter, lineNo, fail);

    if (cols < 0) {
      cols = cells.length;
      colsFrom = lineNo;
      // An empty cell alone does not make a header: "1,,3" is a data row with
      // a missing value (an error below), while ",a,b" is a header.
      const isHeader =
        header === "auto" ? cells.some((c) => c !== "" && parseNumberCell(c) === undefined) : header;
      values = new Float64Array(valueCapacity(lines.length - i, cols, text.length));
      if (isHeader) {
        columns = cells;
        continue;
      }
    } else if (cells.length !== cols) {
      fail(`expected ${cols} columns (as on line ${colsFrom}), found ${cells.length}`, lineNo);
    }

    const base = rows * cols;
    // cannot happen (see valueCapacity); a typed array would drop the writes silently
    if (base + cols > values.length) throw new Error("parseNumericCSV: internal error: value capacity exceeded");
    for (let c = 0; c < cols; c++) {
      const cell = cells[c];
      const v = parseNumberCell(cell);
      if (v === undefined) {
        fail(cell === "" ? "empty cell" : `${JSON.stringify(cell)} is not a number`, lineNo, c + 1);
      }
      values[base + c] = v as number;
    }
    rows++;
  }

  if (cols < 0) fail("no data: the input is empty");
  if (rows === 0) fail("no data rows after the header");
  return { columns, rows, cols, values: values.length === rows * cols ? values : values.slice(0, rows * cols) };
}

/**
 * Room for every value the input can hold, so the array is allocated once: at most one row per
 * remaining line, and at most one value per two characters (a value is a non-empty cell followed
 * by a delimiter or a line end, except the very last). The second bound keeps the array within
 * four times the text's size whatever the header claims: a 60,000-column header followed by
 * short lines would otherwise ask for lines × 60,000 doubles before the first ragged row is seen.
 */
function valueCapacity(remainingLines: number, cols: number, textLength: number): number {
  return Math.min(remainingLines * cols, Math.floor((textLength + 1) / 2));
}

/** Splits one physical line into trimmed, unquoted cells. */
function splitLine(
  line: string,
  delimiter: string,
  lineNo: number,
  fail: (detail: string, line?: number, column?: number) => never,
): string[] {
  if (!line.includes('"')) return line.split(delimiter).map(trimCell);

  const cells: string[] = [];
  let pos = 0;
  for (;;) {
    const column = cells.length + 1;
    while (pos < line.length && (line[pos] === " " || line[pos] === "\t") && !line.startsWith(delimiter, pos)) pos++;
    if (line[pos] === '"') {
      let value = "";
      pos++;
      for (;;) {
        const q = line.indexOf('"', pos);
        if (q < 0) fail("unterminated quoted cell", lineNo, column);
        value += line.slice(pos, q);
        if (line[q + 1] === '"') {
          value += '"';
          pos = q + 2;
        } else {
          pos = q + 1;
          break;
        }
      }
      const next = line.indexOf(delimiter, pos);
      const rest = next < 0 ? line.slice(pos) : line.slice(pos, next);
      if (trimCell(rest) !== "") fail(`unexpected text after closing quote: ${JSON.stringify(rest)}`, lineNo, column);
      cells.push(trimCell(value));
      if (next < 0) return cells;
      pos = next + delimiter.length;
    } else {
      const next = line.indexOf(delimiter, pos);
      const raw = next < 0 ? line.slice(pos) : line.slice(pos, next);
      if (raw.includes('"')) fail(`stray quote in unquoted cell ${JSON.stringify(trimCell(raw))}`, lineNo, column);
      cells.push(trimCell(raw));
      if (next < 0) return cells;
      pos = next + delimiter.length;
    }
  }
}

function trimCell(s: string): string {
  const first = s.charCodeAt(0);
  const last = s.charCodeAt(s.length - 1);
  // Most cells have no padding; skip the regex for them (32 = " ", 9 = "\t").
  if (first !== 32 && first !== 9 && last !== 32 && last !== 9) return s;
  return s.replace(/^[ \t]+|[ \t]+$/g, "");
}
