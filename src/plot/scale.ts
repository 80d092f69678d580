/**
 * Scales map data values to pixels; tick generators pick human-friendly
 * positions ("nice numbers": 1, 2 or 5 times a power of ten).
 */

export type ScaleType = "linear" | "log";

/** A tick: data position plus its label ("" for minor ticks). */
export interface Tick {
  value: number;
  label: string;
  minor?: boolean;
}

/** Maps a data interval onto a pixel interval, linearly or in log10 space. */
export class Scale {
  constructor(
    readonly type: ScaleType,
    readonly domain: [number, number],
    readonly range: [number, number],
  ) {}

  private t(v: number): number {
    return this.type === "log" ? Math.log10(Math.max(v, Number.MIN_VALUE)) : v;
  }

  /** Data value -> pixel. */
  map(v: number): number {
    const a = this.t(this.domain[0]);
    const b = this.t(this.domain[1]);
    // halves keep differences finite on ranges as wide as ±1.8e308
    const f = b === a ? 0.5 : (this.t(v) / 2 - a / 2) / (b / 2 - a / 2);
    return this.range[0] + f * (this.range[1] - this.range[0]);
  }

  /** Ticks inside the domain; `target` is the desired number of labelled ticks. */
  ticks(target: number): Tick[] {
    return this.type === "log"
      ? logTicks(this.domain[0], this.domain[1], target)
      : linearTicks(this.domain[0], this.domain[1], target);
  }
}

/** Rounds a raw step up to 1, 2 or 5 times a power of ten. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / p;
  const m = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return m * p;
}

/**
 * Evenly spaced nice ticks covering [lo, hi].
 *
 * @example
 * linearTicks(0, 1, 5).map((t) => t.label); // ["0", "0.2", "0.4", "0.6", "0.8", "1.0"]
 */
export function linearTicks(lo: number, hi: number, target: number): Tick[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) return [{ value: lo, label: formatNumber(lo, Math.abs(lo) || 1) }];
  // halves keep the span finite for ranges near ±1.8e308
  const step = niceStep((hi / 2 - lo / 2) / Math.max(1, target) * 2);
  const eps = step * 1e-9;
  const first = Math.ceil((lo - eps) / step);
  const last = Math.floor((hi + eps) / step);
  // a span too narrow for the doubles to tell ticks apart: label the two ends only
  if (!(last - first <= 4 * Math.max(1, target) + 10) || lo + step === lo || hi - step === hi) {
    const big0 = Math.max(Math.abs(lo), Math.abs(hi));
    return [{ value: lo, label: formatNumber(lo, big0) }, { value: hi, label: formatNumber(hi, big0) }];
  }
  const out: Tick[] = [];
  const big = Math.max(Math.abs(lo), Math.abs(hi));
  for (let i = first; i <= last; i++) {
    // Multiplying the integer index avoids accumulated float drift (0.30000000000000004).
    const v = i * step;
    out.push({ value: v, label: formatTick(v, step, big) });
  }
  return out;
}

const SUPERSCRIPT: Record<string, string> = {
  "-": "⁻", "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴",
  "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹",
};

/** "10⁻³" style label for a power of ten. */
export function powerOfTenLabel(exp: number): string {
  return "10" + [...String(exp)].map((c) => SUPERSCRIPT[c] ?? c).join("");
}

/**
 * Log-axis ticks: decades are labelled (thinned when there are many), the
 * 2..9 multiples become unlabelled minor ticks; within a narrow range the 2 and
 * 5 multiples get labels too so at least two labels are visible.
 */
