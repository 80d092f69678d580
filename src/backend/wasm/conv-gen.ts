// im2col and col2im in Wasm SIMD: one small module over the backend's linear memory, with the
// window geometry as run-time arguments (one module serves every convolution). Both walk the
// im2col matrix row by row exactly as the reference loops (prims/conv.ts) do: for each input
// plane c, kernel tap (i, j) and output row oy, the ow columns read the image row
// iy = oy·sh − ph + i·dh at ox·sw − pw + j·dw. Columns [lo, hi) fall inside the image; the rest
// are zeros (im2col) or skipped (col2im). With sw = 1 those columns are one contiguous run of the
// image row, copied (or added) four floats at a time; col2im adds in the reference order, so its
// float32 sums are the reference's bit for bit.
//
//   im2col(x, cols, planes, H, W, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)
//   col2im(cols, x, planes, H, W, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow)   x += col2im(cols)
//   maxPoolIndices(x, idx, planes, H, W, …)   idx (int32) = each window's argmax, as the reference
//
// maxPoolIndices gives the reference's indices (prims/conv.ts): the flat position iy·W + ix of
// each window's largest value, padding never winning, the first of ties, the first NaN winning
// over any number, and 0 for a window with no image position.
//
// Pointers are byte offsets, sizes in elements.

import { F32, type Fn, I32, ModuleBuilder } from "./emitter.js";

/** 64 KiB pages; a shared memory import must declare the maximum the memory was made with (module.ts). */
const MAX_PAGES = 65536;

/** The exports of the module. */
export interface ConvKernels {
  im2col(x: number, cols: number, planes: number, ...geometry: number[]): void;
  col2im(cols: number, x: number, planes: number, ...geometry: number[]): void;
  maxPoolIndices(x: number, idx: number, planes: number, ...geometry: number[]): void;
}

/** The window geometry in the order both functions take it (after the two pointers and the plane count). */
export interface Geometry {
  h: number; w: number; kh: number; kw: number; sh: number; sw: number;
  ph: number; pw: number; dh: number; dw: number; oh: number; ow: number;
}
export const geometryArgs = (p: Geometry): number[] => [p.h, p.w, p.kh, p.kw, p.sh, p.sw, p.ph, p.pw, p.dh, p.dw, p.oh, p.ow];

const PARAMS = Array<typeof I32>(15).fill(I32);
// parameter indices
const SRC = 0, DST = 1, PLANES = 2, H = 3, W = 4, KH = 5, KW = 6, SH = 7, SW = 8, PH = 9, PW = 10, DH = 11, DW = 12, OH = 13, OW = 14;

/** zero(ptr, count): count float32 zeros from byte ptr. */
function emitZero(f: Fn): void {
  const [ptr, count] = [f.param(0), f.param(1)];
  const end = f.local(I32);
  f.get(ptr).get(count).i32(2).op("i32.shl").op("i32.add").set(end);
  f.whileLoop(() => f.get(ptr).i32(16).op("i32.add").get(end).op("i32.le_u"), () => {
    f.get(ptr).i32x4(0).mem("v128.store").addTo(ptr, 16);
  });
  f.whileLoop(() => f.get(ptr).get(end).op("i32.lt_u"), () => {
    f.get(ptr).f32(0).mem("f32.store").addTo(ptr, 4);
  });
}

/**
 * One of the two functions: `row(f, o, img, lo, hi)` emits the work on one in-image run of an
 * im2col row (o: the row's byte pointer in the matrix, img: the byte pointer of its column 0 in
 * the image, which may lie before the image when lo > 0); `outside(f, o)` the work on a row that
 * reads no pixel.
 */
