/**
 * Generator for the single-precision GEMM kernels.
 *
 * Algorithm (Goto/BLIS structure, specialised to 128-bit SIMD):
 *   C[i, j] (+)= Σ_k A[i, k] · B[k, j]
 * - B is packed once per call into panels of NR = 8 columns: panel p holds
 *   B[0..k, 8p..8p+8] as k rows of 8 contiguous floats (zero padded).
 * - A work item is a chunk of MC rows of C times a range of B panels; items
 *   are what threads claim. Inside an item, k is cut into super-blocks of KS:
 *   the MC×KS block of A may be packed into micro-panels of MR = 4 rows stored
 *   k-major (4 floats per k) so the micro-kernel reads it with one pointer.
 *   Then for each B panel, for each KC block of k, for each 4-row tile, the
 *   micro-kernel runs: the KC×8 B micro-panel stays in L1 across the row
 *   tiles and the MC×8 column of C stays in L1 across the k blocks.
 * - The micro-kernel keeps a 4×8 tile of C in 8 f32x4 accumulators and, per
 *   k, does 2 vector loads of B, 4 splat-loads of A and 8 multiply-adds.
 *   8 accumulators × 4-cycle FMA latency / 2 FMA pipes is exactly enough
 *   independent work; larger tiles, or unrolling k, spill V8's 16 vector
 *   registers (unrolling by 2 measured at half speed).
 *
 * Every C element is reduced over k in the same order (KC blocks in order, k
 * ascending inside a block, the partial sum carried in C between blocks)
 * whatever the thread split, so results do not depend on the number of
 * threads.
 *
 * All strides handed to the generated code are in bytes.
 */
import { Fn, I32, ModuleBuilder, V128 } from './emitter.js';

export const MR = 4;
export const NR = 8;
export const KC = 256;
export const MC = 64;
/** k extent of one packed A block (a multiple of KC). */
export const KS = 1024;

/** Field indices (i32 words) of the GEMM job descriptor in linear memory. */
export const D = {
  batch: 0, m: 1, n: 2, k: 3,
  a: 4, aBS: 5, rsA: 6, csA: 7,
  b: 8, bBS: 9, rsB: 10, csB: 11,
  c: 12, cBS: 13, ldc: 14,
  flags: 15,
  pb: 16, pbBS: 17,
  apack: 18, apackBytes: 19,
  counter: 20, npanels: 21, mchunks: 22, items: 23, panelsTotal: 24,
  nchunks: 25, pchunk: 26, pclaim: 27, packed: 28, errPtr: 29,
  groups: 30, groupsTotal: 31,
  size: 32,
} as const;

/**
 * B panels are packed (and claimed by threads) in groups of up to PG consecutive panels of one
 * batch entry, so that a row-major B is read PG·8 floats (two cache lines) at a time along each
 * of its rows instead of 8: at a row stride of kilobytes, reading one half line per row left the
 * packing waiting on memory.
 */
export const PG = 4;

export const FLAG_ACCUMULATE = 1;
export const FLAG_PACK_A = 2;

export interface GemmGenOptions {
  relaxed: boolean;
  shared: boolean;
  /** k-unrolling of the packed micro-kernel loop (default 1: with 2, V8 11.3 spills accumulators and runs at half speed). */
  unroll?: number;
  /** Blocking overrides for experiments (defaults KC, MC); the caller must use the same values. */
  kc?: number;
  mc?: number;
  ks?: number;
}

const KPARAMS = [I32, I32, I32, I32, I32, I32, I32, I32, I32] as const;

/**
 * Micro-kernel computing an mr × (4·nv) tile:
 *   (pa, aRowStride, aKStride, pb, kc, c, ldc, rem, load) -> ()
 * A element (r, kk) is read at pa + r·aRowStride + kk·aKStride, or, for the
 * packed variant, at pa + 4r + 16kk. B is a packed panel (32 bytes per k).
 * `rem` (1..4) is the number of valid lanes of the last vector of each row;
 * `load` selects C += A·B instead of C = A·B.
 */
