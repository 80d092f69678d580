// Strided iteration for elementwise kernels: walks an output shape in row-major order while
// tracking one source offset per operand, with the innermost dimension as a tight loop.

/** Calls `inner(outStart, len, offs, innerStrides)` once per innermost row of `shape`. */
export function forEachRow(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  offsets: readonly number[],
  inner: (outStart: number, len: number, offs: number[], innerStrides: number[]) => void,
): void {
  const rank = shape.length;
  const nOps = strides.length;
  if (rank === 0) {
    inner(0, 1, [...offsets], new Array<number>(nOps).fill(0));
    return;
  }
  // Merge trailing dims that are contiguous for every operand, so common cases get long rows.
  let len = shape[rank - 1];
  let d = rank - 1;
  const innerStrides = strides.map((s) => s[rank - 1]);
  // Dim d-1 joins the run [d, rank) when every operand steps over it exactly as if the run
  // continued: stride[d-1] = stride[d] * shape[d] (this also merges broadcast dims, stride 0).
  while (d > 0) {
    let ok = true;
    for (let k = 0; k < nOps; k++) if (strides[k][d - 1] !== strides[k][d] * shape[d]) ok = false;
    if (!ok) break;
    d--;
    len *= shape[d];
  }
  let total = 1;
  for (let i = 0; i < d; i++) total *= shape[i];
  if (len === 0 || total === 0) return;
  const idx = new Array<number>(d).fill(0);
  const offs = [...offsets];
  let out = 0;
  for (let r = 0; r < total; r++) {
    inner(out, len, offs, innerStrides);
    out += len;
    // odometer over the outer dims [0, d)
    for (let k = d - 1; k >= 0; k--) {
      idx[k]++;
      for (let o = 0; o < nOps; o++) offs[o] += strides[o][k];
      if (idx[k] < shape[k]) break;
      for (let o = 0; o < nOps; o++) offs[o] -= strides[o][k] * shape[k];
      idx[k] = 0;
    }
  }
}

