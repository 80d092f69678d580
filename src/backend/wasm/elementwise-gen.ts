/**
 * Generator for the elementwise, reduction, softmax and optimizer kernels.
 *
 * Every kernel walks contiguous float32 rows: full f32x4 vectors first, then
 * the remaining 0-3 elements one at a time through the same vector code
 * (splat-load, compute, store lane 0), so an element's result never depends
 * on its position in the array. Output may alias an input exactly (in-place),
 * never partially.
 */
import { F32, Fn, I32, ModuleBuilder, V128, type ValType } from './emitter.js';
import { emitExp, emitLog, emitSigmoid, emitTanh } from './vecmath.js';

export const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'max', 'min'] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

export const UNARY_OPS = ['exp', 'log', 'tanh', 'sigmoid', 'relu', 'neg', 'abs', 'sqrt'] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

/** Backward helpers: (x or y, dy) -> dx. */
export const GRAD_OPS = ['relu_grad', 'tanh_grad', 'sigmoid_grad'] as const;
export type GradOp = (typeof GRAD_OPS)[number];

type Load = (i: number) => void;
type Store = (i: number, value: () => void) => void;

/**
 * Loop over `count` elements (local, consumed) with the byte pointers in
 * `ptrs` advancing together by 4 bytes per element. `body` is generated twice:
 * once with 4-lane loads/stores, once for the scalar tail.
 */
function emitRow(f: Fn, count: number, ptrs: number[], body: (load: Load, store: Store) => void): void {
  const vecLoad: Load = (i) => f.get(ptrs[i]).mem('v128.load');
  const vecStore: Store = (i, value) => {
    f.get(ptrs[i]);
    value();
    f.mem('v128.store');
  };
  const tailLoad: Load = (i) => f.get(ptrs[i]).mem('v128.load32_splat');
  const tailStore: Store = (i, value) => {
    f.get(ptrs[i]);
    value();
    f.lane('f32x4.extract_lane', 0).mem('f32.store');
  };
  f.whileLoop(() => f.get(count).i32(4).op('i32.ge_s'), () => {
    body(vecLoad, vecStore);
    for (const p of ptrs) f.addTo(p, 16);
    f.addTo(count, -4);
  });
  f.whileLoop(() => f.get(count).i32(0).op('i32.gt_s'), () => {
    body(tailLoad, tailStore);
    for (const p of ptrs) f.addTo(p, 4);
    f.addTo(count, -1);
  });
}

function binaryOp(f: Fn, op: BinaryOp): void {
  f.op(`f32x4.${op}`);
}

/** Leaves op(x) on the stack, x being a v128 local. */
function unaryOp(f: Fn, op: UnaryOp, x: number): void {
  switch (op) {
    case 'exp': return emitExp(f, x);
    case 'log': return emitLog(f, x);
    case 'tanh': return emitTanh(f, x);
    case 'sigmoid': return emitSigmoid(f, x);
    case 'relu':
      // max(x, 0) but NaN-propagating like Math.max.
      f.get(x).f32x4(0).op('f32x4.max');
      return;
    case 'neg': f.get(x).op('f32x4.neg'); return;
    case 'abs': f.get(x).op('f32x4.abs'); return;
    case 'sqrt': f.get(x).op('f32x4.sqrt'); return;
  }
}

/** Leaves the input gradient on the stack given the forward value x/y and dy. */
function gradOp(f: Fn, op: GradOp, x: number, dy: number): void {
  switch (op) {
    case 'relu_grad':
      // dy where x > 0, else 0 (mask AND keeps the bits of dy).
      f.get(dy).get(x).f32x4(0).op('f32x4.gt').op('v128.and');
      return;
    case 'tanh_grad':
      // dy · (1 − y²)
      f.get(dy).f32x4(1).get(x).get(x).op('f32x4.mul').op('f32x4.sub').op('f32x4.mul');
      return;
    case 'sigmoid_grad':
      // dy · y · (1 − y)
      f.get(dy).get(x).op('f32x4.mul').f32x4(1).get(x).op('f32x4.sub').op('f32x4.mul');
      return;
  }
}