function microkernel(mb: ModuleBuilder, mr: number, nv: number, packed: boolean, opt: GemmGenOptions): number {
  return mb.func(KPARAMS, [], (f) => {
    const [pa, ars, aks, pb, kc, c, ldc, rem, load] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
    const acc: number[][] = [];
    for (let r = 0; r < mr; r++) {
      acc.push([]);
      for (let v = 0; v < nv; v++) acc[r].push(f.local(V128));
    }
    const bv = Array.from({ length: nv }, () => f.local(V128));
    const av = f.local(V128);
    const cr = f.local(I32);
    const ptr = packed ? [] : Array.from({ length: mr }, () => f.local(I32));

    // Accumulator initialisation: from C or zero.
    f.get(load).if(
      () => {
        f.get(c).set(cr);
        for (let r = 0; r < mr; r++) {
          for (let v = 0; v < nv; v++) {
            const off = 16 * v;
            const full = () => f.get(cr).mem('v128.load', off).set(acc[r][v]);
            if (v < nv - 1) {
              full();
              continue;
            }
            f.get(rem).i32(4).op('i32.eq').if(full, () => {
              f.get(cr).mem('v128.load32_zero', off).set(acc[r][v]);
              for (let l = 1; l < 3; l++) {
                f.get(rem).i32(l).op('i32.gt_s').if(() => {
                  f.get(cr).get(acc[r][v]).memLane('v128.load32_lane', off + 4 * l, l).set(acc[r][v]);
                });
              }
            });
          }
          f.addTo(cr, () => f.get(ldc));
        }
      },
      () => {
        for (const row of acc) for (const x of row) f.i32x4(0).set(x);
      },
    );

    if (!packed) {
      for (let r = 0; r < mr; r++) {
        f.get(pa);
        if (r > 0) f.get(ars).i32(r).op('i32.mul').op('i32.add');
        f.set(ptr[r]);
      }
    }

    // One k step reading A at byte offset aOff and B at bOff from the current pointers.
    const step = (aOff: number, bOff: number) => {
      for (let v = 0; v < nv; v++) f.get(pb).mem('v128.load', bOff + 16 * v).set(bv[v]);
      for (let r = 0; r < mr; r++) {
        if (packed) f.get(pa).mem('v128.load32_splat', aOff + 4 * r);
        else f.get(ptr[r]).mem('v128.load32_splat');
        f.set(av);
        for (let v = 0; v < nv; v++) {
          if (opt.relaxed) {
            f.get(av).get(bv[v]).get(acc[r][v]).op('f32x4.relaxed_madd');
          } else {
            f.get(acc[r][v]).get(av).get(bv[v]).op('f32x4.mul').op('f32x4.add');
          }
          f.set(acc[r][v]);
        }
      }
    };
    const unroll = packed ? (opt.unroll ?? 1) : 1;
    if (unroll > 1) {
      // Unrolled main loop (fewer pointer/counter updates per multiply-add), then the rest.
      f.whileLoop(() => f.get(kc).i32(unroll).op('i32.ge_s'), () => {
        for (let u = 0; u < unroll; u++) step(16 * u, 32 * u);
        f.addTo(pa, 16 * unroll);
        f.addTo(pb, 32 * unroll);
        f.addTo(kc, -unroll);
      });
    }
    f.get(kc).i32(0).op('i32.gt_s').if(() => {
      f.loop((top) => {
        step(0, 0);
        if (packed) f.addTo(pa, 16);
        else for (let r = 0; r < mr; r++) f.addTo(ptr[r], () => f.get(aks));
        f.addTo(pb, 32);
        f.get(kc).i32(1).op('i32.sub').tee(kc).brIf(top);
      });
    });

    // Store the tile; the last vector of a row may be partial.
    f.get(c).set(cr);
    for (let r = 0; r < mr; r++) {
      for (let v = 0; v < nv; v++) {
        const off = 16 * v;
        const full = () => f.get(cr).get(acc[r][v]).mem('v128.store', off);
        if (v < nv - 1) {
          full();
          continue;
        }
        f.get(rem).i32(4).op('i32.eq').if(full, () => {
          f.get(cr).get(acc[r][v]).memLane('v128.store32_lane', off, 0);
          for (let l = 1; l < 3; l++) {
            f.get(rem).i32(l).op('i32.gt_s').if(() => {
              f.get(cr).get(acc[r][v]).memLane('v128.store32_lane', off + 4 * l, l);
            });
          }
        });
      }
      if (r < mr - 1) f.addTo(cr, () => f.get(ldc));
    }
  });
}

/**
 * 4×4 transpose of the vectors in locals r[0..3] using t[0..3] as scratch;
 * `store(i, value)` must emit the address, call value(), then the store.
 *   t0 = (r0.0 r1.0 r0.1 r1.1)  t1 = (r2.0 r3.0 r2.1 r3.1)
 *   t2 = (r0.2 r1.2 r0.3 r1.3)  t3 = (r2.2 r3.2 r2.3 r3.3)
 *   column 0 = (t0.0 t0.1 t1.0 t1.1), column 1 = (t0.2 t0.3 t1.2 t1.3), ...
 */
function transpose4(f: Fn, r: number[], t: number[], store: (i: number, value: () => void) => void): void {
  f.get(r[0]).get(r[1]).shuffle32(0, 4, 1, 5).set(t[0]);
  f.get(r[2]).get(r[3]).shuffle32(0, 4, 1, 5).set(t[1]);
  f.get(r[0]).get(r[1]).shuffle32(2, 6, 3, 7).set(t[2]);
  f.get(r[2]).get(r[3]).shuffle32(2, 6, 3, 7).set(t[3]);
  store(0, () => f.get(t[0]).get(t[1]).shuffle32(0, 1, 4, 5));
  store(1, () => f.get(t[0]).get(t[1]).shuffle32(2, 3, 6, 7));
  store(2, () => f.get(t[2]).get(t[3]).shuffle32(0, 1, 4, 5));
  store(3, () => f.get(t[2]).get(t[3]).shuffle32(2, 3, 6, 7));
}

/**
 * pack_a(a, rs, cs, rows, kc, dst): packs the rows × kc block of A whose
 * element (i, kk) is at a + i·rs + kk·cs into micro-panels of 4 rows:
 * element (i, kk) goes to dst + (i/4)·kc·16 + kk·16 + (i%4)·4.
 */
