/**
 * SVG -> PNG through resvg (a Rust renderer shipped as prebuilt Node
 * binaries). It is imported lazily so that SVG-only users, including
 * browsers, never load it.
 */

export interface PNGOptions {
  /** Pixel density multiplier (default 2 for crisp text). */
  scale?: number;
  /** Background colour behind transparent areas (CSS colour). */
  background?: string;
  /** Extra font files to load, e.g. when the system has no fonts installed. */
  fontFiles?: string[];
  /** Load the operating system's fonts (default true). */
  loadSystemFonts?: boolean;
  /** Family used when an element's font list matches nothing. */
  defaultFontFamily?: string;
}

interface ResvgLike {
  render(): { asPng(): Uint8Array };
}
type ResvgCtor = new (svg: string, opts?: unknown) => ResvgLike;

let loader: Promise<ResvgCtor> | undefined;

// Specifiers held in variables (plus the ignore hints) keep browser bundlers
// from trying to pull the native renderer or node:fs into SVG-only bundles.
const RESVG = "@resvg/resvg-js";
const FS = "node:fs/promises";

async function loadResvg(): Promise<ResvgCtor> {
  loader ??= import(/* @vite-ignore */ /* webpackIgnore: true */ RESVG).then(
    (m: unknown) => {
      const mod = m as { Resvg?: ResvgCtor; default?: { Resvg?: ResvgCtor } };
      const ctor = mod.Resvg ?? mod.default?.Resvg;
      if (!ctor) throw new Error(`${RESVG} did not export Resvg`);
      return ctor;
    },
    (err: unknown) => {
      loader = undefined;
      throw new Error(`PNG output needs ${RESVG} (Node only): ${err instanceof Error ? err.message : String(err)}`);
    },
  );
  return loader;
}

function fontOptions(opts: PNGOptions) {
  return {
    loadSystemFonts: opts.loadSystemFonts ?? true,
    fontFiles: opts.fontFiles ?? [],
    ...(opts.defaultFontFamily ? { defaultFontFamily: opts.defaultFontFamily } : {}),
  };
}

const fontCheck = new Map<string, boolean>();

/**
 * Whether the PNG renderer finds a font for the figures' text with these options (system fonts
 * and `fontFiles`). Without one, resvg draws no text at all, so {@link svgToPNG} refuses.
 * @example
 * if (!(await fontsAvailable())) console.warn("install DejaVu Sans for text in PNG figures");
 */
export async function fontsAvailable(opts: PNGOptions = {}): Promise<boolean> {
  const key = JSON.stringify(fontOptions(opts));
  const known = fontCheck.get(key);
  if (known !== undefined) return known;
  const Resvg = await loadResvg();
  const probe =
    `<svg xmlns="http://www.w3.org/2000/svg" width="60" height="24"><text x="2" y="18" font-size="16" ` +
    `font-family="DejaVu Sans, Verdana, Arial, Helvetica, sans-serif">Hg</text></svg>`;
  const r = new Resvg(probe, { font: fontOptions(opts) }) as ResvgLike & { getBBox?(): unknown };
  const ok = r.getBBox ? r.getBBox() != null : true;
  fontCheck.set(key, ok);
  return ok;
}

/**
 * Rasterizes an SVG document to PNG bytes (Node only). A document with text is refused with an
 * Error when no font can be loaded (see {@link fontsAvailable}): the PNG would have no text.
 *
 * @example
 * const png = await svgToPNG('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
 * png.length > 8; // true
 */
export async function svgToPNG(svg: string, opts: PNGOptions = {}): Promise<Uint8Array> {
  const Resvg = await loadResvg();
  if (/<text[\s>]/.test(svg) && !(await fontsAvailable(opts))) {
    throw new Error(
      "svgToPNG: no font could be loaded, so the PNG would have no text; install DejaVu Sans " +
        "(Debian/Ubuntu: apt-get install fonts-dejavu-core) or pass fontFiles: [\"/path/to/DejaVuSans.ttf\"]",
    );
  }
  const r = new Resvg(svg, {
    fitTo: { mode: "zoom", value: opts.scale ?? 2 },
    background: opts.background,
    font: fontOptions(opts),
  });
  return new Uint8Array(r.render().asPng());
}

/** PNG file signature: \x89 P N G \r \n \x1a \n. */
export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

/**
 * Width and height from a PNG's IHDR chunk, or null if the bytes are not a PNG.
 *
 * @example
 * const { width, height } = readPNGSize(await fig.toPNG())!;
 */
export function readPNGSize(png: Uint8Array): { width: number; height: number } | null {
  if (png.length < 24 || PNG_SIGNATURE.some((b, i) => png[i] !== b)) return null;
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  // Bytes 12..15 hold the first chunk type, which must be IHDR.
  if (String.fromCharCode(png[12], png[13], png[14], png[15]) !== "IHDR") return null;
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

/**
 * Writes bytes or text to a file (Node only; `node:fs` is loaded lazily). The data goes to a
 * temporary file beside the target first and is renamed into place, so an interrupted write
 * never leaves a half-written figure.
 */
export async function writeFile(path: string, data: Uint8Array | string): Promise<void> {
  const fs = (await import(/* @vite-ignore */ /* webpackIgnore: true */ FS)) as typeof import("node:fs/promises");
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}