/** Horizontal reduction of a v128 local into an f32: (l0 ∘ l1) ∘ (l2 ∘ l3). */
function horizontal(f: Fn, v: number, op: 'f32.add' | 'f32.max'): void {
  f.get(v).lane('f32x4.extract_lane', 0).get(v).lane('f32x4.extract_lane', 1).op(op);
  f.get(v).lane('f32x4.extract_lane', 2).get(v).lane('f32x4.extract_lane', 3).op(op);
  f.op(op);
}

/**
 * Reduction of `count` contiguous floats at the local pointer `p` (advanced)
 * into an f32 left on the stack: two vector accumulators over blocks of 8,
 * one more block of 4, horizontal combine, then the tail in order.
 */
function emitRowReduce(f: Fn, p: number, count: number, kind: 'sum' | 'max'): void {
  const vop = kind === 'sum' ? 'f32x4.add' : 'f32x4.max';
  const sop = kind === 'sum' ? 'f32.add' : 'f32.max';
  const init = kind === 'sum' ? 0 : -Infinity;
  const a0 = f.local(V128), a1 = f.local(V128), s = f.local(F32);
  f.f32x4(init).set(a0);
  f.f32x4(init).set(a1);
  f.whileLoop(() => f.get(count).i32(8).op('i32.ge_s'), () => {
    f.get(a0).get(p).mem('v128.load').op(vop).set(a0);
    f.get(a1).get(p).mem('v128.load', 16).op(vop).set(a1);
    f.addTo(p, 32).addTo(count, -8);
  });
  f.get(count).i32(4).op('i32.ge_s').if(() => {
    f.get(a0).get(p).mem('v128.load').op(vop).set(a0);
    f.addTo(p, 16).addTo(count, -4);
  });
  f.get(a0).get(a1).op(vop).set(a0);
  horizontal(f, a0, sop);
  f.set(s);
  f.whileLoop(() => f.get(count).i32(0).op('i32.gt_s'), () => {
    f.get(s).get(p).mem('f32.load').op(sop).set(s);
    f.addTo(p, 4).addTo(count, -1);
  });
  f.get(s);
}

/** Rows of at most this many columns take softmax's transposed path (`emitShortRows`). */
export const SHORT_ROW = 7;

/**
 * Softmax (or log-softmax) of the leading rows in groups of four when `cols` ≤ SHORT_ROW, one
 * row per lane: column j of the four rows is gathered into one vector, so each exponential and
 * the log serve four rows, with no horizontal reductions. The arithmetic is the row-at-a-time
 * kernel's, lane by lane: the max (order does not matter), the exponentials of x − max, the sum
 * in the same order (four lane accumulators over blocks of four columns, combined as
 * (a₀ + a₁) + (a₂ + a₃), then the tail from zero in column order), log(sum) + max, then x − lse
 * (or e / sum), so each row's bits are the same on either path. Leaves `x`, `out` and `rows`
 * at the rows still to do (fewer than four, or all of them for longer rows).
 */