function walk(
  f: Fn,
  imageParam: number,
  matrixParam: number,
  row: (o: number, img: number, lo: number, hi: number) => void,
  outside: (o: number) => void,
): void {
  const c = f.local(I32), i = f.local(I32), j = f.local(I32), oy = f.local(I32);
  const x0 = f.local(I32), lo = f.local(I32), hi = f.local(I32), iy = f.local(I32);
  const plane = f.local(I32), o = f.local(I32), img = f.local(I32);
  f.get(imageParam).set(plane);
  f.get(matrixParam).set(o);
  f.forLoop(c, () => f.i32(0), () => f.get(PLANES), 1, () => {
    f.forLoop(i, () => f.i32(0), () => f.get(KH), 1, () => {
      f.forLoop(j, () => f.i32(0), () => f.get(KW), 1, () => {
        // x0 = j·dw − pw; lo = x0 ≥ 0 ? 0 : ⌈−x0 / sw⌉; hi = x0 ≥ W ? 0 : min(ow, ⌊(W − 1 − x0) / sw⌋ + 1)
        f.get(j).get(DW).op("i32.mul").get(PW).op("i32.sub").set(x0);
        f.i32(0).get(SW).i32(1).op("i32.sub").get(x0).op("i32.sub").get(SW).op("i32.div_u").get(x0).i32(0).op("i32.ge_s").op("select").set(lo);
        f.i32(0).get(W).i32(1).op("i32.sub").get(x0).op("i32.sub").get(SW).op("i32.div_s").i32(1).op("i32.add").set(hi);
        f.get(hi).get(OW).get(hi).get(OW).op("i32.lt_s").op("select").set(hi);
        f.i32(0).get(hi).get(x0).get(W).op("i32.ge_s").op("select").set(hi);
        f.get(lo).get(OW).get(lo).get(OW).op("i32.lt_s").op("select").set(lo);
        f.get(hi).get(lo).get(hi).get(lo).op("i32.gt_s").op("select").set(hi);
        f.forLoop(oy, () => f.i32(0), () => f.get(OH), 1, () => {
          f.get(oy).get(SH).op("i32.mul").get(PH).op("i32.sub").get(i).get(DH).op("i32.mul").op("i32.add").set(iy);
          f.get(iy).i32(0).op("i32.lt_s").get(iy).get(H).op("i32.ge_s").op("i32.or").get(lo).get(hi).op("i32.ge_s").op("i32.or");
          f.if(() => outside(o), () => {
            // img = plane + 4·(iy·W + x0)
            f.get(plane).get(iy).get(W).op("i32.mul").get(x0).op("i32.add").i32(2).op("i32.shl").op("i32.add").set(img);
            row(o, img, lo, hi);
          });
          f.get(o).get(OW).i32(2).op("i32.shl").op("i32.add").set(o);
        });
      });
    });
    f.get(plane).get(H).get(W).op("i32.mul").i32(2).op("i32.shl").op("i32.add").set(plane);
  });
}

