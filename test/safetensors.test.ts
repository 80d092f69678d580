// The safetensors writer and reader: round trips of every dtype and file-dtype mapping, exact
// bit patterns, the header layout, argument errors, and atomic file writes.

import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import * as tg from "../src/index.js";
import { ArgumentError, DataFormatError, DTypeError } from "../src/index.js";
import { decodeSafetensors, encodeSafetensors, loadSafetensors, saveSafetensors } from "../src/io/safetensors.js";

const { io } = tg;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "tg-safetensors-"));
}

/** A float32 tensor holding exactly these IEEE bit patterns (built from bytes, so NaN payloads survive). */
function f32Bits(bits: number[], shape = [bits.length]): tg.Tensor {
  const bytes = io.encode({ x: tg.zeros(shape) });
  const e = io.decodeSafetensorsHeader(bytes).entries[0];
  const view = new DataView(bytes.buffer, e.begin);
  bits.forEach((b, i) => view.setUint32(4 * i, b, true));
  return io.decode(bytes).tensors.x;
}

function f64Bits(bits: bigint[]): tg.Tensor {
  const bytes = io.encode({ x: tg.zeros([bits.length], { dtype: "float64" }) });
  const e = io.decodeSafetensorsHeader(bytes).entries[0];
  const view = new DataView(bytes.buffer, e.begin);
  bits.forEach((b, i) => view.setBigUint64(8 * i, b, true));
  return io.decode(bytes).tensors.x;
}

const u32 = (t: tg.Tensor) => Array.from(new Uint32Array((t.data() as Float32Array).slice().buffer));
const u64 = (t: tg.Tensor) => Array.from(new BigUint64Array((t.data() as Float64Array).slice().buffer));

/** The header JSON of encoded bytes. */
function headerOf(bytes: Uint8Array): { length: number; text: string } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { length, text: new TextDecoder().decode(bytes.subarray(8, 8 + length)) };
}

test("round trip: every tensorgrad dtype, 0-d, empty and 3-d shapes, metadata", () => {
  const tensors = {
    f32: tg.tensor([[1.5, -2], [3.25, 1e-30]]),
    f64: tg.tensor([0.1, Math.PI, -1e300], { dtype: "float64" }),
    i32: tg.tensor([[0, -1], [2147483647, -2147483648]], { dtype: "int32" }),
    mask: tg.tensor([true, false, true]),
    scalar: tg.scalar(7, "float64"),
    empty: tg.zeros([0, 4]),
    cube: tg.arange(24).reshape([2, 3, 4]),
  };
  const { tensors: back, metadata } = io.decode(io.encode(tensors, { metadata: { epoch: "3", note: "ünïcødé ✓" } }));
  assert.deepEqual(metadata, { epoch: "3", note: "ünïcødé ✓" });
  assert.deepEqual(Object.keys(back).sort(), Object.keys(tensors).sort());
  for (const [k, t] of Object.entries(tensors)) {
    assert.equal(back[k].dtype, t.dtype, k);
    assert.deepEqual(back[k].shape, t.shape, k);
    assert.deepEqual(back[k].data(), t.data(), k);
  }
});

test("round trip: NaN payloads (quiet and signalling), ±Inf, −0 and subnormals keep their exact bits in F32 and F64", () => {
  const bits32 = [0x7fc00000, 0xffc00123, 0x7fa00001, 0x7f800000, 0xff800000, 0x80000000, 0x00000001, 0x807fffff, 0x7f7fffff];
  const x = f32Bits(bits32);
  assert.deepEqual(u32(x), bits32, "the test tensor holds the patterns");
  assert.deepEqual(u32(io.decode(io.encode({ x })).tensors.x), bits32);
  const bits64 = [0x7ff8000000000000n, 0xfff8000000000abcn, 0x7ff0000000000001n, 0x7ff0000000000000n, 0xfff0000000000000n, 0x8000000000000000n, 1n];
  const y = f64Bits(bits64);
  assert.deepEqual(u64(y), bits64);
  assert.deepEqual(u64(io.decode(io.encode({ y })).tensors.y), bits64);
});