function emitShortRows(f: Fn, rows: number, cols: number, x: number, out: number, logOut: boolean): void {
  const p = [0, 1, 2, 3].map(() => f.local(I32));
  const q = [0, 1, 2, 3].map(() => f.local(I32));
  const cnt = f.local(I32), rb = f.local(I32);
  const c = f.local(V128), m = f.local(V128), e = f.local(V128), t = f.local(V128), sum = f.local(V128), lse = f.local(V128);
  const acc = [0, 1, 2, 3].map(() => f.local(V128));
  // the four rows' pointers (p into x, q into out) at column 0
  const start = () => {
    for (let l = 0; l < 4; l++) {
      f.get(x).get(rb).i32(l).op('i32.mul').op('i32.add').set(p[l]);
      f.get(out).get(rb).i32(l).op('i32.mul').op('i32.add').set(q[l]);
    }
    f.get(cols).set(cnt);
  };
  const step = (ptrs: number[], bytes: number) => {
    for (const r of ptrs) f.addTo(r, bytes);
  };
  // column `k` (from the pointers) of the four rows into `into`
  const gather = (ptrs: number[], into: number, k = 0) => {
    f.get(ptrs[0]).mem('v128.load32_splat', 4 * k);
    for (let l = 1; l < 4; l++) {
      f.set(into);
      f.get(ptrs[l]).get(into).memLane('v128.load32_lane', 4 * k, l);
    }
    f.set(into);
  };
  const scatter = (from: number, k = 0) => {
    for (let l = 0; l < 4; l++) f.get(q[l]).get(from).memLane('v128.store32_lane', 4 * k, l);
  };
  // Rows of exactly four (a four-class classifier's logits): the four rows are loaded whole and
  // transposed with shuffles instead of gathered lane by lane, three times over; the same
  // operations in the same order follow, so each row keeps its bits.
  const r = [0, 1, 2, 3].map(() => f.local(V128));
  const col = [0, 1, 2, 3].map(() => f.local(V128));
  const transpose = (from: number[], to: number[]) => {
    f.get(from[0]).get(from[1]).shuffle32(0, 4, 1, 5).set(to[0]);
    f.get(from[0]).get(from[1]).shuffle32(2, 6, 3, 7).set(to[1]);
    f.get(from[2]).get(from[3]).shuffle32(0, 4, 1, 5).set(to[2]);
    f.get(from[2]).get(from[3]).shuffle32(2, 6, 3, 7).set(to[3]);
    f.get(to[0]).get(to[2]).shuffle32(0, 1, 4, 5).set(from[0]);
    f.get(to[0]).get(to[2]).shuffle32(2, 3, 6, 7).set(from[1]);
    f.get(to[1]).get(to[3]).shuffle32(0, 1, 4, 5).set(from[2]);
    f.get(to[1]).get(to[3]).shuffle32(2, 3, 6, 7).set(from[3]);
  };
  f.get(cols).i32(4).op('i32.eq').if(() => {
    f.whileLoop(() => f.get(rows).i32(4).op('i32.ge_s'), () => {
      for (let l = 0; l < 4; l++) f.get(x).mem('v128.load', 16 * l).set(r[l]);
      transpose(r, col); // r now holds column l of the four rows in r[l]
      f.f32x4(-Infinity).set(m);
      for (let k = 0; k < 4; k++) f.get(m).get(r[k]).op('f32x4.max').set(m);
      for (let k = 0; k < 4; k++) {
        f.get(r[k]).get(m).op('f32x4.sub').set(c);
        emitExp(f, c);
        f.set(acc[k]);
      }
      f.f32x4(0).get(acc[0]).op('f32x4.add').f32x4(0).get(acc[1]).op('f32x4.add').op('f32x4.add');
      f.f32x4(0).get(acc[2]).op('f32x4.add').f32x4(0).get(acc[3]).op('f32x4.add').op('f32x4.add').op('f32x4.add');
      f.f32x4(0).op('f32x4.add').set(sum);
      if (logOut) {
        emitLog(f, sum);
        f.get(m).op('f32x4.add').set(lse);
        for (let k = 0; k < 4; k++) f.get(r[k]).get(lse).op('f32x4.sub').set(r[k]);
      } else for (let k = 0; k < 4; k++) f.get(acc[k]).get(sum).op('f32x4.div').set(r[k]);
      transpose(r, col); // back to rows
      for (let l = 0; l < 4; l++) f.get(out).get(r[l]).mem('v128.store', 16 * l);
      f.addTo(x, 64).addTo(out, 64).addTo(rows, -4);
    });
  });
  f.get(cols).i32(SHORT_ROW).op('i32.le_s').get(cols).i32(0).op('i32.gt_s').op('i32.and').if(() => {
    f.get(cols).i32(4).op('i32.mul').set(rb);
    f.whileLoop(() => f.get(rows).i32(4).op('i32.ge_s'), () => {
      // max
      start();
      f.f32x4(-Infinity).set(m);
      f.whileLoop(() => f.get(cnt).i32(0).op('i32.gt_s'), () => {
        gather(p, c);
        f.get(m).get(c).op('f32x4.max').set(m);
        step(p, 4);
        f.addTo(cnt, -1);
      });
      // Σ e^{x − max}: blocks of four columns into four accumulators, then the tail
      start();
      for (const a of acc) f.f32x4(0).set(a);
      const exp = (k: number) => {
        gather(p, c, k);
        f.get(c).get(m).op('f32x4.sub').set(c);
        emitExp(f, c);
        f.set(e);
        if (!logOut) scatter(e, k);
      };
      f.whileLoop(() => f.get(cnt).i32(4).op('i32.ge_s'), () => {
        for (let k = 0; k < 4; k++) {
          exp(k);
          f.get(acc[k]).get(e).op('f32x4.add').set(acc[k]);
        }
        step(p, 16);
        step(q, 16);
        f.addTo(cnt, -4);
      });
      f.f32x4(0).set(t);
      f.whileLoop(() => f.get(cnt).i32(0).op('i32.gt_s'), () => {
        exp(0);
        f.get(t).get(e).op('f32x4.add').set(t);
        step(p, 4);
        step(q, 4);
        f.addTo(cnt, -1);
      });
      f.get(acc[0]).get(acc[1]).op('f32x4.add').get(acc[2]).get(acc[3]).op('f32x4.add').op('f32x4.add');
      f.get(t).op('f32x4.add').set(sum);
      // the results
      start();
      if (logOut) {
        emitLog(f, sum);
        f.get(m).op('f32x4.add').set(lse);
      }
      f.whileLoop(() => f.get(cnt).i32(0).op('i32.gt_s'), () => {
        if (logOut) {
          gather(p, c);
          f.get(c).get(lse).op('f32x4.sub').set(c);
        } else {
          gather(q, c);
          f.get(c).get(sum).op('f32x4.div').set(c);
        }
        scatter(c);
        step(p, 4);
        step(q, 4);
        f.addTo(cnt, -1);
      });
      f.get(x).get(rb).i32(4).op('i32.mul').op('i32.add').set(x);
      f.get(out).get(rb).i32(4).op('i32.mul').op('i32.add').set(out);
      f.addTo(rows, -4);
    });
  });
}

