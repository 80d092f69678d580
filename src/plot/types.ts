/** Option types for the chart API and the internal series records. */
import type { Grid, LevelSpacing } from "./contour.js";
import type { Colormap, ColormapName } from "./color.js";
import type { Scale } from "./scale.js";

export type MarkerShape = "circle" | "square" | "triangle" | "diamond" | "cross" | "star";

/** Stroke dash pattern: a preset or an explicit SVG `stroke-dasharray`. */
export type Dash = "solid" | "dashed" | "dotted" | "dashdot" | string;

export interface LineOptions {
  label?: string;
  color?: string;
  dash?: Dash;
  /** Stroke width in pixels (default 2). */
  width?: number;
  /** Draw a marker at every data point. */
  marker?: MarkerShape;
  opacity?: number;
}

export interface ScatterOptions {
  label?: string;
  /** Single colour for all points (ignored when `classes` or `colors` is given). */
  color?: string;
  /** Per-point class ids; each class gets a palette colour (see `classColors`). */
  classes?: number[];
  /** Names for class ids, shown in the legend. */
  classLabels?: string[];
  /** Overrides the palette for class ids. */
  classColors?: string[];
  /** Explicit per-point colours. */
  colors?: string[];
  /** Marker radius in pixels (default 4). */
  size?: number;
  marker?: MarkerShape;
  opacity?: number;
  /** Outline colour (default white, which separates overlapping points). */
  edgeColor?: string;
}

export interface ResidualOptions {
  label?: string;
  color?: string;
  dash?: Dash;
  width?: number;
}

export interface PathOptions {
  label?: string;
  color?: string;
  width?: number;
  dash?: Dash;
  /** Small dots on every iterate (default true). */
  dots?: boolean;
  /** Hollow circle at the first point and a star at the last (default true). */
  endpoints?: boolean;
}

export interface ContourOptions {
  /** Number of automatic levels, or the explicit level values. */
  levels?: number | number[];
  levelSpacing?: LevelSpacing;
  /** Fill the bands between levels (default true). */
  filled?: boolean;
  /** Draw the iso-lines (default true). */
  lines?: boolean;
  colormap?: ColormapName | Colormap;
  /** Single colour for iso-lines; by default darker lines on filled plots, colormap colours otherwise. */
  lineColor?: string;
  lineWidth?: number;
  /** Show a colour bar to the right of the plot. */
  colorbar?: boolean;
  opacity?: number;
}

export interface HeatmapOptions {
  /** Treat values as integer class ids coloured from the palette. */
  classes?: boolean;
  classLabels?: string[];
  classColors?: string[];
  /** Blend class colours towards white, 0..1 (default 0.55), so points on top stay visible. */
  lightenClasses?: number;
  colormap?: ColormapName | Colormap;
  /** Value range mapped onto the colormap (default: data extent). */
  vmin?: number;
  vmax?: number;
  colorbar?: boolean;
  opacity?: number;
}

export interface BarSeries {
  label?: string;
  values: number[];
  color?: string;
}

export interface BarOptions {
  /** Fraction of each category slot covered by its bars (default 0.8). */
  groupWidth?: number;
  /** Print values above the bars. */
  valueLabels?: boolean;
}

export interface TextOptions {
  color?: string;
  size?: number;
  anchor?: "start" | "middle" | "end";
}

export interface RefLineOptions {
  label?: string;
  color?: string;
  dash?: Dash;
  width?: number;
}

export type LegendLocation = "best" | "upper right" | "upper left" | "lower left" | "lower right";

export interface AxesOptions {
  title?: string;
  xlabel?: string;
  ylabel?: string;
  xscale?: "linear" | "log";
  yscale?: "linear" | "log";
  xlim?: [number, number];
  ylim?: [number, number];
  /** Same data units per pixel on both axes (useful for contour plots). */
  aspect?: "auto" | "equal";
  /** Light grid lines at the ticks (default: on unless a filled field is drawn). */
  grid?: boolean;
  /** Legend placement; `false` hides it. By default shown when two or more series are labelled. */
  legend?: LegendLocation | false;
  fontSize?: number;
  /** Tick positions on x (each labelled), instead of automatic nice ticks; e.g. every class of a confusion matrix. */
  xticks?: number[];
  /** Tick positions on y (each labelled), instead of automatic nice ticks. */
  yticks?: number[];
  /** Labels for `xticks`, one per tick (default: the positions as numbers). */
  xtickLabels?: string[];
  /** Labels for `yticks`, one per tick (default: the positions as numbers). */
  ytickLabels?: string[];
}

export type Series =
  | { kind: "line"; xs: number[]; ys: number[]; opts: LineOptions; color: string }
  | { kind: "scatter"; xs: number[]; ys: number[]; opts: ScatterOptions; color: string }
  | { kind: "residuals"; xs: number[]; ys: number[]; fitted: number[]; opts: ResidualOptions; color: string }
  | { kind: "path"; xs: number[]; ys: number[]; opts: PathOptions; color: string }
  | { kind: "contour"; grid: Grid; opts: ContourOptions }
  | { kind: "heatmap"; grid: Grid; opts: HeatmapOptions }
  | { kind: "bar"; categories: string[]; series: BarSeries[]; opts: BarOptions; colors: string[] }
  | { kind: "text"; x: number; y: number; text: string; opts: TextOptions }
  | { kind: "hline" | "vline"; at: number; opts: RefLineOptions; color: string };

/** Pixel rectangle. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Everything a series renderer needs to place marks. */
export interface RenderContext {
  sx: Scale;
  sy: Scale;
  plot: Box;
  fontSize: number;
  /** Unique prefix for ids (clip paths) within the figure. */
  idPrefix: string;
}

/** One legend row. */
export interface LegendEntry {
  label: string;
  color: string;
  kind: "line" | "marker" | "box";
  dash?: Dash;
  marker?: MarkerShape;
  width?: number;
}

/** Converts a {@link Dash} preset to an SVG dasharray (undefined for solid). */
export function dashArray(d: Dash | undefined, width = 2): string | undefined {
  if (d === undefined || d === "solid") return undefined;
  const w = Math.max(1, width);
  if (d === "dashed") return `${6 * w} ${3 * w}`;
  if (d === "dotted") return `${w} ${2 * w}`;
  if (d === "dashdot") return `${6 * w} ${2 * w} ${w} ${2 * w}`;
  return d;
}
