/**
 * Colours: a categorical palette for series/classes and continuous colormaps
 * for contour, heatmap and surface fills.
 */

/** Categorical palette used for series and classes, in order. */
export const PALETTE: readonly string[] = [
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
];

/** Colour for the i-th series/class (cycles through {@link PALETTE}). */
export function paletteColor(i: number): string {
  const n = PALETTE.length;
  return PALETTE[((i % n) + n) % n];
}

export type RGB = [number, number, number];

/** Parses `#rgb` / `#rrggbb`; anything else falls back to mid grey. */
export function parseColor(c: string): RGB {
  let h = c.trim().replace(/^#/, "");
  if (h.length === 3) h = [...h].map((x) => x + x).join("");
  if (!/^[0-9a-fA-F]{6}$/.test(h)) return [128, 128, 128];
  return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
}

/** `#rrggbb` from 0..255 channels (clamped). */
export function toHex([r, g, b]: RGB): string {
  const h = (v: number) => Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, "0");
  return `#${h(r)}${h(g)}${h(b)}`;
}

/** Linear blend between two colours, t in [0, 1]. */
export function mix(a: string, b: string, t: number): string {
  const x = parseColor(a);
  const y = parseColor(b);
  return toHex([x[0] + (y[0] - x[0]) * t, x[1] + (y[1] - x[1]) * t, x[2] + (y[2] - x[2]) * t]);
}

/** Multiplies every channel by `f` (Lambert shading darkens with f < 1). */
export function scaleColor(c: string, f: number): string {
  const [r, g, b] = parseColor(c);
  return toHex([r * f, g * f, b * f]);
}

/** Pastel version of a palette colour, used for decision-region backgrounds. */
export function lighten(c: string, amount = 0.6): string {
  return mix(c, "#ffffff", amount);
}

export type ColormapName = "viridis" | "magma" | "coolwarm" | "greys" | "blues";

// Anchor colours sampled evenly along each map; values in between are linearly
// interpolated in RGB, which is visually indistinguishable at 9 anchors.
const MAPS: Record<ColormapName, string[]> = {
  viridis: ["#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725"],
  magma: ["#000004", "#1c1044", "#4f127b", "#812581", "#b5367a", "#e55964", "#fb8761", "#fec287", "#fcfdbf"],
  coolwarm: ["#3b4cc0", "#5977e3", "#7b9ff9", "#9ebeff", "#c0d4f5", "#dddcdc", "#f2cbb7", "#f7ac8e", "#ee8468", "#d65244", "#b40426"],
  greys: ["#ffffff", "#f0f0f0", "#d9d9d9", "#bdbdbd", "#969696", "#737373", "#525252", "#252525", "#000000"],
  blues: ["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b"],
};

/** A function from [0, 1] to a colour. */
export type Colormap = (t: number) => string;

/**
 * Looks up a named colormap, or passes a custom function through.
 *
 * @example
 * colormap("viridis")(0); // "#440154"
 */
export function colormap(name: ColormapName | Colormap = "viridis"): Colormap {
  if (typeof name === "function") return name;
  const stops = MAPS[name] ?? MAPS.viridis;
  return (t: number) => {
    const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
    const i = Math.min(stops.length - 2, Math.floor(u));
    return mix(stops[i], stops[i + 1], u - i);
  };
}