export function emitElementwise(mb: ModuleBuilder, opt: { shared: boolean } = { shared: false }): void {
  const P = (n: number): ValType[] => Array.from({ length: n }, () => I32);

  // bin_<op>_<ai><bi>(rows, cols, a, aRowStride, b, bRowStride, out):
  // out[i, j] = a[i·as + j·ai] op b[i·bs + j·bi] (strides in bytes, ai/bi ∈ {0,1}
  // selects a contiguous row or a per-row scalar); out is a contiguous [rows, cols].
  for (const op of BINARY_OPS) {
    for (const ai of [0, 1]) {
      for (const bi of [0, 1]) {
        mb.func(P(7), [], (f) => {
          const [rows, cols, a, as, b, bs, out] = [0, 1, 2, 3, 4, 5, 6];
          const i = f.local(I32), cnt = f.local(I32), pa = f.local(I32), pb = f.local(I32);
          const va = f.local(V128), vb = f.local(V128);
          f.forLoop(i, () => f.i32(0), () => f.get(rows), 1, () => {
            f.get(a).get(i).get(as).op('i32.mul').op('i32.add').set(pa);
            f.get(b).get(i).get(bs).op('i32.mul').op('i32.add').set(pb);
            if (!ai) f.get(pa).mem('v128.load32_splat').set(va);
            if (!bi) f.get(pb).mem('v128.load32_splat').set(vb);
            f.get(cols).set(cnt);
            const ptrs = [out];
            if (ai) ptrs.push(pa);
            if (bi) ptrs.push(pb);
            emitRow(f, cnt, ptrs, (load, store) => {
              store(0, () => {
                if (ai) load(1);
                else f.get(va);
                if (bi) load(ai ? 2 : 1);
                else f.get(vb);
                binaryOp(f, op);
              });
            });
          });
        }, `bin_${op}_${ai}${bi}`);
      }
    }
  }

  // un_<op>(n, x, out)
  for (const op of UNARY_OPS) {
    mb.func(P(3), [], (f) => {
      const [n, x, out] = [0, 1, 2];
      const v = f.local(V128);
      emitRow(f, n, [x, out], (load, store) => {
        load(0);
        f.set(v);
        store(1, () => unaryOp(f, op, v));
      });
    }, `un_${op}`);
  }

  // <grad>(n, x, dy, out)
  for (const op of GRAD_OPS) {
    mb.func(P(4), [], (f) => {
      const [n, x, dy, out] = [0, 1, 2, 3];
      const vx = f.local(V128), vd = f.local(V128);
      emitRow(f, n, [x, dy, out], (load, store) => {
        load(0);
        f.set(vx);
        load(1);
        f.set(vd);
        store(2, () => gradOp(f, op, vx, vd));
      });
    }, op);
  }

  // fill(n, value, out)
  mb.func([I32, F32, I32], [], (f) => {
    const [n, value, out] = [0, 1, 2];
    const v = f.local(V128);
    f.get(value).op('f32x4.splat').set(v);
    emitRow(f, n, [out], (_load, store) => store(0, () => f.get(v)));
  }, 'fill');

  // axpy(n, alpha, x, y): y += alpha · x (multiply then add, unfused)
  mb.func([I32, F32, I32, I32], [], (f) => {
    const [n, alpha, x, y] = [0, 1, 2, 3];
    const va = f.local(V128);
    f.get(alpha).op('f32x4.splat').set(va);
    emitRow(f, n, [x, y], (load, store) => {
      store(1, () => {
        load(1);
        f.get(va);
        load(0);
        f.op('f32x4.mul').op('f32x4.add');
      });
    });
  }, 'axpy');

  // reduce_last_<kind>(outer, r, x, out): out[o] = reduce_j x[o, j]
  for (const kind of ['sum', 'max'] as const) {
    mb.func(P(4), [], (f) => {
      const [outer, r, x, out] = [0, 1, 2, 3];
      const o = f.local(I32), cnt = f.local(I32);
      f.forLoop(o, () => f.i32(0), () => f.get(outer), 1, () => {
        f.get(r).set(cnt);
        f.get(out);
        emitRowReduce(f, x, cnt, kind);
        f.mem('f32.store');
        f.addTo(out, 4);
      });
    }, `reduce_last_${kind}`);
  }

  // reduce_mid_<kind>(outer, r, inner, x, out): out[o, j] = reduce_k x[o, k, j],
  // accumulated row by row in k order (vectorised across j).
  for (const kind of ['sum', 'max'] as const) {
    mb.func(P(5), [], (f) => {
      const [outer, r, inner, x, out] = [0, 1, 2, 3, 4];
      const o = f.local(I32), kk = f.local(I32), cnt = f.local(I32), po = f.local(I32), v = f.local(V128);
      const vop = kind === 'sum' ? 'f32x4.add' : 'f32x4.max';
      f.forLoop(o, () => f.i32(0), () => f.get(outer), 1, () => {
        f.get(inner).set(cnt);
        f.get(out).set(po);
        emitRow(f, cnt, [po], (_l, store) => store(0, () => f.f32x4(kind === 'sum' ? 0 : -Infinity)));
        f.forLoop(kk, () => f.i32(0), () => f.get(r), 1, () => {
          f.get(inner).set(cnt);
          f.get(out).set(po);
          emitRow(f, cnt, [x, po], (load, store) => {
            load(1);
            f.set(v);
            store(1, () => {
              f.get(v);
              load(0);
              f.op(vop);
            });
          });
        });
        f.get(out).get(inner).i32(4).op('i32.mul').op('i32.add').set(out);
      });
    }, `reduce_mid_${kind}`);
  }

  // softmax(rows, cols, x, out) and log_softmax over the last axis:
  // y = e^{x − max} / Σ e^{x − max};  log y = x − max − log Σ e^{x − max}.
  // Short rows (a classifier's logits) are taken four at a time with one row per lane
  // (`emitShortRows`); the rest of the rows one at a time, four at a time for log-softmax so that
  // one vector log serves four rows. Every row gets the bits it would get alone: the grouping
  // only changes which lane computes it.
  const softmaxFns: number[] = [];
  for (const logOut of [false, true]) {
    softmaxFns.push(mb.func(P(4), [], (f) => {
      const [rows, cols, x, out] = [0, 1, 2, 3];
      emitShortRows(f, rows, cols, x, out, logOut);
      const i = f.local(I32), cnt = f.local(I32), p = f.local(I32), q = f.local(I32);
      const mx = f.local(V128), v = f.local(V128), e = f.local(V128), acc = f.local(V128), s = f.local(F32);
      const sv = f.local(V128), lse = f.local(V128), mxv = f.local(V128), x0 = f.local(I32);
      const tailSum = f.local(F32);
      const advance = (ptr: number) => f.get(ptr).get(cols).i32(4).op('i32.mul').op('i32.add').set(ptr);
      // the row at x: its max splat into mx, Σ e^{x − max} into s (the exponentials stored into out for softmax)
      const rowStats = () => {
        f.get(x).set(p);
        f.get(cols).set(cnt);
        emitRowReduce(f, p, cnt, 'max');
        f.op('f32x4.splat').set(mx);
        f.f32x4(0).set(acc);
        f.get(x).set(p);
        f.get(out).set(q);
        f.get(cols).set(cnt);
        f.f32(0).set(tailSum);
        // Vector part accumulates lane-wise, the scalar tail into tailSum.
        f.whileLoop(() => f.get(cnt).i32(4).op('i32.ge_s'), () => {
          f.get(p).mem('v128.load').get(mx).op('f32x4.sub').set(v);
          emitExp(f, v);
          f.set(e);
          if (!logOut) f.get(q).get(e).mem('v128.store');
          f.get(acc).get(e).op('f32x4.add').set(acc);
          f.addTo(p, 16).addTo(q, 16).addTo(cnt, -4);
        });
        f.whileLoop(() => f.get(cnt).i32(0).op('i32.gt_s'), () => {
          f.get(p).mem('v128.load32_splat').get(mx).op('f32x4.sub').set(v);
          emitExp(f, v);
          f.set(e);
          if (!logOut) f.get(q).get(e).lane('f32x4.extract_lane', 0).mem('f32.store');
          f.get(tailSum).get(e).lane('f32x4.extract_lane', 0).op('f32.add').set(tailSum);
          f.addTo(p, 4).addTo(q, 4).addTo(cnt, -1);
        });
        horizontal(f, acc, 'f32.add');
        f.get(tailSum).op('f32.add').set(s);
      };
      const nextRow = () => {
        advance(x);
        advance(out);
      };
      if (!logOut) {
        f.forLoop(i, () => f.i32(0), () => f.get(rows), 1, () => {
          rowStats();
          f.get(cols).set(cnt);
          f.get(s).op('f32x4.splat').set(sv);
          f.get(out).set(q);
          emitRow(f, cnt, [q], (load, store) => store(0, () => {
            load(0);
            f.get(sv).op('f32x4.div');
          }));
          nextRow();
        });
        return;
      }
      // up to four rows in a group (lane l for row i + l): max and sum of each, one log for all
      const inGroup = (l: number, body: () => void) => {
        if (l === 0) body();
        else f.get(i).i32(l).op('i32.add').get(rows).op('i32.lt_s').if(body);
      };
      f.forLoop(i, () => f.i32(0), () => f.get(rows), 4, () => {
        f.f32x4(1).set(sv);
        f.f32x4(0).set(mxv);
        f.get(x).set(x0);
        for (let l = 0; l < 4; l++)
          inGroup(l, () => {
            rowStats();
            f.get(sv).get(s).lane('f32x4.replace_lane', l).set(sv);
            f.get(mxv).get(mx).lane('f32x4.extract_lane', 0).lane('f32x4.replace_lane', l).set(mxv);
            advance(x);
          });
        emitLog(f, sv);
        f.get(mxv).op('f32x4.add').set(lse);
        f.get(x0).set(x);
        for (let l = 0; l < 4; l++)
          inGroup(l, () => {
            f.get(lse).lane('f32x4.extract_lane', l).op('f32x4.splat').set(v);
            f.get(cols).set(cnt);
            f.get(x).set(p);
            f.get(out).set(q);
            emitRow(f, cnt, [p, q], (load, store) => store(1, () => {
              load(0);
              f.get(v).op('f32x4.sub');
            }));
            nextRow();
          });
      });
    }, logOut ? 'log_softmax' : 'softmax'));
  }

  if (opt.shared) {
    // softmax_mt(args, tid): one participant of a softmax (or log-softmax) shared by the worker
    // threads. args (i32 words): [0] rows [1] cols [2] x [3] out [4] rows per chunk [5] chunk
    // counter [6] 1 for log-softmax [7] chunks. Chunks of whole rows are claimed from the
    // counter; a row's result does not depend on who computes it.
    mb.func([I32, I32], [], (f) => {
      const args = 0;
      const c = f.local(I32), lo = f.local(I32), n = f.local(I32), off = f.local(I32);
      f.block((done) => {
        f.loop((next) => {
          f.get(args).i32(1).mem('i32.atomic.rmw.add', 20).tee(c);
          f.get(args).mem('i32.load', 28).op('i32.ge_u').brIf(done);
          f.get(c).get(args).mem('i32.load', 16).op('i32.mul').set(lo);
          // n = min(rows per chunk, rows − lo)
          f.get(args).mem('i32.load', 16);
          f.get(args).mem('i32.load', 0).get(lo).op('i32.sub');
          f.get(args).mem('i32.load', 16);
          f.get(args).mem('i32.load', 0).get(lo).op('i32.sub');
          f.op('i32.lt_s').op('select').set(n);
          f.get(lo).get(args).mem('i32.load', 4).op('i32.mul').i32(4).op('i32.mul').set(off);
          const call = (fn: number) => () => {
            f.get(n).get(args).mem('i32.load', 4);
            f.get(args).mem('i32.load', 8).get(off).op('i32.add');
            f.get(args).mem('i32.load', 12).get(off).op('i32.add');
            f.call(fn);
          };
          f.get(args).mem('i32.load', 24).if(call(softmaxFns[1]), call(softmaxFns[0]));
          f.br(next);
        });
      });
    }, 'softmax_mt');
  }

  // adam(n, p, g, m, v, lr, b1, b2, eps, c1, c2) with c1 = 1/(1−b1^t), c2 = 1/(1−b2^t):
  //   m ← b1·m + (1−b1)·g;  v ← b2·v + (1−b2)·g²;  p ← p − lr·(m·c1)/(√(v·c2) + eps)
  mb.func([I32, I32, I32, I32, I32, F32, F32, F32, F32, F32, F32], [], (f) => {
    const [n, p, g, m, v, lr, b1, b2, eps, c1, c2] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const sp = (x: number) => {
      const l = f.local(V128);
      f.get(x).op('f32x4.splat').set(l);
      return l;
    };
    const vlr = sp(lr), vb1 = sp(b1), vb2 = sp(b2), veps = sp(eps), vc1 = sp(c1), vc2 = sp(c2);
    const omb1 = f.local(V128), omb2 = f.local(V128);
    f.f32x4(1).get(vb1).op('f32x4.sub').set(omb1);
    f.f32x4(1).get(vb2).op('f32x4.sub').set(omb2);
    const vg = f.local(V128), vm = f.local(V128), vv = f.local(V128);
    emitRow(f, n, [p, g, m, v], (load, store) => {
      load(1);
      f.set(vg);
      load(2);
      f.get(vb1).op('f32x4.mul').get(omb1).get(vg).op('f32x4.mul').op('f32x4.add').set(vm);
      load(3);
      f.get(vb2).op('f32x4.mul').get(omb2).get(vg).get(vg).op('f32x4.mul').op('f32x4.mul').op('f32x4.add').set(vv);
      store(2, () => f.get(vm));
      store(3, () => f.get(vv));
      store(0, () => {
        load(0);
        f.get(vlr).get(vm).get(vc1).op('f32x4.mul').op('f32x4.mul');
        f.get(vv).get(vc2).op('f32x4.mul').op('f32x4.sqrt').get(veps).op('f32x4.add');
        f.op('f32x4.div').op('f32x4.sub');
      });
    });
  }, 'adam');
}