test("a strided view (transpose, slice) is written row-major", () => {
  const a = tg.arange(6).reshape([2, 3]);
  const back = io.decode(io.encode({ t: a.transpose(), s: a.slice(null, [1, 3]) })).tensors;
  assert.deepEqual(back.t.toArray(), [[0, 3], [1, 4], [2, 5]]);
  assert.deepEqual(back.s.toArray(), [[1, 2], [4, 5]]);
});

test("dtypes option: F16 and BF16 from float32 and float64 (nearest, ties to even), loading as float16 and bfloat16", () => {
  const x = tg.tensor([1 / 3, 65504, 65520, 1e-8, -0, Infinity, NaN, 1 + 2 ** -11]);
  for (const src of [x, x.cast("float64")]) {
    const back = io.decode(io.encode({ h: src, b: src }, { dtypes: { h: "F16", b: "BF16" } })).tensors;
    assert.equal(back.h.dtype, "float16");
    assert.equal(back.b.dtype, "bfloat16");
    const h = Array.from(back.h.data());
    // 1/3 → 0x3555, 65520 is the overflow tie → Inf, 1e-8 → the subnormal 2^-24·0 = 0 (below half of 2^-24), 1+2^-11 ties to 1
    assert.deepEqual(h.slice(0, 6), [0.333251953125, 65504, Infinity, 0, -0, Infinity]);
    assert.ok(Number.isNaN(h[6]));
    assert.equal(h[7], 1);
    assert.ok(Object.is(h[4], -0));
    // (values as PyTorch gives them: torch.tensor(x, dtype=torch.float32).to(torch.bfloat16 / torch.float16))
    const b = Array.from(back.b.data());
    assert.deepEqual(b.slice(0, 6), [0.333984375, 65536, 65536, 1.0011717677116394e-8, -0, Infinity]);
    assert.ok(Number.isNaN(b[6]));
  }
});

test("dtypes option: integers as I64, I16, I8, U64, U32, U16 load back as int32, U8 as uint8; bools as U8 load as uint8", () => {
  const v = tg.tensor([0, 1, 100, 127], { dtype: "int32" });
  const neg = tg.tensor([-2147483648, -1, 0, 2147483647], { dtype: "int32" });
  const kinds = ["I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8"] as const;
  for (const k of kinds) {
    const back = io.decode(io.encode({ v }, { dtypes: { v: k } })).tensors.v;
    assert.equal(back.dtype, k === "U8" ? "uint8" : "int32", k);
    assert.deepEqual(Array.from(back.data()), [0, 1, 100, 127], k);
  }
  const i64 = io.encode({ neg }, { dtypes: { neg: "I64" } });
  const e = io.decodeSafetensorsHeader(i64).entries[0];
  const words = new BigInt64Array(i64.slice(e.begin, e.end).buffer);
  assert.deepEqual(Array.from(words), [-2147483648n, -1n, 0n, 2147483647n], "I64 is sign-extended");
  assert.deepEqual(Array.from(io.decode(i64).tensors.neg.data()), [-2147483648, -1, 0, 2147483647]);
  const mask = io.decode(io.encode({ m: tg.tensor([true, false]) }, { dtypes: { m: "U8" } })).tensors.m;
  assert.equal(mask.dtype, "uint8");
  assert.deepEqual(Array.from(mask.data()), [1, 0]);
  // float32 → F64 is exact; float64 → F32 rounds to nearest
  const up = io.decode(io.encode({ a: tg.tensor([0.1]) }, { dtypes: { a: "F64" } })).tensors.a;
  assert.equal(up.dtype, "float64");
  assert.equal(up.item(), Math.fround(0.1));
  const down = io.decode(io.encode({ a: tg.tensor([0.1], { dtype: "float64" }) }, { dtypes: { a: "F32" } })).tensors.a;
  assert.equal(down.dtype, "float32");
  assert.equal(down.item(), Math.fround(0.1));
});

