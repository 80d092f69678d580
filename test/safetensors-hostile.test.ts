// Hostile safetensors input: every malformed file is refused with a DataFormatError that says
// what is wrong — never another exception, a crash, a hang or an allocation sized by what the
// file claims. Cases: truncation at every length, header lengths out of range, bad JSON and
// non-objects, bad dtypes, shapes that disagree with their byte ranges, bad dimensions and
// offsets, overlaps, gaps, trailing bytes, duplicate keys, bad metadata, deep nesting, and
// seeded random garbage and mutations.

import { test } from "node:test";
import assert from "node:assert/strict";

import * as tg from "../src/index.js";
import { DataFormatError } from "../src/index.js";
import { decodeSafetensors } from "../src/io/safetensors.js";

/** A file with `header` (text, used as is, or an object, JSON-encoded) and `data`; `length` overrides the length field. */
function file(header: string | object, data: Uint8Array | number = 0, opts: { length?: bigint; pad?: boolean } = {}): Uint8Array {
  let text = typeof header === "string" ? header : JSON.stringify(header);
  if (opts.pad ?? true) text += " ".repeat((8 - (new TextEncoder().encode(text).length % 8)) % 8);
  const json = new TextEncoder().encode(text);
  const body = typeof data === "number" ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, opts.length ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

/** Asserts that decoding `bytes` throws a safetensors DataFormatError whose message matches `pattern`. */
function refuses(bytes: Uint8Array, pattern: RegExp, label = String(pattern)): void {
  let err: unknown;
  try {
    decodeSafetensors(bytes, { source: "bad.safetensors" });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof DataFormatError, `${label}: expected a DataFormatError, got ${err === undefined ? "success" : String(err)}`);
  assert.equal(err.format, "safetensors", label);
  assert.ok(err.message.startsWith("safetensors (bad.safetensors): "), `${label}: ${err.message}`);
  assert.match(err.message, pattern, label);
}

const t = (dtype: unknown, shape: unknown, offs: unknown) => ({ dtype, shape, data_offsets: offs });

test("truncated at every length: each prefix of a valid file is refused", () => {
  const good = tg.io.encode(
    { w: tg.randn([3, 2]), b: tg.tensor([1, 2], { dtype: "int32" }), m: tg.tensor([true]), e: tg.zeros([0]) },
    { metadata: { note: "x" } },
  );
  assert.equal(Object.keys(decodeSafetensors(good).tensors).length, 4);
  for (let n = 0; n < good.length; n++)
    refuses(good.subarray(0, n), /starts with an 8-byte header length|runs past the end of the input|run past the end of the data|belong to no tensor/, `prefix of ${n} bytes`);
  // and a byte too many is refused too
  const long = new Uint8Array(good.length + 1);
  long.set(good);
  refuses(long, /bytes \[33, 34\) of the data belong to no tensor/);
});

test("header length: oversized, beyond the file, zero", () => {
  refuses(file("{}", 0, { length: 0xffffffffffffffffn }), /header length 18446744073709551615 exceeds the limit of 100000000 bytes/);
  refuses(file("{}", 0, { length: 100_000_001n }), /header length 100000001 exceeds the limit/);
  refuses(file("{}", 0, { length: 2n ** 32n + 8n }), /header length 4294967304 exceeds the limit/);
  refuses(file("{}", 0, { length: 9n }), /header length 9 runs past the end of the input \(16 bytes\)/);
  refuses(file("{}", 0, { length: 0n }), /byte 8: the header must be a JSON object starting with '\{'; its length is 0/);
});

test("not JSON, not an object, not UTF-8, not padded with spaces", () => {
  refuses(file("{abc"), /byte 9: the header is not valid JSON: expected a string key, found "a"/);
  refuses(file('{"a":1,}'), /not valid JSON: expected a string key, found "\}"/);
  refuses(file('{"a":{"dtype":"F32"'), /not valid JSON/);
  refuses(file('{"a":"\\x"}'), /invalid escape/);
  refuses(file('{"a":"\\ud800"}'), /unpaired high surrogate escape/);
  refuses(file('{"a":"\u0001"}'), /control character in a string/);
  refuses(file("[1, 2]"), /byte 8: the header must be a JSON object starting with '\{'/);
  refuses(file(' {"a": 1}'), /must be a JSON object starting with '\{'/);
  refuses(file('"text"'), /starting with '\{'/);
  refuses(file("{}{}"), /unexpected "\{" after the JSON value/);
  // padding that is not whitespace (NUL bytes), and a length that cuts the JSON short (misaligned)
  refuses(file("{}\0\0\0\0\0\0", 0, { pad: false }), /not valid JSON: unexpected "\\u0000" after the JSON value/);
  const h = JSON.stringify({ a: t("F32", [1], [0, 4]) });
  refuses(file(h, 4, { pad: false, length: BigInt(h.length - 1) }), /not valid JSON/);
  refuses(file(h + "  x", 4, { pad: false }), /unexpected "x" after the JSON value/);
  // bytes that are not UTF-8
  const bad = file('{"a":"xx"}      ');
  bad[14] = 0xff;
  refuses(bad, /byte 8: the header is not valid UTF-8/);
});

test("the header is never trusted for recursion depth", () => {
  refuses(file(`{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}`), /nesting deeper than 64 levels/);
  refuses(file(`{"a":${'{"b":'.repeat(10_000)}1${"}".repeat(10_000)}}`), /nesting deeper than 64 levels/);
});

test("dtype: unknown, unsupported, not a string, missing", () => {
  refuses(file({ a: t("f32", [1], [0, 4]) }, 4), /tensor "a": unknown dtype "f32" \(expected one of F64, F32/);
  refuses(file({ a: t("", [1], [0, 4]) }, 4), /unknown dtype ""/);
  refuses(file({ a: t("F8_E4M3", [4], [0, 4]) }, 4), /tensor "a": dtype F8_E4M3 is not supported/);
  refuses(file({ a: t(5, [1], [0, 4]) }, 4), /tensor "a": dtype must be a string, got number 5/);
  refuses(file({ a: { shape: [1], data_offsets: [0, 4] } }, 4), /dtype must be a string, got nothing/);
  refuses(file({ a: t("__proto__", [1], [0, 4]) }, 4), /unknown dtype "__proto__"/);
  refuses(file({ a: t("toString", [1], [0, 4]) }, 4), /unknown dtype "toString"/);
});

test("shape: product disagrees with the byte range; negative, fractional, exponent, huge, non-numeric dimensions", () => {
  refuses(file({ a: t("F32", [2, 3], [0, 20]) }, 20), /tensor "a": shape \[2,3\] of F32 needs 24 bytes but data_offsets \[0, 20\] hold 20/);
  refuses(file({ a: t("F32", [], [0, 8]) }, 8), /shape \[\] of F32 needs 4 bytes but data_offsets \[0, 8\] hold 8/);
  refuses(file({ a: t("F64", [0], [0, 8]) }, 8), /shape \[0\] of F64 needs 0 bytes/);
  refuses(file({ a: t("F32", [-1], [0, 4]) }, 4), /tensor "a": shape\[0\] must be a non-negative integer, got -1/);
  refuses(file('{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}', 4), /shape\[0\] must be a non-negative integer, got 1\.5/);
  refuses(file('{"a":{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}}', 4), /shape\[0\] must be a non-negative integer, got 1e0/);
  refuses(file('{"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}', 4), /got 1\.0/);
  refuses(file('{"a":{"dtype":"F32","shape":[-0],"data_offsets":[0,0]}}'), /got -0/);
  refuses(file('{"a":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,4]}}', 4), /shape\[0\] is too large: 99999999999999999999/);
  refuses(file({ a: t("F32", [2 ** 53], [0, 4]) }, 4), /shape\[0\] is too large/);
  // a product far past 2^53 (each factor fine) is caught without overflowing
  refuses(file({ a: t("U8", [2 ** 26, 2 ** 26, 2 ** 26, 0.5e1], [0, 4]) }, 4), /shape\[3\] must be a non-negative integer, got 5|needs more than 2\^53 bytes/);
  refuses(file({ a: t("U8", [2 ** 26, 2 ** 26, 2 ** 26], [0, 4]) }, 4), /needs more than 2\^53 bytes but data_offsets \[0, 4\] hold 4/);
  refuses(file({ a: t("F32", [2 ** 40, 2 ** 20], [0, 4]) }, 4), /needs more than 2\^53 bytes/);
  refuses(file({ a: t("F32", ["3"], [0, 12]) }, 12), /shape\[0\] must be a non-negative integer, got string "3"/);
  refuses(file({ a: t("F32", [null], [0, 4]) }, 4), /got null/);
  refuses(file({ a: t("F32", 4, [0, 16]) }, 16), /shape must be an array, got number 4/);
  refuses(file({ a: t("F32", new Array(65).fill(1), [0, 4]) }, 4), /tensor "a": rank 65 exceeds the limit of 64/);
  refuses(file({ a: { dtype: "F32", data_offsets: [0, 4] } }, 4), /shape must be an array, got nothing/);
});

test("data_offsets: malformed, reversed, past the end, overlapping, gaps, trailing bytes", () => {
  refuses(file({ a: t("F32", [1], [0, 4, 8]) }, 4), /tensor "a": data_offsets must be an array \[begin, end\], got an array/);
  refuses(file({ a: t("F32", [1], "0-4") }, 4), /data_offsets must be an array \[begin, end\], got string "0-4"/);
  refuses(file({ a: { dtype: "F32", shape: [1] } }, 4), /data_offsets must be an array \[begin, end\], got nothing/);
  refuses(file({ a: t("F32", [1], [-4, 0]) }, 4), /data_offsets\[0\] must be a non-negative integer, got -4/);
  refuses(file({ a: t("F32", [1], [4, 0]) }, 4), /data_offsets \[4, 0\] end before they begin/);
  refuses(file({ a: t("F32", [1], [0, 4]) }, 3), /data_offsets \[0, 4\] run past the end of the data \(3 bytes\)/);
  refuses(file({ a: t("F32", [1], [2 ** 40, 2 ** 40 + 4]) }, 4), /run past the end of the data/);
  refuses(file({ a: t("F32", [2], [0, 8]), b: t("F32", [1], [4, 8]) }, 8), /tensor "b": data_offsets \[4, 8\] overlap those of "a" \[0, 8\]/);
  refuses(file({ a: t("F32", [1], [0, 4]), b: t("F32", [1], [0, 4]) }, 4), /overlap/);
  refuses(file({ a: t("F32", [2], [0, 8]), z: t("F32", [0], [4, 4]) }, 8), /tensor "z": data_offsets \[4, 4\] overlap those of "a"/);
  refuses(file({ a: t("F32", [1], [0, 4]), b: t("F32", [1], [8, 12]) }, 12), /bytes \[4, 8\) of the data belong to no tensor \(a gap before "b"\)/);
  refuses(file({ a: t("F32", [1], [4, 8]) }, 8), /bytes \[0, 4\) of the data belong to no tensor/);
  refuses(file({ a: t("F32", [1], [0, 4]) }, 6), /bytes \[4, 6\) of the data belong to no tensor/);
  refuses(file({}, 1), /bytes \[0, 1\) of the data belong to no tensor/);
  // zero-size tensors at the boundaries are fine
  const ok = decodeSafetensors(file({ z0: t("F32", [0], [0, 0]), a: t("F32", [1], [0, 4]), z1: t("I32", [0, 5], [4, 4]) }, 4));
  assert.deepEqual(Object.keys(ok.tensors), ["z0", "a", "z1"]);
});

test("duplicate keys anywhere in the header", () => {
  const a = '{"dtype":"F32","shape":[1],"data_offsets":[0,4]}';
  refuses(file(`{"a":${a},"a":${a}}`, 4), /not valid JSON: duplicate key "a"/);
  refuses(file('{"a":{"dtype":"F32","dtype":"F64","shape":[1],"data_offsets":[0,4]}}', 4), /duplicate key "dtype"/);
  refuses(file('{"__metadata__":{"k":"1","k":"2"}}'), /duplicate key "k"/);
  refuses(file('{"__metadata__":{},"__metadata__":{}}'), /duplicate key "__metadata__"/);
  // keys equal after escape decoding are duplicates too
  refuses(file(`{"a":${a},"\\u0061":${a}}`, 4), /duplicate key "a"/);
});

test("__metadata__: values that are not strings, not an object", () => {
  refuses(file({ __metadata__: { n: 1 } }), /__metadata__ "n" must be a string, got number 1/);
  refuses(file({ __metadata__: { n: null } }), /__metadata__ "n" must be a string, got null/);
  refuses(file({ __metadata__: { n: { deep: "x" } } }), /must be a string, got an object/);
  refuses(file({ __metadata__: { n: ["x"] } }), /must be a string, got an array/);
  refuses(file({ __metadata__: { n: true } }), /must be a string, got true/);
  refuses(file({ __metadata__: "format=pt" }), /__metadata__ must be an object of strings, got string "format=pt"/);
  refuses(file({ __metadata__: [] }), /__metadata__ must be an object of strings, got an array/);
  // null means no metadata, as the reference implementation reads it
  assert.deepEqual(decodeSafetensors(file({ __metadata__: null })).metadata, {});
});

test("a tensor entry that is not an object; element values tensorgrad cannot hold", () => {
  refuses(file({ a: [1, 2] }), /tensor "a": expected an object with dtype, shape and data_offsets, got an array/);
  refuses(file({ a: "F32" }), /got string "F32"/);
  refuses(file({ a: t("BOOL", [2], [0, 2]) }, new Uint8Array([1, 2])), /byte \d+: tensor "a": BOOL byte 2 at flat index 1 is neither 0 nor 1/);
  const u64 = new Uint8Array(8);
  u64[7] = 0x80;
  refuses(file({ a: t("U64", [1], [0, 8]) }, u64), /U64 value 9223372036854775808 at flat index 0 does not fit in int32/);
  const i64 = new Uint8Array(8).fill(0xff);
  i64[3] = 0x7f; // −2^31 − 1
  refuses(file({ a: t("I64", [1], [0, 8]) }, i64), /I64 value -2147483649 at flat index 0 does not fit in int32/);
  refuses(file({ a: t("U32", [1], [0, 4]) }, new Uint8Array([0, 0, 0, 0x80])), /U32 value 2147483648 at flat index 0 does not fit in int32/);
});

/** mulberry32: a small seeded generator for reproducible garbage. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Decodes `bytes`; returns "ok" or "refused", and fails the test on any other outcome. */
function outcome(bytes: Uint8Array, label: string): "ok" | "refused" {
  try {
    decodeSafetensors(bytes);
    return "ok";
  } catch (e) {
    assert.ok(e instanceof DataFormatError, `${label}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    return "refused";
  }
}

test("seeded random garbage: refused with a DataFormatError, every time", () => {
  const r = rng(1234);
  for (let i = 0; i < 3000; i++) {
    const n = Math.floor(r() * 200);
    const b = new Uint8Array(n);
    for (let k = 0; k < n; k++) b[k] = Math.floor(r() * 256);
    // half the cases get a plausible length field, so the JSON reader is fuzzed too
    if (n >= 8 && i % 2 === 0) {
      new DataView(b.buffer).setBigUint64(0, BigInt(Math.floor(r() * (n - 7))), true);
      b[8] = 0x7b; // '{'
    }
    assert.equal(outcome(b, `garbage #${i}`), "refused", `garbage #${i} decoded`);
  }
});

test("seeded random header mutations of a valid file: decoded or refused with a DataFormatError, nothing else", () => {
  const good = tg.io.encode(
    { "layers.0.weight": tg.randn([4, 3]), "layers.0.bias": tg.zeros([4]), idx: tg.tensor([3, 1], { dtype: "int32" }), m: tg.tensor([true, false]) },
    { metadata: { format: "pt" }, dtypes: { "layers.0.bias": "F16", idx: "I64" } },
  );
  const headerEnd = 8 + Number(new DataView(good.buffer).getBigUint64(0, true));
  const alphabet = new TextEncoder().encode('{}[]",:0123456789-.eE \\u_aF');
  const r = rng(99);
  const seen = { ok: 0, refused: 0 };
  for (let i = 0; i < 3000; i++) {
    const b = good.slice();
    const edits = 1 + Math.floor(r() * 3);
    for (let k = 0; k < edits; k++) {
      const at = Math.floor(r() * headerEnd);
      b[at] = r() < 0.7 ? alphabet[Math.floor(r() * alphabet.length)] : Math.floor(r() * 256);
    }
    seen[outcome(b, `mutation #${i}`)]++;
  }
  assert.ok(seen.refused > 1000, `most mutations are refused (${JSON.stringify(seen)})`);
});
