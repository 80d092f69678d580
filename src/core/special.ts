// Special functions with float64 accuracy (the derivative checks compare against finite
// differences in float64, so an approximation good to 1e-7 would not do).

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/**
 * erf(x). For |x| < 3 the series erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)),
 * whose terms are all positive (no cancellation); beyond, 1 − erfc(x) with erfc's continued fraction.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  // erf(±∞) = ±1; the continued fraction would give ∞/∞ there
  if (!Number.isFinite(x)) return x > 0 ? 1 : -1;
  const ax = Math.abs(x);
  if (ax < 3) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }
  // erfc(6) ≈ 2.2e-17 is below half an ulp of 1, so erf is ±1 to the last bit from here on; this
  // also keeps ±Infinity out of the continued fraction, where ∞·0 would give NaN
  if (ax >= 6) return x < 0 ? -1 : 1;
  const r = 1 - erfcLarge(ax);
  return x < 0 ? -r : r;
}

// erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))) for x ≥ 3, by modified Lentz.
function erfcLarge(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? tiny : d;
    c = x + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}