test("dtypes option: a function choosing per tensor", () => {
  const bytes = io.encode({ w: tg.ones([2]), n: tg.tensor([1], { dtype: "int32" }) }, { dtypes: (_name, t) => (t.dtype === "float32" ? "BF16" : undefined) });
  const dt = Object.fromEntries(io.decodeSafetensorsHeader(bytes).entries.map((e) => [e.name, e.dtype]));
  assert.deepEqual(dt, { w: "BF16", n: "I32" });
});

test("dtypes option errors: values out of range, impossible conversions, unknown names", () => {
  const v = tg.tensor([0, 256, -1], { dtype: "int32" });
  assert.throws(() => io.encode({ v }, { dtypes: { v: "U8" } }), (e: unknown) => e instanceof ArgumentError && /io\.encode: 'v' as U8: value 256 at flat index 1 is outside the range of U8 \[0, 255\]/.test(e.message));
  assert.throws(() => io.encode({ v }, { dtypes: { v: "U32" } }), /value -1 at flat index 2 is outside the range of U32/);
  assert.throws(() => io.encode({ v: tg.tensor([200], { dtype: "int32" }) }, { dtypes: { v: "I8" } }), /outside the range of I8 \[-128, 127\]/);
  assert.throws(() => io.encode({ v }, { dtypes: { v: "F16" } }), (e: unknown) => e instanceof DTypeError && /'v' is int32\[3\] and cannot be written as F16/.test(e.message));
  assert.throws(() => io.encode({ x: tg.ones([1]) }, { dtypes: { x: "I32" } }), /float32\[1\] and cannot be written as I32/);
  assert.throws(() => io.encode({ m: tg.tensor([true]) }, { dtypes: { m: "F32" } }), /bool\[1\] and cannot be written as F32/);
  assert.throws(() => io.encode({ x: tg.ones([1]) }, { dtypes: { x: "F8_E4M3" as never } }), (e: unknown) => e instanceof DTypeError && /dtype F8_E4M3 is not supported/.test(e.message));
  assert.throws(() => io.encode({ x: tg.ones([1]) }, { dtypes: { x: "f16" as never } }), /unknown dtype "f16"/);
  assert.throws(() => io.encode({ x: tg.ones([1]) }, { dtypes: { y: "F16" } }), (e: unknown) => e instanceof ArgumentError && /dtypes names 'y', which is not one of the tensors/.test(e.message));
});

test("argument errors: not tensors, reserved and invalid names, non-string metadata", () => {
  assert.throws(() => io.encode(tg.ones([1]) as never), /io\.encode: expected an object of named tensors, got a Tensor/);
  assert.throws(() => io.encode({ a: [1, 2] as never }), (e: unknown) => e instanceof ArgumentError && /'a' must be a Tensor, got object/.test(e.message));
  assert.throws(() => io.encode({ __metadata__: tg.ones([1]) }), /'__metadata__' is reserved/);
  assert.throws(() => io.encode({ ["bad\ud800"]: tg.ones([1]) }), /is not valid Unicode \(a lone surrogate\)/);
  assert.throws(() => io.encode({ a: tg.ones([1]) }, { metadata: { n: 3 as never } }), /metadata 'n' must be a string, got number/);
  assert.throws(() => encodeSafetensors({ a: tg.ones([1]) }, { n: null as never }), /encodeSafetensors: metadata 'n' must be a string, got null/);
});

test("any name works, __proto__ included, and comes back as an own property", () => {
  const names = ["__proto__", "constructor", "", "layers.0.weight", "名前", "a\"b\\c\n"];
  const tensors: Record<string, tg.Tensor> = {};
  names.forEach((n, i) => Object.defineProperty(tensors, n, { value: tg.full([1], i), enumerable: true }));
  const back = io.decode(io.encode(tensors, { metadata: { __proto__x: "1" } })).tensors;
  assert.deepEqual(Object.keys(back).sort(), [...names].sort());
  names.forEach((n, i) => assert.equal(Object.getOwnPropertyDescriptor(back, n)?.value.item(), i, n));
  assert.equal(Object.getPrototypeOf(back), Object.prototype);
});

