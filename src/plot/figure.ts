/** A figure: canvas size, optional title, and a grid of panels (2-D or 3-D axes). */
import { svgDocument, text } from "./svg.js";
import { Axes, type Panel } from "./axes.js";
import { Axes3D, type Axes3DOptions } from "./surface.js";
import { svgToPNG, writeFile, type PNGOptions } from "./raster.js";
import type { AxesOptions } from "./types.js";
import { ArgumentError } from "../core/errors.js";

function checkSize(what: string, v: number | undefined, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v < min) {
    throw new ArgumentError(`Figure: ${what} must be a finite number ≥ ${min}, got ${String(v)}`);
  }
  return v;
}

function checkCount(what: string, v: number | undefined): number {
  if (v === undefined) return 1;
  if (!Number.isInteger(v) || v < 1 || v > 1000) throw new ArgumentError(`Figure: ${what} must be a whole number from 1 to 1000, got ${String(v)}`);
  return v;
}

/** File formats {@link Figure.save} writes, by extension. */
const SAVE_FORMATS = [".svg", ".png"] as const;

export interface FigureOptions {
  /** Width in CSS pixels (default 640). */
  width?: number;
  /** Height in CSS pixels (default 440). */
  height?: number;
  /** Figure-level title above all panels. */
  title?: string;
  /** Grid of panels (default 1 x 1); `subplots` can set it later. */
  rows?: number;
  cols?: number;
  background?: string;
  /** Base font size for panels that do not set their own (default 12). */
  fontSize?: number;
}

/**
 * Headless figure rendered to an SVG string or PNG bytes.
 *
 * @example
 * const fig = new Figure({ width: 600, height: 400, title: "Training" });
 * fig.axes({ xlabel: "step", ylabel: "loss", yscale: "log" })
 *   .line([1, 2, 3, 4], [1, 0.3, 0.1, 0.04], { label: "sgd" })
 *   .line([1, 2, 3, 4], [1, 0.1, 0.01, 0.002], { label: "adam" });
 * const svg = fig.toSVG();
 * const png = await fig.toPNG(); // Node only
 */
export class Figure {
  readonly width: number;
  readonly height: number;
  private rows: number;
  private cols: number;
  private cells: Panel[] = [];

  constructor(readonly options: FigureOptions = {}) {
    this.width = checkSize("width", options.width, 640, 1);
    this.height = checkSize("height", options.height, 440, 1);
    this.rows = checkCount("rows", options.rows);
    this.cols = checkCount("cols", options.cols);
    if (options.fontSize !== undefined) checkSize("fontSize", options.fontSize, 12, 1);
  }

  private add<P extends Panel>(p: P): P {
    if (this.cells.length >= this.rows * this.cols) {
      throw new ArgumentError(`Figure: grid ${this.rows}x${this.cols} is full; pass rows/cols or use subplots()`);
    }
    this.cells.push(p);
    return p;
  }

  /** The panels added so far, in grid order. */
  get panels(): readonly Panel[] {
    return this.cells;
  }

  /** Adds 2-D axes in the next free grid cell (row-major). */
  axes(opts: AxesOptions = {}): Axes {
    return this.add(new Axes({ fontSize: this.options.fontSize, ...opts }));
  }

  /** Adds 3-D axes (surface plots) in the next free grid cell. */
  axes3d(opts: Axes3DOptions = {}): Axes3D {
    return this.add(new Axes3D({ fontSize: this.options.fontSize, ...opts }));
  }

  /**
   * Replaces the layout with a `rows` x `cols` grid of fresh 2-D axes and
   * returns them in row-major order.
   *
   * @example
   * const fig = new Figure({ width: 1200, height: 260 });
   * const axs = fig.subplots(1, 5);
   * axs.forEach((ax, k) => ax.line([0, 1], [0, k]));
   */
  subplots(rows: number, cols: number, opts: AxesOptions = {}): Axes[] {
    this.rows = checkCount("rows", rows);
    this.cols = checkCount("cols", cols);
    this.cells = [];
    return Array.from({ length: this.rows * this.cols }, () => this.axes(opts));
  }

  /** Serializes the figure as a standalone SVG document. */
  toSVG(): string {
    const fs = this.options.fontSize ?? 12;
    const body: string[] = [];
    const titleH = this.options.title ? fs * 1.6 + 14 : 0;
    if (this.options.title) {
      body.push(text(this.width / 2, fs * 1.6 + 4, this.options.title, {
        class: "figure-title", "text-anchor": "middle", "font-size": fs * 1.4, "font-weight": "bold", fill: "#111111",
      }));
    }
    const pad = 6;
    const cw = (this.width - 2 * pad) / this.cols;
    const ch = (this.height - titleH - 2 * pad) / this.rows;
    this.cells.forEach((panel, k) => {
      const r = Math.floor(k / this.cols);
      const c = k % this.cols;
      body.push(panel.render({ x: pad + c * cw, y: titleH + pad + r * ch, width: cw, height: ch }, `p${k}`));
    });
    return svgDocument(this.width, this.height, body, this.options.background ?? "#ffffff");
  }

  /** Rasterizes to PNG bytes via resvg (Node only, loaded on first use). */
  toPNG(opts: PNGOptions = {}): Promise<Uint8Array> {
    return svgToPNG(this.toSVG(), opts);
  }

  /**
   * Writes an SVG or a PNG file, as the extension says (`.svg` or `.png`; Node only). Any other
   * extension is refused with an {@link ArgumentError} before anything is written.
   */
  async save(path: string, opts: PNGOptions = {}): Promise<void> {
    const lower = path.toLowerCase();
    const format = SAVE_FORMATS.find((e) => lower.endsWith(e));
    if (!format) {
      const ext = /\.[^./\\]*$/.exec(path)?.[0] ?? "(none)";
      throw new ArgumentError(`Figure.save: cannot write ${path}: extension ${ext} is not one of ${SAVE_FORMATS.join(", ")}`);
    }
    await writeFile(path, format === ".svg" ? this.toSVG() : await this.toPNG(opts));
  }
}