function packA(mb: ModuleBuilder): number {
  return mb.func([I32, I32, I32, I32, I32, I32], [], (f) => {
    const [a, rs, cs, rows, kc, dst] = [0, 1, 2, 3, 4, 5];
    const i = f.local(I32), kk = f.local(I32), nr = f.local(I32), r = f.local(I32);
    const s = [f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
    const d = f.local(I32), src = f.local(I32), out = f.local(I32), istart = f.local(I32);
    const rv = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
    const tv = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];

    // Scalar copy of k positions [kk, kc) for rows [0, nr) of the current micro-panel.
    const scalarTail = () => {
      f.whileLoop(() => f.get(kk).get(kc).op('i32.lt_s'), () => {
        f.forLoop(r, () => f.i32(0), () => f.get(nr), 1, () => {
          f.get(d).get(kk).i32(16).op('i32.mul').op('i32.add').get(r).i32(4).op('i32.mul').op('i32.add');
          f.get(src).get(r).get(rs).op('i32.mul').op('i32.add').get(kk).get(cs).op('i32.mul').op('i32.add');
          f.mem('f32.load').mem('f32.store');
        });
        f.addTo(kk, 1);
      });
    };

    // Transposed storage (rs = 4): the 4 rows of a micro-panel at one k are
    // already contiguous. Walk k outermost so each source row of Aᵀ is read
    // sequentially, writing one vector into every full micro-panel.
    f.i32(0).set(istart);
    f.get(rs).i32(4).op('i32.eq').if(() => {
      f.get(rows).i32(-MR).op('i32.and').set(istart);
      f.forLoop(kk, () => f.i32(0), () => f.get(kc), 1, () => {
        f.get(a).get(kk).get(cs).op('i32.mul').op('i32.add').set(src);
        f.get(dst).get(kk).i32(16).op('i32.mul').op('i32.add').set(d);
        f.forLoop(i, () => f.i32(0), () => f.get(istart), MR, () => {
          f.get(d).get(src).mem('v128.load').mem('v128.store');
          f.addTo(src, 16);
          f.addTo(d, () => f.get(kc).i32(16).op('i32.mul'));
        });
      });
    });

    f.forLoop(i, () => f.get(istart), () => f.get(rows), MR, () => {
      f.get(rows).get(i).op('i32.sub').set(nr);
      f.i32(MR).get(nr).get(nr).i32(MR).op('i32.gt_s').op('select').set(nr);
      f.get(a).get(i).get(rs).op('i32.mul').op('i32.add').set(src);
      f.get(dst).get(i).get(kc).op('i32.mul').i32(4).op('i32.mul').op('i32.add').set(d);
      f.i32(0).set(kk);
      f.get(nr).i32(MR).op('i32.eq').get(cs).i32(4).op('i32.eq').op('i32.and').if(() => {
        // Rows contiguous along k: load 4×4 blocks and transpose.
        for (let q = 0; q < 4; q++) f.get(src).get(rs).i32(q).op('i32.mul').op('i32.add').set(s[q]);
        f.whileLoop(() => f.get(kk).i32(4).op('i32.add').get(kc).op('i32.le_s'), () => {
          for (let q = 0; q < 4; q++) f.get(s[q]).mem('v128.load').set(rv[q]);
          f.get(d).get(kk).i32(16).op('i32.mul').op('i32.add').set(out);
          transpose4(f, rv, tv, (t, value) => {
            f.get(out);
            value();
            f.mem('v128.store', 16 * t);
          });
          for (let q = 0; q < 4; q++) f.addTo(s[q], 16);
          f.addTo(kk, 4);
        });
        scalarTail();
      }, scalarTail);
    });
  }, 'pack_a');
}

/**
 * pack_b_panel(b, rs, cs, k, cols, dst): packs B[0..k, 0..cols] (cols ≤ 8),
 * element (kk, j) at b + kk·rs + j·cs, into dst as k rows of 8 floats,
 * zero-filling columns ≥ cols.
 */