export function logTicks(lo: number, hi: number, target: number): Tick[] {
  if (hi < lo) [lo, hi] = [hi, lo];
  lo = Math.max(lo, Number.MIN_VALUE);
  const e0 = Math.floor(Math.log10(lo));
  const e1 = Math.ceil(Math.log10(hi));
  const decades = e1 - e0;
  const every = Math.max(1, Math.ceil(decades / Math.max(1, target)));
  const narrow = decades <= 2;
  const inside = (v: number) => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9);
  const out: Tick[] = [];
  for (let e = e0; e <= e1; e++) {
    const base = Math.pow(10, e);
    for (let m = 1; m <= 9; m++) {
      const v = m * base;
      if (!inside(v)) continue;
      if (m === 1 && e % every === 0) out.push({ value: v, label: powerOfTenLabel(e) });
      else if (narrow && (m === 2 || m === 5)) out.push({ value: v, label: formatNumber(v, v) });
      else if (every === 1) out.push({ value: v, label: "", minor: true });
    }
  }
  // Too few labels (range of about one decade): label the 2 and 5 multiples,
  // and if that is still not enough, every integer multiple.
  const labelled = (ts: Tick[]) => ts.filter((t) => t.label).length;
  const relabel = (ts: Tick[], pick: (m: number) => boolean) =>
    ts.map((t) => {
      const m = Math.round(t.value / Math.pow(10, Math.floor(Math.log10(t.value) + 1e-9)));
      return t.label || !pick(m) ? t : { value: t.value, label: formatNumber(t.value, t.value) };
    });
  let res = out;
  if (labelled(res) < 3) res = relabel(res, (m) => m === 2 || m === 5);
  if (labelled(res) < 3) res = relabel(res, () => true);
  return res;
}

/** Tick label: as many decimals as the step needs, exponent form for extreme magnitudes. */
export function formatTick(v: number, step: number, magnitude: number): string {
  if (Math.abs(v) < step * 1e-6) return "0";
  if (magnitude >= 1e5 || magnitude < 1e-3) return formatExp(v, step);
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toFixed(decimals);
}

function formatExp(v: number, step: number): string {
  const exp = Math.floor(Math.log10(Math.abs(v)));
  const digits = Math.max(0, exp - Math.floor(Math.log10(step) + 1e-9));
  const [mant, e] = v.toExponential(Math.min(digits, 6)).split("e");
  const m = mant.includes(".") ? mant.replace(/0+$/, "").replace(/\.$/, "") : mant;
  return `${m}e${Number(e)}`;
}

/**
 * Short human-readable number with precision relative to `scale`.
 *
 * @example
 * formatNumber(0.12345, 1); // "0.123"
 */
export function formatNumber(v: number, scale = Math.abs(v)): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const s = Math.abs(scale) || Math.abs(v);
  if (s >= 1e5 || s < 1e-3) return formatExp(v, s / 100);
  const decimals = Math.max(0, 2 - Math.floor(Math.log10(s)));
  const out = v.toFixed(Math.min(decimals, 6));
  return out.includes(".") ? out.replace(/0+$/, "").replace(/\.$/, "") : out;
}

/**
 * A range an axis can draw: finite ends in increasing order, a finite span, and a span wide
 * enough for ticks to be told apart (at least a billionth of the values' magnitude; a narrower
 * one is widened around its middle). Log ranges stay positive and within 10^±300.
 *
 * @example
 * drawableRange([0.5, 0.5000000000000001]); // [0.45, 0.55]
 * drawableRange([-Infinity, 1]); // [-1.797e308, 1]
 */
export function drawableRange(r: readonly [number, number], log = false): [number, number] {
  let [lo, hi] = r;
  if (Number.isNaN(lo) || Number.isNaN(hi)) return log ? [1, 10] : [0, 1];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (log) {
    let a = Math.log10(Math.max(lo, 1e-300));
    let b = Math.log10(Math.min(Math.max(hi, 1e-300), 1e300));
    a = Math.min(Math.max(a, -300), 300);
    b = Math.min(Math.max(b, -300), 300);
    if (!(b - a >= 1e-9)) {
      const m = (a + b) / 2;
      [a, b] = [Math.max(-300, m - 0.5), Math.min(300, m + 0.5)];
    }
    return [Math.pow(10, a), Math.pow(10, b)];
  }
  // the ends stay finite; spans are measured in halves (see Scale.map), so ±MAX_VALUE works
  lo = Math.min(Math.max(lo, -Number.MAX_VALUE), Number.MAX_VALUE);
  hi = Math.min(Math.max(hi, -Number.MAX_VALUE), Number.MAX_VALUE);
  const mag = Math.max(Math.abs(lo), Math.abs(hi));
  if (!(hi / 2 - lo / 2 >= mag * 0.5e-9) || hi === lo) {
    const mid = lo / 2 + hi / 2;
    const half = Math.abs(mid) * 0.1 || 1;
    return [mid - half, mid + half];
  }
  return [lo, hi];
}

/** Min/max of the finite values (log scales skip non-positive ones). */
export function extent(values: Iterable<number>, positiveOnly = false): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (positiveOnly && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}
