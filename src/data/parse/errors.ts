/**
 * Where in a data file a problem was found. Every field is optional; the
 * message only mentions the parts that are known.
 */
export interface DataLocation {
  /** File name, URL or other label for the input. */
  source?: string;
  /** 1-based line number (text formats). */
  line?: number;
  /** 1-based column / field number (text formats). */
  column?: number;
  /** 0-based byte offset (binary formats). */
  offset?: number;
}

/**
 * Thrown when input data does not match the format a parser expects.
 *
 * The message reads `format (source): location: detail`, e.g.
 * `csv (data/x.csv): line 7, column 3: "abc" is not a number`, and the same
 * parts are available as fields for programmatic handling.
 *
 * @example
 * try {
 *   parseNumericCSV("a,b\n1,x\n");
 * } catch (e) {
 *   if (e instanceof DataFormatError) console.log(e.line, e.column); // 2 2
 * }
 */
export class DataFormatError extends Error {
  override readonly name = "DataFormatError";
  /** Short format tag such as `"csv"`, `"idx"`, `"gzip"`, `"json"`. */
  readonly format: string;
  /** The problem itself, without the location prefix. */
  readonly detail: string;
  readonly source: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly offset: number | undefined;

  /**
   * @example
   * new DataFormatError("idx", "bad magic", { source: "labels.idx", offset: 0 }).message
   * // 'idx (labels.idx): byte 0: bad magic'
   */
  constructor(format: string, detail: string, where: DataLocation = {}, options?: { cause?: unknown }) {
    super(formatMessage(format, detail, where), options);
    this.format = format;
    this.detail = detail;
    this.source = where.source;
    this.line = where.line;
    this.column = where.column;
    this.offset = where.offset;
  }
}

function formatMessage(format: string, detail: string, where: DataLocation): string {
  let head = format;
  if (where.source !== undefined && where.source !== "") head += ` (${where.source})`;
  const loc: string[] = [];
  if (where.line !== undefined) loc.push(`line ${where.line}`);
  if (where.column !== undefined) loc.push(`column ${where.column}`);
  if (where.offset !== undefined) loc.push(`byte ${where.offset}`);
  return loc.length > 0 ? `${head}: ${loc.join(", ")}: ${detail}` : `${head}: ${detail}`;
}
