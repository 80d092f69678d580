// Files written byte by byte from the safetensors specification by
// test/reference/make-safetensors-fixture.py (no safetensors library), read back here; and the
// float16/bfloat16 rounding of the writer against PyTorch (float32 inputs), Python's struct 'e'
// and exact rational arithmetic (float64 inputs). The script's output, fixtures and JSON, is
// committed; this test never runs Python.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import * as tg from "../src/index.js";
import { DataFormatError } from "../src/index.js";
import { loadSafetensors } from "../src/io/safetensors.js";

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

interface Expected {
  dtype: tg.DType;
  shape: number[];
  bits?: string[];
  values?: number[];
}
interface FileExpectation {
  metadata: Record<string, string>;
  tensors: Record<string, Expected>;
  headerOrder: string[];
}
interface Reference {
  files: Record<string, FileExpectation>;
  rounding: Record<"f32" | "f16OfF32" | "bf16OfF32" | "f64" | "f16OfF64" | "bf16OfF64", string[]>;
  torchMlp: { names: string[]; x: number[][]; y: number[][] };
}

const ref = JSON.parse(readFileSync(fixture("safetensors-fixture.json"), "utf8")) as Reference;

/** The IEEE bit patterns of a float tensor's elements, as hex without leading zeros. */
function bitsOf(t: tg.Tensor): string[] {
  const d = t.data();
  if (d instanceof Float32Array) return Array.from(new Uint32Array(d.buffer, d.byteOffset, d.length), (b) => b.toString(16));
  if (d instanceof Float64Array) {
    const w = new BigUint64Array(d.buffer, d.byteOffset, d.length);
    return Array.from(w, (b) => b.toString(16));
  }
  throw new Error(`not a float tensor: ${t.dtype}`);
}

for (const [file, want] of Object.entries(ref.files)) {
  test(`fixture ${file}: every tensor, dtype, shape and bit pattern as the specification says`, () => {
    const { tensors, metadata } = loadSafetensors(fixture(file));
    assert.deepEqual(metadata, want.metadata);
    assert.deepEqual(Object.keys(tensors), want.headerOrder, "tensors come in header order");
    for (const [name, e] of Object.entries(want.tensors)) {
      const t = tensors[name];
      assert.ok(t, `tensor ${name}`);
      assert.equal(t.dtype, e.dtype, name);
      assert.deepEqual(t.shape, e.shape, name);
      if (e.bits) assert.deepEqual(bitsOf(t), e.bits, name);
      else assert.deepEqual(Array.from(t.data()), e.values, name);
    }
  });
}

test("fixture: tg.io.decode on the bytes gives what loadSafetensors gives", () => {
  const bytes = new Uint8Array(readFileSync(fixture("safetensors-dtypes.safetensors")));
  const a = tg.io.decode(bytes);
  const b = tg.io.load(fixture("safetensors-dtypes.safetensors"));
  assert.deepEqual(Object.keys(a.tensors), Object.keys(b.tensors));
  for (const k of Object.keys(a.tensors)) assert.deepEqual(a.tensors[k].data(), b.tensors[k].data(), k);
});

test("fixture: an I64 value past int32 is refused with the value, the tensor and the file", () => {
  const path = fixture("safetensors-i64-overflow.safetensors");
  assert.throws(
    () => loadSafetensors(path),
    (e: unknown) =>
      e instanceof DataFormatError &&
      e.source === path &&
      e.message.includes('tensor "big": I64 value 2147483648 at flat index 1 does not fit in int32'),
  );
});

test("fixture: re-encoding the dtypes fixture with its file dtypes reproduces every tensor's bytes", () => {
  // tensorgrad writes its own header (compact JSON, its own order), so the files differ, but each
  // tensor's data bytes must be identical to the Python-written ones
  const path = fixture("safetensors-dtypes.safetensors");
  const original = tg.io.decodeSafetensorsHeader(new Uint8Array(readFileSync(path)));
  const bytes = new Uint8Array(readFileSync(path));
  const { tensors, metadata } = tg.io.decode(bytes);
  const dtypes = Object.fromEntries(original.entries.map((e) => [e.name, e.dtype]));
  const again = tg.io.encode(tensors, { metadata, dtypes });
  const header = tg.io.decodeSafetensorsHeader(again);
  for (const e of original.entries) {
    const f = header.entries.find((x) => x.name === e.name)!;
    assert.equal(f.dtype, e.dtype, e.name);
    assert.deepEqual(f.shape, e.shape, e.name);
    assert.deepEqual(again.subarray(f.begin, f.end), bytes.subarray(e.begin, e.end), e.name);
  }
});

function roundTo(kind: "F16" | "BF16", inputs: string[], dtype: "float32" | "float64"): string[] {
  const n = inputs.length;
  const src = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  if (src instanceof Float32Array) new Uint32Array(src.buffer).set(inputs.map((h) => parseInt(h, 16)));
  else new BigUint64Array(src.buffer).set(inputs.map((h) => BigInt("0x" + h)));
  const t = tg.tensor(src, { dtype });
  const bytes = tg.io.encode({ x: t }, { dtypes: { x: kind } });
  const h = tg.io.decodeSafetensorsHeader(bytes).entries[0];
  const out = new Uint16Array(bytes.slice(h.begin, h.end).buffer);
  return Array.from(out, (b) => b.toString(16));
}

test("F16 and BF16 rounding of float32 values matches PyTorch bit for bit (ties to even, subnormals, overflow)", () => {
  assert.ok(ref.rounding.f32.length > 400);
  assert.deepEqual(roundTo("F16", ref.rounding.f32, "float32"), ref.rounding.f16OfF32);
  assert.deepEqual(roundTo("BF16", ref.rounding.f32, "float32"), ref.rounding.bf16OfF32);
});

test("F16 and BF16 rounding of float64 values is correct rounding of the double itself (no double rounding)", () => {
  assert.deepEqual(roundTo("F16", ref.rounding.f64, "float64"), ref.rounding.f16OfF64);
  assert.deepEqual(roundTo("BF16", ref.rounding.f64, "float64"), ref.rounding.bf16OfF64);
});

test("a PyTorch model's state dict, written by hand under PyTorch's names, loads into the same tensorgrad model and gives PyTorch's outputs", () => {
  const path = fixture("safetensors-torch-mlp.safetensors");
  const { nn } = tg;
  const model = new nn.Sequential(new nn.Linear(3, 8), new nn.LayerNorm(8), new nn.Tanh(), new nn.Linear(8, 2));
  assert.deepEqual(Object.keys(model.stateDict()), ref.torchMlp.names, "the same names as torch's state_dict()");
  const { metadata } = tg.io.loadModule(model, path);
  assert.deepEqual(metadata, { format: "pt" });
  const y = model.call(tg.tensor(ref.torchMlp.x)).toArray() as number[][];
  // float32 throughout on both sides; the sums may be ordered differently
  y.flat().forEach((v, i) => assert.ok(Math.abs(v - ref.torchMlp.y.flat()[i]) < 1e-5, `output ${i}: ${v} vs ${ref.torchMlp.y.flat()[i]}`));
});