test("layout: 8-byte little-endian length, header padded with spaces to 8, largest elements first so each tensor is aligned", () => {
  const bytes = io.encode(
    { a: tg.tensor([true, false, true]), b: tg.ones([3]), c: tg.ones([1], { dtype: "float64" }), d: tg.tensor([5], { dtype: "int32" }) },
    { metadata: { k: "v" }, dtypes: { b: "F16" } },
  );
  const { length, text } = headerOf(bytes);
  assert.equal(length % 8, 0);
  const json = text.trimEnd();
  assert.match(text.slice(json.length), /^ *$/);
  assert.deepEqual(JSON.parse(json), {
    __metadata__: { k: "v" },
    c: { dtype: "F64", shape: [1], data_offsets: [0, 8] },
    d: { dtype: "I32", shape: [1], data_offsets: [8, 12] },
    b: { dtype: "F16", shape: [3], data_offsets: [12, 18] },
    a: { dtype: "BOOL", shape: [3], data_offsets: [18, 21] },
  });
  assert.equal(bytes.length, 8 + length + 21);
  for (const e of io.decodeSafetensorsHeader(bytes).entries) assert.equal(e.begin % { F64: 8, I32: 4, F16: 2, BOOL: 1 }[e.dtype as "F64"], 0, e.name);
});

test("an empty dict is a valid 16-byte file; metadata-free files have no __metadata__", () => {
  const bytes = io.encode({});
  assert.equal(bytes.length, 16);
  assert.equal(headerOf(bytes).text, "{}      ");
  assert.deepEqual(io.decode(bytes), { tensors: {}, metadata: {} });
  assert.ok(!headerOf(io.encode({ a: tg.ones([1]) })).text.includes("__metadata__"));
});

test("parameters and tensors that require grad are saved by value", () => {
  const w = tg.randn([3, 2]).setRequiresGrad();
  const back = io.decode(io.encode({ w, y: w.mul(2) })).tensors;
  assert.deepEqual(back.w.data(), w.data());
  assert.deepEqual(back.y.data(), w.mul(2).data());
  assert.equal(back.w.requiresGrad, false);
});