function packBPanel(mb: ModuleBuilder): number {
  return mb.func([I32, I32, I32, I32, I32, I32], [], (f) => {
    const [b, rs, cs, k, cols, dst] = [0, 1, 2, 3, 4, 5];
    const kk = f.local(I32), j = f.local(I32), s = f.local(I32), d = f.local(I32);
    const q = Array.from({ length: 8 }, () => f.local(I32));
    const rv = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
    const tv = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
    f.i32(0).set(kk);
    f.get(b).set(s);
    f.get(dst).set(d);

    const generic = () => {
      f.whileLoop(() => f.get(kk).get(k).op('i32.lt_s'), () => {
        f.get(d).i32x4(0).mem('v128.store');
        f.get(d).i32x4(0).mem('v128.store', 16);
        f.forLoop(j, () => f.i32(0), () => f.get(cols), 1, () => {
          f.get(d).get(j).i32(4).op('i32.mul').op('i32.add');
          f.get(b).get(kk).get(rs).op('i32.mul').op('i32.add').get(j).get(cs).op('i32.mul').op('i32.add');
          f.mem('f32.load').mem('f32.store');
        });
        f.addTo(d, 32);
        f.addTo(kk, 1);
      });
    };

    f.get(cols).i32(NR).op('i32.eq').get(cs).i32(4).op('i32.eq').op('i32.and').if(() => {
      // Row-major B: each k row of the panel is 8 contiguous floats.
      f.whileLoop(() => f.get(kk).get(k).op('i32.lt_s'), () => {
        f.get(d).get(s).mem('v128.load').mem('v128.store');
        f.get(d).get(s).mem('v128.load', 16).mem('v128.store', 16);
        f.addTo(s, () => f.get(rs));
        f.addTo(d, 32);
        f.addTo(kk, 1);
      });
    }, () => {
      f.get(cols).i32(NR).op('i32.eq').get(rs).i32(4).op('i32.eq').op('i32.and').if(() => {
        // Transposed B: column j is contiguous along k; transpose 4×4 blocks.
        for (let c = 0; c < 8; c++) f.get(b).get(cs).i32(c).op('i32.mul').op('i32.add').set(q[c]);
        f.whileLoop(() => f.get(kk).i32(4).op('i32.add').get(k).op('i32.le_s'), () => {
          for (let h = 0; h < 2; h++) {
            for (let c = 0; c < 4; c++) f.get(q[4 * h + c]).mem('v128.load').set(rv[c]);
            transpose4(f, rv, tv, (t, value) => {
              f.get(d);
              value();
              f.mem('v128.store', 32 * t + 16 * h);
            });
          }
          for (let c = 0; c < 8; c++) f.addTo(q[c], 16);
          f.addTo(d, 128);
          f.addTo(kk, 4);
        });
        generic();
      }, generic);
    });
  }, 'pack_b_panel');
}

/**
 * pack_b_rows(b, rs, k, dst, pstride): packs PG full panels of a row-major B (element (kk, j) at
 * b + kk·rs + 4j, j < 8·PG): panel p goes to dst + p·pstride as k rows of 8 floats.
 */
function packBRows(mb: ModuleBuilder): number {
  return mb.func([I32, I32, I32, I32, I32], [], (f) => {
    const [b, rs, k, dst, pstride] = [0, 1, 2, 3, 4];
    const kk = f.local(I32);
    const d = Array.from({ length: PG }, () => f.local(I32));
    for (let p = 0; p < PG; p++) f.get(dst).get(pstride).i32(p).op('i32.mul').op('i32.add').set(d[p]);
    f.forLoop(kk, () => f.i32(0), () => f.get(k), 1, () => {
      for (let p = 0; p < PG; p++) {
        f.get(d[p]).get(b).mem('v128.load', 32 * p).mem('v128.store');
        f.get(d[p]).get(b).mem('v128.load', 32 * p + 16).mem('v128.store', 16);
        f.addTo(d[p], 32);
      }
      f.addTo(b, () => f.get(rs));
    });
  });
}

export interface GemmFunctions {
  packBRange: number;
  compute: number;
}

/**
 * sgemm_small(m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, load): C (+)= A·B read in place
 * (byte strides), for products too small to repay packing B and the job descriptor (a
 * classifier's 64×16×2 layer: 0.8 µs packed). Tiles of four rows (then single rows) by two
 * vectors of eight columns while a contiguous B has them, then by one vector of four columns, the
 * last vector of a row possibly partial (lanes loaded and stored one by one). Each element
 * of C is the same chain of multiply-adds as in the packed kernels (from zero, or from C when
 * `load`, k ascending, one rounding each with relaxed FMA), so the results are bit for bit
 * those of the packed path.
 */