/** Builds the module: zero, im2col, col2im, maxPoolIndices. */
export function buildConvModule(shared: boolean): Uint8Array<ArrayBuffer> {
  const mb = new ModuleBuilder({ module: "env", name: "memory", initialPages: 1, maximumPages: shared ? MAX_PAGES : undefined, shared });
  const zero = mb.func([I32, I32], [], emitZero, "zero");

  // im2col: SRC is the image, DST the matrix
  mb.func(PARAMS, [], (f) => {
    const ox = f.local(I32), dst = f.local(I32), src = f.local(I32), end = f.local(I32);
    walk(f, SRC, DST, (o, img, lo, hi) => {
      // zeros before lo and from hi (a few columns of padding: scalar stores)
      f.forLoop(ox, () => f.i32(0), () => f.get(lo), 1, () => f.get(o).get(ox).i32(2).op("i32.shl").op("i32.add").f32(0).mem("f32.store"));
      f.forLoop(ox, () => f.get(hi), () => f.get(OW), 1, () => f.get(o).get(ox).i32(2).op("i32.shl").op("i32.add").f32(0).mem("f32.store"));
      f.get(SW).i32(1).op("i32.eq");
      f.if(() => {
        // a contiguous run: dst[o + ox] = img[ox] for ox in [lo, hi)
        f.get(o).get(lo).i32(2).op("i32.shl").op("i32.add").set(dst);
        f.get(img).get(lo).i32(2).op("i32.shl").op("i32.add").set(src);
        f.get(img).get(hi).i32(2).op("i32.shl").op("i32.add").set(end);
        f.whileLoop(() => f.get(src).i32(16).op("i32.add").get(end).op("i32.le_u"), () => {
          f.get(dst).get(src).mem("v128.load").mem("v128.store");
          f.addTo(src, 16).addTo(dst, 16);
        });
        f.whileLoop(() => f.get(src).get(end).op("i32.lt_u"), () => {
          f.get(dst).get(src).mem("f32.load").mem("f32.store");
          f.addTo(src, 4).addTo(dst, 4);
        });
      }, () => {
        f.forLoop(ox, () => f.get(lo), () => f.get(hi), 1, () => {
          f.get(o).get(ox).i32(2).op("i32.shl").op("i32.add");
          f.get(img).get(ox).get(SW).op("i32.mul").i32(2).op("i32.shl").op("i32.add").mem("f32.load");
          f.mem("f32.store");
        });
      });
    }, (o) => {
      f.get(o).get(OW).call(zero);
    });
  }, "im2col");

  // col2im: SRC is the matrix, DST the image; the walk's `o` runs over the matrix
  mb.func(PARAMS, [], (f) => {
    const ox = f.local(I32), a = f.local(I32), b = f.local(I32), end = f.local(I32);
    walk(f, DST, SRC, (o, img, lo, hi) => {
      f.get(SW).i32(1).op("i32.eq");
      f.if(() => {
        // img[ox] += cols[o + ox] for ox in [lo, hi)
        f.get(img).get(lo).i32(2).op("i32.shl").op("i32.add").set(a);
        f.get(o).get(lo).i32(2).op("i32.shl").op("i32.add").set(b);
        f.get(img).get(hi).i32(2).op("i32.shl").op("i32.add").set(end);
        f.whileLoop(() => f.get(a).i32(16).op("i32.add").get(end).op("i32.le_u"), () => {
          f.get(a).get(a).mem("v128.load").get(b).mem("v128.load").op("f32x4.add").mem("v128.store");
          f.addTo(a, 16).addTo(b, 16);
        });
        f.whileLoop(() => f.get(a).get(end).op("i32.lt_u"), () => {
          f.get(a).get(a).mem("f32.load").get(b).mem("f32.load").op("f32.add").mem("f32.store");
          f.addTo(a, 4).addTo(b, 4);
        });
      }, () => {
        f.forLoop(ox, () => f.get(lo), () => f.get(hi), 1, () => {
          f.get(img).get(ox).get(SW).op("i32.mul").i32(2).op("i32.shl").op("i32.add").tee(a);
          f.get(a).mem("f32.load");
          f.get(o).get(ox).i32(2).op("i32.shl").op("i32.add").mem("f32.load");
          f.op("f32.add").mem("f32.store");
        });
      });
    }, () => {});
  }, "col2im");

  // maxPoolIndices: SRC is the image, DST the int32 indices [planes, oh, ow]
  mb.func(PARAMS, [], (f) => {
    const c = f.local(I32), oy = f.local(I32), ox = f.local(I32), i = f.local(I32), j = f.local(I32);
    const iy = f.local(I32), ix = f.local(I32), best = f.local(I32), plane = f.local(I32), o = f.local(I32);
    const v = f.local(F32), bv = f.local(F32), take = f.local(I32);
    f.get(SRC).set(plane);
    f.get(DST).set(o);
    f.forLoop(c, () => f.i32(0), () => f.get(PLANES), 1, () => {
      f.forLoop(oy, () => f.i32(0), () => f.get(OH), 1, () => {
        f.forLoop(ox, () => f.i32(0), () => f.get(OW), 1, () => {
          f.i32(-1).set(best);
          f.f32(-Infinity).set(bv);
          f.forLoop(i, () => f.i32(0), () => f.get(KH), 1, () => {
            f.get(oy).get(SH).op("i32.mul").get(PH).op("i32.sub").get(i).get(DH).op("i32.mul").op("i32.add").set(iy);
            // 0 ≤ iy < H as one unsigned compare
            f.get(iy).get(H).op("i32.lt_u");
            f.if(() => {
              f.forLoop(j, () => f.i32(0), () => f.get(KW), 1, () => {
                f.get(ox).get(SW).op("i32.mul").get(PW).op("i32.sub").get(j).get(DW).op("i32.mul").op("i32.add").set(ix);
                f.get(ix).get(W).op("i32.lt_u");
                f.if(() => {
                  f.get(plane).get(iy).get(W).op("i32.mul").get(ix).op("i32.add").i32(2).op("i32.shl").op("i32.add").mem("f32.load").set(v);
                  // take it when best < 0 || v > bv || (v is NaN && bv is not); selects, not a branch
                  // (which way it goes is data-dependent: a branch mispredicts half the time)
                  f.get(best).i32(0).op("i32.lt_s").get(v).get(bv).op("f32.gt").op("i32.or");
                  f.get(v).get(v).op("f32.ne").get(bv).get(bv).op("f32.eq").op("i32.and").op("i32.or").set(take);
                  f.get(iy).get(W).op("i32.mul").get(ix).op("i32.add").get(best).get(take).op("select").set(best);
                  f.get(v).get(bv).get(take).op("select").set(bv);
                });
              });
            });
          });
          f.get(o).i32(0).get(best).get(best).i32(0).op("i32.lt_s").op("select").mem("i32.store");
          f.addTo(o, 4);
        });
      });
      f.get(plane).get(H).get(W).op("i32.mul").i32(2).op("i32.shl").op("i32.add").set(plane);
    });
  }, "maxPoolIndices");
  return mb.build();
}