test("saveSafetensors / loadSafetensors: the file round trip with the exact signatures", () => {
  const dir = tempDir();
  try {
    const path = join(dir, "w.safetensors");
    saveSafetensors(path, { w: tg.tensor([[1, 2]]), n: tg.tensor([3], { dtype: "int32" }) }, { step: "9" });
    const { tensors, metadata } = loadSafetensors(path);
    assert.deepEqual(metadata, { step: "9" });
    assert.deepEqual(tensors.w.toArray(), [[1, 2]]);
    assert.deepEqual(tensors.n.toArray(), [3]);
    assert.deepEqual(decodeSafetensors(new Uint8Array(readFileSync(path))).metadata, { step: "9" });
    // tg.io.save / load: torch's argument order, with options
    io.save({ h: tg.tensor([0.5]) }, path, { metadata: { a: "b" }, dtypes: { h: "F16" } });
    const again = io.load(path);
    assert.deepEqual(again.metadata, { a: "b" });
    assert.deepEqual(again.tensors.h.toArray(), [0.5]);
    assert.deepEqual(readdirSync(dir), ["w.safetensors"], "no temporary files left");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an existing file is replaced atomically: a new file is renamed in, a reader of the old one is unaffected", () => {
  const dir = tempDir();
  try {
    const path = join(dir, "ckpt.safetensors");
    io.save({ old: tg.zeros([1000]) }, path);
    const oldBytes = readFileSync(path);
    const oldIno = statSync(path).ino;
    const fd = openSync(path, "r"); // a reader that opened the old file
    try {
      io.save({ fresh: tg.ones([3]) }, path);
      assert.notEqual(statSync(path).ino, oldIno, "the path now names a different file (rename, not rewrite in place)");
      const seen = Buffer.alloc(oldBytes.length);
      assert.equal(readSync(fd, seen, 0, seen.length, 0), oldBytes.length);
      assert.deepEqual(seen, oldBytes, "the open reader still sees the complete old file");
    } finally {
      closeSync(fd);
    }
    assert.deepEqual(Object.keys(io.load(path).tensors), ["fresh"]);
    assert.deepEqual(readdirSync(dir), ["ckpt.safetensors"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a failed save leaves no file and no temporary file, and an existing file untouched", () => {
  const dir = tempDir();
  try {
    const path = join(dir, "x.safetensors");
    // 1. refused before anything is written
    assert.throws(() => io.save({ v: tg.tensor([300], { dtype: "int32" }) }, path, { dtypes: { v: "U8" } }), /outside the range of U8/);
    assert.deepEqual(readdirSync(dir), []);
    // 2. the write itself fails: the target is a non-empty directory, so the rename fails after the temporary file is complete
    const blocked = join(dir, "blocked.safetensors");
    mkdirSync(blocked);
    writeFileSync(join(blocked, "keep"), "x");
    assert.throws(
      () => io.save({ a: tg.ones([4]) }, blocked),
      (e: unknown) => e instanceof Error && e.message.startsWith(`io.save: cannot write '${blocked}':`) && "code" in e,
    );
    assert.deepEqual(readdirSync(dir), ["blocked.safetensors"], "the temporary file was removed");
    assert.deepEqual(readdirSync(blocked), ["keep"]);
    // 3. the directory does not exist
    const missing = join(dir, "no", "such", "dir.safetensors");
    assert.throws(() => saveSafetensors(missing, { a: tg.ones([1]) }), (e: unknown) => e instanceof Error && e.message.includes(missing) && (e as { code?: string }).code === "ENOENT");
    // 4. an existing file survives a failed save
    io.save({ a: tg.ones([2]) }, path);
    const before = readFileSync(path);
    assert.throws(() => io.save({ a: tg.ones([2]) as never, b: "nope" as never }, path), /'b' must be a Tensor/);
    assert.deepEqual(readFileSync(path), before);
    assert.deepEqual(readdirSync(dir).sort(), ["blocked.safetensors", "x.safetensors"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("loading a missing file names it", () => {
  assert.throws(() => io.load("/nonexistent/w.safetensors"), (e: unknown) => e instanceof Error && e.message.startsWith("io.load: cannot read '/nonexistent/w.safetensors': ENOENT"));
  assert.throws(() => loadSafetensors("/nonexistent/w.safetensors"), (e: unknown) => (e as { code?: string }).code === "ENOENT");
});

test("a file whose length field is impossible is refused from its first 8 bytes, before the rest is read", () => {
  const dir = tempDir();
  try {
    // a sparse 8 GiB file: reading it whole would take 8 GiB
    const path = join(dir, "huge.bin");
    const fd = openSync(path, "w");
    try {
      ftruncateSync(fd, 8 * 2 ** 30);
      const head = new Uint8Array(8);
      new DataView(head.buffer).setBigUint64(0, 2n ** 40n, true);
      writeSync(fd, head, 0, 8, 0);
    } finally {
      closeSync(fd);
    }
    for (const load of [() => io.load(path), () => loadSafetensors(path), () => io.loadModule(new tg.nn.Linear(1, 1), path)])
      assert.throws(load, (e: unknown) => e instanceof DataFormatError && e.source === path && /byte 0: header length 1099511627776 exceeds the limit/.test(e.message));
    const tiny = join(dir, "tiny.bin");
    writeFileSync(tiny, new Uint8Array([1, 2, 3]));
    assert.throws(() => io.load(tiny), /safetensors \(.*tiny\.bin\): byte 0: the input is 3 bytes; a safetensors file starts with an 8-byte header length/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("encodeAsync reads with dataAsync and gives the same bytes as encode", async () => {
  const tensors = { w: tg.randn([4, 3]), i: tg.tensor([1, 2], { dtype: "int32" }) };
  const opts = { metadata: { a: "1" }, dtypes: { w: "F16" as const } };
  assert.deepEqual(await io.encodeAsync(tensors, opts), io.encode(tensors, opts));
  await assert.rejects(io.encodeAsync({ x: 1 as never }), /io\.encodeAsync: 'x' must be a Tensor/);
});

/** The F16 (or BF16) bits `x` is written as, through the encoder. */
function halfBits(x: tg.Tensor, kind: "F16" | "BF16"): Uint16Array {
  const bytes = io.encode({ x }, { dtypes: { x: kind } });
  const e = io.decodeSafetensorsHeader(bytes).entries[0];
  return new Uint16Array(bytes.slice(e.begin, e.end).buffer);
}

test("F16 exhaustively: every pattern decodes and re-encodes to itself, every midpoint rounds to the even neighbour, from float32 and float64", () => {
  const all = new Uint16Array(65536).map((_, i) => i);
  const file = io.encode({ h: tg.zeros([65536]) }, { dtypes: { h: "F16" } });
  const e = io.decodeSafetensorsHeader(file).entries[0];
  new Uint16Array(file.buffer, e.begin, 65536).set(all);
  const loaded = io.decode(file).tensors.h;
  assert.equal(loaded.dtype, "float16");
  // a float16 tensor is written back as its bits, NaN payloads (signalling ones too) included
  assert.deepEqual(halfBits(loaded, "F16"), all);
  const values = tg.tensor(loaded.data()); // float32 values (NaN payloads in the top bits)
  const isNaN16 = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
  for (const src of [values, values.cast("float64")]) {
    const back = halfBits(src, "F16");
    for (let h = 0; h < 65536; h++) {
      const want = isNaN16(h) ? h | 0x200 : h; // a signalling NaN comes back quieted, its payload kept
      if (back[h] !== want) assert.fail(`${src.dtype}: F16 0x${h.toString(16)} came back as 0x${back[h].toString(16)}`);
    }
    // midpoints between neighbours a < b (positive finite, and the tie past the largest): ties to even
    const v = Array.from(values.data());
    const mids: number[] = [];
    const expect: number[] = [];
    for (let h = 0; h < 0x7bff; h++) {
      mids.push((v[h] + v[h + 1]) / 2);
      expect.push(h % 2 === 0 ? h : h + 1);
    }
    mids.push(65520);
    expect.push(0x7c00);
    const rounded = halfBits(tg.tensor(Float64Array.from(mids), { dtype: src.dtype }), "F16");
    for (let i = 0; i < mids.length; i++)
      if (rounded[i] !== expect[i]) assert.fail(`${src.dtype}: midpoint ${mids[i]} rounded to 0x${rounded[i].toString(16)}, expected 0x${expect[i].toString(16)}`);
  }
});

test("decode takes a Node Buffer (pooled, at an offset) and any Uint8Array view", () => {
  const bytes = io.encode({ a: tg.tensor([1, 2, 3]), b: tg.tensor([7], { dtype: "int32" }) }, { dtypes: { a: "F16" } });
  const pooled = Buffer.from(bytes); // small Buffers share one pool: byteOffset > 0, larger .buffer
  const inside = new Uint8Array(bytes.length + 3);
  inside.set(bytes, 3);
  for (const b of [pooled, inside.subarray(3), Buffer.from(inside).subarray(3)]) {
    const t = io.decode(b).tensors;
    assert.deepEqual(t.a.toArray(), [1, 2, 3]);
    assert.deepEqual(t.b.toArray(), [7]);
  }
  assert.throws(() => io.decode("not bytes" as never), (e: unknown) => e instanceof ArgumentError && /expected a Uint8Array, got string/.test(e.message));
});
