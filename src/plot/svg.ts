/**
 * Minimal SVG string builder. Every chart renders into plain strings so the
 * module works identically in Node and in browsers, without a DOM.
 */

import { DEJAVU_SANS_WIDTHS, UNITS_PER_EM } from "./font-metrics.js";

/** Attribute map; `undefined`/`null`/`false` values are omitted. */
export type Attrs = Record<string, string | number | boolean | null | undefined>;

/** Escapes text for use in element content and attribute values. */
export function esc(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/**
 * Formats a coordinate with at most two decimals. Two decimals is well below a
 * device pixel and keeps documents small and byte-stable across platforms.
 */
export function num(v: number): string {
  if (!Number.isFinite(v)) return "0";
  const r = Math.round(v * 100) / 100;
  return Object.is(r, -0) ? "0" : String(r);
}

function attrString(attrs: Attrs): string {
  let out = "";
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    const s = typeof v === "number" ? num(v) : v === true ? k : esc(String(v));
    out += ` ${k}="${s}"`;
  }
  return out;
}

/**
 * Builds one element. Children are already-serialized strings; pass `text` via
 * {@link esc} yourself or use {@link text}.
 *
 * @example
 * el("rect", { x: 0, y: 0, width: 10, height: 5, fill: "red" });
 * // '<rect x="0" y="0" width="10" height="5" fill="red"/>'
 */
export function el(tag: string, attrs: Attrs = {}, children?: string | string[]): string {
  const body = Array.isArray(children) ? children.join("") : children;
  if (body === undefined || body === "") return `<${tag}${attrString(attrs)}/>`;
  return `<${tag}${attrString(attrs)}>${body}</${tag}>`;
}

/** A `<text>` element with escaped content. */
export function text(x: number, y: number, content: string, attrs: Attrs = {}): string {
  return el("text", { x, y, ...attrs }, esc(content));
}

/** `<g>` wrapper that skips empty groups. */
export function group(attrs: Attrs, children: string[]): string {
  const body = children.join("");
  return body === "" ? "" : el("g", attrs, body);
}

/** SVG path data for a polyline through the given points. */
export function polylinePath(pts: ReadonlyArray<readonly [number, number]>, close = false): string {
  if (pts.length === 0) return "";
  let d = `M${num(pts[0][0])},${num(pts[0][1])}`;
  for (let i = 1; i < pts.length; i++) d += `L${num(pts[i][0])},${num(pts[i][1])}`;
  return close ? d + "Z" : d;
}

/** Default font stack; DejaVu Sans covers the math glyphs (∂, ŷ, ², ⁻) used in labels. */
export const FONT_FAMILY = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif";

const WIDTHS = new Map<number, number>();
for (const [first, ws] of DEJAVU_SANS_WIDTHS) ws.forEach((w, i) => w >= 0 && WIDTHS.set(first + i, w / UNITS_PER_EM));

/**
 * Rendered width of a string in DejaVu Sans, the font the figures name first and resvg renders
 * with: the sum of the glyphs' advance widths (scripts/make-font-metrics.py reads them from the
 * font). Code points outside the table count 0.6 em; combining marks count 0. Bold text is about
 * 11% wider in DejaVu Sans Bold.
 *
 * @example
 * textWidth("SGD+momentum", 12); // ≈ 105.9
 */
export function textWidth(s: string, fontSize: number, weight: "normal" | "bold" = "normal"): number {
  let em = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    em += WIDTHS.get(c) ?? (c >= 0x300 && c <= 0x36f ? 0 : 0.6);
  }
  return em * fontSize * (weight === "bold" ? 1.11 : 1);
}

/** Wraps body content into a complete standalone SVG document. */
export function svgDocument(width: number, height: number, body: string[], background = "#ffffff"): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(width)}" height="${num(height)}" ` +
    `viewBox="0 0 ${num(width)} ${num(height)}" font-family="${esc(FONT_FAMILY)}">` +
    el("rect", { x: 0, y: 0, width, height, fill: background }) +
    body.join("") +
    "</svg>"
  );
}