function emitSmallGemm(mb: ModuleBuilder, opt: GemmGenOptions): void {
  mb.func([I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32], [], (f) => {
    const [m, n, k, a, rsA, csA, b, rsB, csB, c, ldc, load] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    const i = f.local(I32), j = f.local(I32), p = f.local(I32), rem = f.local(I32);
    const pb = f.local(I32), cr = f.local(I32), bv = f.local(V128), av = f.local(V128);
    const pa = [0, 1, 2, 3].map(() => f.local(I32));
    const acc = [0, 1, 2, 3].map(() => f.local(V128));
    const madd = (r: number) => {
      if (opt.relaxed) f.get(av).get(bv).get(acc[r]).op('f32x4.relaxed_madd');
      else f.get(acc[r]).get(av).get(bv).op('f32x4.mul').op('f32x4.add');
      f.set(acc[r]);
    };
    // the lanes < rem of a vector at ptr + lane·stride into `into` (the others zero)
    const lanes = (ptr: () => void, stride: () => void, into: number) => {
      ptr();
      f.mem('v128.load32_zero').set(into);
      for (let l = 1; l < 4; l++)
        f.get(rem).i32(l).op('i32.gt_s').if(() => {
          ptr();
          stride();
          f.i32(l).op('i32.mul').op('i32.add').get(into).memLane('v128.load32_lane', 0, l).set(into);
        });
    };
    const acc2 = [0, 1, 2, 3].map(() => f.local(V128));
    const bv2 = f.local(V128);
    // a tile of mr rows by two whole vectors (eight columns) of a contiguous B: half the tile
    // set-up per element, one splat of A for two multiply-adds (12 vector registers at mr = 4)
    const wide = (mr: number) => {
      f.get(c).get(i).get(ldc).op('i32.mul').op('i32.add').get(j).i32(4).op('i32.mul').op('i32.add').set(cr);
      for (let r = 0; r < mr; r++) {
        f.get(load).if(
          () => {
            f.get(cr).get(ldc).i32(r).op('i32.mul').op('i32.add').mem('v128.load').set(acc[r]);
            f.get(cr).get(ldc).i32(r).op('i32.mul').op('i32.add').mem('v128.load', 16).set(acc2[r]);
          },
          () => {
            f.i32x4(0).set(acc[r]);
            f.i32x4(0).set(acc2[r]);
          },
        );
        f.get(a).get(i).i32(r).op('i32.add').get(rsA).op('i32.mul').op('i32.add').set(pa[r]);
      }
      f.get(b).get(j).i32(4).op('i32.mul').op('i32.add').set(pb);
      f.i32(0).set(p);
      f.whileLoop(() => f.get(p).get(k).op('i32.lt_s'), () => {
        f.get(pb).mem('v128.load').set(bv);
        f.get(pb).mem('v128.load', 16).set(bv2);
        for (let r = 0; r < mr; r++) {
          f.get(pa[r]).mem('v128.load32_splat').set(av);
          madd(r);
          if (opt.relaxed) f.get(av).get(bv2).get(acc2[r]).op('f32x4.relaxed_madd');
          else f.get(acc2[r]).get(av).get(bv2).op('f32x4.mul').op('f32x4.add');
          f.set(acc2[r]);
          f.addTo(pa[r], () => f.get(csA));
        }
        f.addTo(pb, () => f.get(rsB));
        f.addTo(p, 1);
      });
      for (let r = 0; r < mr; r++) {
        f.get(cr).get(ldc).i32(r).op('i32.mul').op('i32.add').get(acc[r]).mem('v128.store');
        f.get(cr).get(ldc).i32(r).op('i32.mul').op('i32.add').get(acc2[r]).mem('v128.store', 16);
      }
      f.addTo(j, 8);
    };
    const rows = (mr: number) => {
      f.i32(0).set(j);
      f.get(csB).i32(4).op('i32.eq').if(() =>
        f.whileLoop(() => f.get(n).get(j).op('i32.sub').i32(8).op('i32.ge_s'), () => wide(mr)));
      f.whileLoop(() => f.get(j).get(n).op('i32.lt_s'), () => {
        f.get(n).get(j).op('i32.sub').set(rem);
        f.get(rem).i32(4).op('i32.gt_s').if(() => f.i32(4).set(rem));
        // C tile pointer: c + i·ldc + 4j
        f.get(c).get(i).get(ldc).op('i32.mul').op('i32.add').get(j).i32(4).op('i32.mul').op('i32.add').set(cr);
        for (let r = 0; r < mr; r++) {
          f.get(load).if(
            () => lanes(() => f.get(cr).get(ldc).i32(r).op('i32.mul').op('i32.add'), () => f.i32(4), acc[r]),
            () => f.i32x4(0).set(acc[r]),
          );
          f.get(a).get(i).i32(r).op('i32.add').get(rsA).op('i32.mul').op('i32.add').set(pa[r]);
        }
        f.get(b).get(j).get(csB).op('i32.mul').op('i32.add').set(pb);
        f.i32(0).set(p);
        // contiguous B rows and a whole vector: one load per k; otherwise lane by lane
        const kLoop = (loadB: () => void) =>
          f.whileLoop(() => f.get(p).get(k).op('i32.lt_s'), () => {
            loadB();
            for (let r = 0; r < mr; r++) {
              f.get(pa[r]).mem('v128.load32_splat').set(av);
              madd(r);
              f.addTo(pa[r], () => f.get(csA));
            }
            f.addTo(pb, () => f.get(rsB));
            f.addTo(p, 1);
          });
        f.get(rem).i32(4).op('i32.eq').get(csB).i32(4).op('i32.eq').op('i32.and').if(
          () => kLoop(() => f.get(pb).mem('v128.load').set(bv)),
          () => kLoop(() => lanes(() => f.get(pb), () => f.get(csB), bv)),
        );
        for (let r = 0; r < mr; r++) {
          const at = () => f.get(cr).get(ldc).i32(r).op('i32.mul').op('i32.add');
          f.get(rem).i32(4).op('i32.eq').if(
            () => {
              at();
              f.get(acc[r]).mem('v128.store');
            },
            () => {
              at();
              f.get(acc[r]).memLane('v128.store32_lane', 0, 0);
              for (let l = 1; l < 3; l++)
                f.get(rem).i32(l).op('i32.gt_s').if(() => {
                  at();
                  f.get(acc[r]).memLane('v128.store32_lane', 4 * l, l);
                });
            },
          );
        }
        f.addTo(j, 4);
      });
    };
    f.i32(0).set(i);
    f.whileLoop(() => f.get(m).get(i).op('i32.sub').i32(4).op('i32.ge_s'), () => {
      rows(4);
      f.addTo(i, 4);
    });
    f.whileLoop(() => f.get(i).get(m).op('i32.lt_s'), () => {
      rows(1);
      f.addTo(i, 1);
    });
  }, 'sgemm_small');
}

