// What a run produces, as plain data: figures as SVG strings, metric tables, the printed
// summary and the settings. Nothing here touches the file system, so the browser explorer can
// build the same figures as the command line.

/** One figure, rendered to a standalone SVG document. */
export interface ReportFigure {
  /** File stem, e.g. "loss" → figures/loss.svg and figures/loss.png. */
  name: string;
  /** Heading shown above the figure in report.md. */
  title: string;
  /** One or two sentences on what to look at. */
  caption: string;
  svg: string;
  width: number;
  height: number;
}

/** A cell of a metrics table: numbers stay numbers in the JSON. */
export type Cell = number | string;

/** A table of metrics, written as `<name>.csv` and into metrics.json. */
export interface MetricsTable {
  name: string;
  title: string;
  columns: string[];
  rows: Cell[][];
}

/** How far the run got. */
export interface RunStatus {
  /** False when the run was stopped early (Ctrl-C); the figures then show the steps done so far. */
  completed: boolean;
  stepsRun: number;
  stepsRequested: number;
  /** Why the run stopped before the steps requested, when it was not Ctrl-C (e.g. "diverged: …"). */
  stopReason?: string;
  /** Parts of the experiment that did not run at all (a Ctrl-C before them), named for the reader. */
  notRun?: string[];
}

/** Everything a run writes, ready to be saved or shown. */
export interface Report {
  /** Command-line name, e.g. "line-fit". */
  experiment: string;
  title: string;
  /** A paragraph on what the experiment shows. */
  description: string;
  /** The options the run used (after defaults). */
  settings: Record<string, Cell | boolean>;
  status: RunStatus;
  /** Headline numbers: final loss, accuracy, … */
  results: Record<string, Cell | boolean>;
  /** The experiment's printed summary (aligned plain-text tables). */
  summary: string;
  figures: ReportFigure[];
  tables: MetricsTable[];
  /** Raster images written as they are (`<name>.png` beside report.md), e.g. renders of a fit. */
  images?: ReportImage[];
  /** Longer texts (generated samples): each a section of report.md, whole, and `<name>.txt`. */
  texts?: ReportText[];
}

/** A text shown whole in its own section of report.md and written as `<name>.txt`. */
export interface ReportText {
  name: string;
  title: string;
  caption: string;
  text: string;
}

/** A PNG written byte for byte (not rendered from SVG). */
export interface ReportImage {
  name: string;
  png: Uint8Array;
}