/** Emits the GEMM kernels and drivers; exports pack_b_range, gemm_compute, sgemm and, with shared memory, gemm_mt. */
export function emitGemm(mb: ModuleBuilder, opt: GemmGenOptions): GemmFunctions {
  const kcDepth = opt.kc ?? KC;
  const mcRows = opt.mc ?? MC;
  const ksDepth = opt.ks ?? KS;
  if (ksDepth % kcDepth !== 0) throw new Error('KS must be a multiple of KC');
  // Table layout: strided kernels at 0..7, packed at 8..15, index (mr-1)·2 + nv-1.
  const table: number[] = [];
  for (const packed of [false, true]) {
    for (let mr = 1; mr <= MR; mr++) {
      for (let nv = 1; nv <= 2; nv++) table.push(microkernel(mb, mr, nv, packed, opt));
    }
  }
  mb.setTable(table);
  const ktype = mb.typeIndex(KPARAMS, []);
  const fullStrided = table[7];
  const fullPacked = table[15];
  const packAFn = packA(mb);
  const packBFn = packBPanel(mb);
  const packRowsFn = packBRows(mb);

  const field = (f: Fn, desc: number, name: keyof typeof D) => f.get(desc).mem('i32.load', 4 * D[name]);

  // pack_panel(desc, g): packs global panel g = batch·npanels + panel.
  const packPanel = mb.func([I32, I32], [], (f) => {
    const [desc, g] = [0, 1];
    const bi = f.local(I32), jr = f.local(I32), cols = f.local(I32), np = f.local(I32), k = f.local(I32);
    field(f, desc, 'npanels').set(np);
    field(f, desc, 'k').set(k);
    f.get(g).get(np).op('i32.div_u').set(bi);
    f.get(g).get(bi).get(np).op('i32.mul').op('i32.sub').set(jr);
    field(f, desc, 'n').get(jr).i32(NR).op('i32.mul').op('i32.sub').set(cols);
    f.i32(NR).get(cols).get(cols).i32(NR).op('i32.gt_s').op('select').set(cols);
    // src = b + bi·bBS + jr·8·csB
    field(f, desc, 'b');
    field(f, desc, 'bBS').get(bi).op('i32.mul').op('i32.add');
    field(f, desc, 'csB').get(jr).op('i32.mul').i32(NR).op('i32.mul').op('i32.add');
    field(f, desc, 'rsB');
    field(f, desc, 'csB');
    f.get(k).get(cols);
    field(f, desc, 'pb').get(g).get(k).op('i32.mul').i32(4 * NR).op('i32.mul').op('i32.add');
    f.call(packBFn);
  });

  // pack_group(desc, q): packs group q = bi·groups + gi, panels [gi·PG, min(gi·PG + PG, npanels))
  // of batch entry bi: a full group of a row-major B in one pass along its rows, others panel by panel.
  const packGroup = mb.func([I32, I32], [], (f) => {
    const [desc, q] = [0, 1];
    const bi = f.local(I32), jr0 = f.local(I32), jr1 = f.local(I32), np = f.local(I32), jr = f.local(I32), k = f.local(I32);
    field(f, desc, 'npanels').set(np);
    field(f, desc, 'k').set(k);
    f.get(q);
    field(f, desc, 'groups').op('i32.div_u').set(bi);
    f.get(q);
    field(f, desc, 'groups').get(bi).op('i32.mul').op('i32.sub').i32(PG).op('i32.mul').set(jr0);
    f.get(jr0).i32(PG).op('i32.add').set(jr1);
    f.get(np).get(jr1).get(jr1).get(np).op('i32.gt_s').op('select').set(jr1);
    // full group: PG panels, the last of them full, B row-major
    f.get(jr1).get(jr0).op('i32.sub').i32(PG).op('i32.eq');
    f.get(jr1).i32(NR).op('i32.mul');
    field(f, desc, 'n').op('i32.le_s').op('i32.and');
    field(f, desc, 'csB').i32(4).op('i32.eq').op('i32.and');
    f.if(() => {
      // src = b + bi·bBS + jr0·8·4, dst = pb + (bi·npanels + jr0)·k·32
      field(f, desc, 'b');
      field(f, desc, 'bBS').get(bi).op('i32.mul').op('i32.add');
      f.get(jr0).i32(4 * NR).op('i32.mul').op('i32.add');
      field(f, desc, 'rsB');
      f.get(k);
      field(f, desc, 'pb').get(bi).get(np).op('i32.mul').get(jr0).op('i32.add').get(k).op('i32.mul').i32(4 * NR).op('i32.mul').op('i32.add');
      f.get(k).i32(4 * NR).op('i32.mul');
      f.call(packRowsFn);
    }, () => {
      f.forLoop(jr, () => f.get(jr0), () => f.get(jr1), 1, () => {
        f.get(desc).get(bi).get(np).op('i32.mul').get(jr).op('i32.add').call(packPanel);
      });
    });
  });

  // pack_b_range(desc, q0, q1): packs panel groups [q0, q1).
  const packBRange = mb.func([I32, I32, I32], [], (f) => {
    const [desc, q0, q1] = [0, 1, 2];
    const q = f.local(I32);
    f.forLoop(q, () => f.get(q0), () => f.get(q1), 1, () => {
      f.get(desc).get(q).call(packGroup);
    });
  }, 'pack_b_range');

  // gemm_compute(desc, tid): takes work items (batch, MC-row chunk, column chunk of
  // pchunk panels) from the shared counter until none are left.
  const compute = mb.func([I32, I32], [], (f) => {
    const [desc, tid] = [0, 1];
    const L = (t: typeof I32 | typeof V128 = I32) => f.local(t);
    const m = L(), n = L(), k = L(), rsA = L(), csA = L(), ldc = L(), flags = L(), np = L();
    const mch = L(), items = L(), apack = L(), item = L(), bi = L(), i0 = L(), rows = L();
    const aB = L(), cB = L(), pB = L(), k0 = L(), kcb = L(), ld = L(), jr = L(), cols = L();
    const nv = L(), rem = L(), pbk = L(), cc = L(), ir = L(), mr = L(), pa = L();
    const nch = L(), pch = L(), jr0 = L(), jr1 = L(), q = L(), ks = L(), ksb = L(), ksEnd = L();
    field(f, desc, 'nchunks').set(nch);
    field(f, desc, 'pchunk').set(pch);
    field(f, desc, 'm').set(m);
    field(f, desc, 'n').set(n);
    field(f, desc, 'k').set(k);
    field(f, desc, 'rsA').set(rsA);
    field(f, desc, 'csA').set(csA);
    field(f, desc, 'ldc').set(ldc);
    field(f, desc, 'flags').set(flags);
    field(f, desc, 'npanels').set(np);
    field(f, desc, 'mchunks').set(mch);
    field(f, desc, 'items').set(items);
    field(f, desc, 'apack');
    field(f, desc, 'apackBytes').get(tid).op('i32.mul').op('i32.add').set(apack);

    f.block((done) => {
      f.loop((next) => {
        f.get(desc);
        if (opt.shared) f.i32(1).mem('i32.atomic.rmw.add', 4 * D.counter);
        else {
          // No other thread can touch the counter: plain fetch-and-increment.
          f.mem('i32.load', 4 * D.counter).tee(item);
          f.get(desc).get(item).i32(1).op('i32.add').mem('i32.store', 4 * D.counter);
        }
        f.tee(item).get(items).op('i32.ge_s').brIf(done);
        // item = q·nchunks + column chunk, q = bi·mchunks + row chunk
        f.get(item).get(nch).op('i32.div_u').set(q);
        f.get(item).get(q).get(nch).op('i32.mul').op('i32.sub').get(pch).op('i32.mul').set(jr0);
        f.get(jr0).get(pch).op('i32.add').set(jr1);
        f.get(np).get(jr1).get(jr1).get(np).op('i32.gt_s').op('select').set(jr1);
        f.get(q).get(mch).op('i32.div_u').set(bi);
        f.get(q).get(bi).get(mch).op('i32.mul').op('i32.sub').i32(mcRows).op('i32.mul').set(i0);
        f.get(m).get(i0).op('i32.sub').set(rows);
        f.i32(mcRows).get(rows).get(rows).i32(mcRows).op('i32.gt_s').op('select').set(rows);
        field(f, desc, 'a');
        field(f, desc, 'aBS').get(bi).op('i32.mul').op('i32.add');
        f.get(i0).get(rsA).op('i32.mul').op('i32.add').set(aB);
        field(f, desc, 'c');
        field(f, desc, 'cBS').get(bi).op('i32.mul').op('i32.add');
        f.get(i0).get(ldc).op('i32.mul').op('i32.add').set(cB);
        field(f, desc, 'pb');
        field(f, desc, 'pbBS').get(bi).op('i32.mul').op('i32.add').set(pB);

        // k super-blocks of KS: pack the A block once, then for each B panel run
        // all its KC blocks back to back so that the MC×8 column of C stays in L1.
        f.i32(0).set(ks);
        f.loop((ksLoop) => {
          f.get(k).get(ks).op('i32.sub').set(ksb);
          f.i32(ksDepth).get(ksb).get(ksb).i32(ksDepth).op('i32.gt_s').op('select').set(ksb);
          f.get(ks).get(ksb).op('i32.add').set(ksEnd);
          f.get(flags).i32(FLAG_PACK_A).op('i32.and').if(() => {
            f.get(aB).get(ks).get(csA).op('i32.mul').op('i32.add');
            f.get(rsA).get(csA).get(rows).get(ksb).get(apack).call(packAFn);
          });
          f.forLoop(jr, () => f.get(jr0), () => f.get(jr1), 1, () => {
            f.get(n).get(jr).i32(NR).op('i32.mul').op('i32.sub').set(cols);
            f.i32(NR).get(cols).get(cols).i32(NR).op('i32.gt_s').op('select').set(cols);
            f.i32(2).i32(1).get(cols).i32(4).op('i32.gt_s').op('select').set(nv);
            f.get(cols).get(nv).i32(1).op('i32.sub').i32(4).op('i32.mul').op('i32.sub').set(rem);
            f.get(cB).get(jr).i32(4 * NR).op('i32.mul').op('i32.add').set(cc);
            f.get(ks).set(k0);
            f.loop((kloop) => {
              f.get(ksEnd).get(k0).op('i32.sub').set(kcb);
              f.i32(kcDepth).get(kcb).get(kcb).i32(kcDepth).op('i32.gt_s').op('select').set(kcb);
              f.get(flags).i32(FLAG_ACCUMULATE).op('i32.and').get(k0).i32(0).op('i32.gt_s').op('i32.or').set(ld);
              f.get(pB).get(jr).get(k).op('i32.mul').get(k0).op('i32.add').i32(4 * NR).op('i32.mul').op('i32.add').set(pbk);
              f.forLoop(ir, () => f.i32(0), () => f.get(rows), MR, () => {
                f.get(rows).get(ir).op('i32.sub').set(mr);
                f.i32(MR).get(mr).get(mr).i32(MR).op('i32.gt_s').op('select').set(mr);
                // Kernel arguments: packed A micro-panel (4 floats per k) or A in place.
                f.get(flags).i32(FLAG_PACK_A).op('i32.and').if(
                  () => f.get(apack).get(ir).get(ksb).op('i32.mul').get(k0).get(ks).op('i32.sub').i32(4).op('i32.mul').op('i32.add')
                    .i32(4).op('i32.mul').op('i32.add').set(pa),
                  () => f.get(aB).get(ir).get(rsA).op('i32.mul').op('i32.add').get(k0).get(csA).op('i32.mul').op('i32.add').set(pa),
                );
                const args = () => {
                  f.get(pa).get(rsA).get(csA).get(pbk).get(kcb);
                  f.get(cc).get(ir).get(ldc).op('i32.mul').op('i32.add');
                  f.get(ldc).get(rem).get(ld);
                };
                f.get(mr).i32(MR).op('i32.eq').get(nv).i32(2).op('i32.eq').op('i32.and').if(() => {
                  f.get(flags).i32(FLAG_PACK_A).op('i32.and').if(
                    () => { args(); f.call(fullPacked); },
                    () => { args(); f.call(fullStrided); },
                  );
                }, () => {
                  args();
                  f.get(mr).i32(1).op('i32.sub').i32(2).op('i32.mul').get(nv).i32(1).op('i32.sub').op('i32.add');
                  f.i32(8).i32(0).get(flags).i32(FLAG_PACK_A).op('i32.and').op('select').op('i32.add');
                  f.callIndirect(ktype);
                });
              });
              f.addTo(k0, kcDepth);
              f.get(k0).get(ksEnd).op('i32.lt_s').brIf(kloop);
            });
          });
          f.get(ksEnd).set(ks);
          f.get(ks).get(k).op('i32.lt_s').brIf(ksLoop);
        });
        f.br(next);
      });
    });
  }, 'gemm_compute');

  emitSmallGemm(mb, opt);

  // sgemm(desc): the whole job on the calling thread: pack every B panel, then all items.
  mb.func([I32], [], (f) => {
    f.get(0).i32(0);
    field(f, 0, 'groupsTotal');
    f.call(packBRange);
    f.get(0).i32(0).mem('i32.store', 4 * D.counter);
    f.get(0).i32(0).call(compute);
  }, 'sgemm');

  if (opt.shared) {
    // gemm_mt(desc, tid): one participant of a multi-threaded GEMM. Groups of B
    // panels and then work items are claimed from shared counters, so participants
    // that join late (or never) only change who does the work, not the result.
    // Between the phases every participant waits until all panels are packed;
    // only participants that already claimed a group can hold that up. The word
    // at errPtr becomes non-zero when any participant failed.
    mb.func([I32, I32], [], (f) => {
      const [desc, tid] = [0, 1];
      const g = f.local(I32), total = f.local(I32);
      field(f, desc, 'groupsTotal').set(total);
      f.block((done) => {
        f.loop((next) => {
          f.get(desc).i32(1).mem('i32.atomic.rmw.add', 4 * D.pclaim).tee(g);
          f.get(total).op('i32.ge_u').brIf(done);
          f.get(desc).get(g).call(packGroup);
          f.get(desc).i32(1).mem('i32.atomic.rmw.add', 4 * D.packed).op('drop');
          f.br(next);
        });
      });
      f.block((ready) => {
        f.loop((spin) => {
          f.get(desc).mem('i32.atomic.load', 4 * D.packed).get(total).op('i32.ge_u').brIf(ready);
          // A participant that trapped never counts its panel: give up instead of spinning forever.
          field(f, desc, 'errPtr').mem('i32.atomic.load').if(() => f.op('return'));
          f.br(spin);
        });
      });
      f.get(desc).get(tid).call(compute);
    }, 'gemm_mt');
  }

  return { packBRange, compute };
}
