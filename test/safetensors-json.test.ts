// The strict JSON reader behind safetensors headers, checked differentially against JSON.parse:
// on seeded random documents and their mutations both accept the same texts with the same
// values, except where the strict reader is stricter on purpose (duplicate keys, lone
// surrogates, nesting past 64 levels).

import { test } from "node:test";
import assert from "node:assert/strict";

import { JsonNumber, JsonSyntaxError, parseJson, type Json } from "../src/io/json.js";

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** The plain JS value of a parsed tree (Maps to objects, numbers to Number), as JSON.parse gives. */
function plain(v: Json): unknown {
  if (v instanceof JsonNumber) return Number(v.text);
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) Object.defineProperty(o, k, { value: plain(x), enumerable: true, writable: true, configurable: true });
    return o;
  }
  return v;
}

function randomText(r: () => number): string {
  const pool = ["a", "é", "\u00ff", "😀", '"', "\\", "/", "\n", "\t", "\u0001", "\u2028", " ", "__proto__", "k"];
  let s = "";
  const n = Math.floor(r() * 5);
  for (let i = 0; i < n; i++) s += pool[Math.floor(r() * pool.length)];
  return s;
}

function randomValue(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 3 ? 5 : 7));
  switch (k) {
    case 0: return null;
    case 1: return r() < 0.5;
    case 2: return [0, -0, 1, -1, 1.5, 1e21, 1e-7, 2 ** 53 + 2, -123.456e-5, Number.MAX_VALUE][Math.floor(r() * 10)];
    case 3:
    case 4: return randomText(r);
    case 5: return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      const n = Math.floor(r() * 4);
      for (let i = 0; i < n; i++) Object.defineProperty(o, randomText(r) + i, { value: randomValue(r, depth + 1), enumerable: true });
      return o;
    }
  }
}

/** JSON text with random whitespace between tokens and random \u escapes. */
function spaced(r: () => number, text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") {
        out += c + text[++i];
        continue;
      }
      if (c === '"') inString = false;
      else if (r() < 0.1 && c.charCodeAt(0) < 0xd800) {
        out += "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0");
        continue;
      }
      out += c;
      continue;
    }
    if (c === '"') inString = true;
    if (r() < 0.2) out += [" ", "\n", "\t", "\r"][Math.floor(r() * 4)];
    out += c;
  }
  return out;
}

type Outcome = { ok: true; value: unknown } | { ok: false };

function ours(text: string): Outcome | "stricter" {
  try {
    return { ok: true, value: plain(parseJson(text)) };
  } catch (e) {
    assert.ok(e instanceof JsonSyntaxError, `not a JsonSyntaxError: ${String(e)}`);
    assert.ok(e.pos >= 0 && e.pos <= text.length, "the position is inside the text");
    if (/duplicate key|surrogate|nesting deeper/.test(e.detail)) return "stricter";
    return { ok: false };
  }
}

function theirs(text: string): Outcome {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

test("random documents: the same values as JSON.parse", () => {
  const r = rng(7);
  for (let i = 0; i < 2000; i++) {
    const v = randomValue(r, 0);
    const text = spaced(r, JSON.stringify(v));
    const a = ours(text);
    assert.notEqual(a, "stricter", text);
    assert.deepEqual(a, theirs(text), text);
  }
});

test("random mutations: accepted exactly when JSON.parse accepts (bar the deliberate strictness), with the same values", () => {
  const r = rng(8);
  const alphabet = '{}[]",:0123456789-+.eE \\/ubfnrtx\u0000\ud800\udc00a';
  let accepted = 0;
  for (let i = 0; i < 5000; i++) {
    let text = spaced(r, JSON.stringify(randomValue(r, 0)));
    const edits = 1 + Math.floor(r() * 2);
    for (let k = 0; k < edits; k++) {
      const at = Math.floor(r() * (text.length + 1));
      const c = alphabet[Math.floor(r() * alphabet.length)];
      const op = r();
      text = op < 0.4 ? text.slice(0, at) + c + text.slice(at + 1) : op < 0.7 ? text.slice(0, at) + c + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
    }
    const a = ours(text);
    if (a === "stricter") continue;
    assert.deepEqual(a, theirs(text), JSON.stringify(text));
    if (a.ok) accepted++;
  }
  assert.ok(accepted > 500, `enough mutations stay valid to compare values (${accepted})`);
});

test("the deliberate differences from JSON.parse", () => {
  assert.throws(() => parseJson('{"a":1,"a":2}'), /duplicate key "a"/);
  assert.throws(() => parseJson('"\\udc00"'), /unpaired low surrogate/);
  assert.throws(() => parseJson('"\\ud800x"'), /unpaired high surrogate/);
  assert.throws(() => parseJson('"\ud800"'), /unpaired surrogate/);
  assert.equal(parseJson('"\\ud83d\\ude00😀"'), "😀😀");
  assert.throws(() => parseJson("[".repeat(65) + "]".repeat(65)), /nesting deeper than 64 levels/);
  assert.doesNotThrow(() => parseJson("[".repeat(64) + "]".repeat(64)));
  // numbers keep their text, so large integers are not rounded
  assert.equal((parseJson("12345678901234567890") as JsonNumber).text, "12345678901234567890");
  const m = parseJson('{"__proto__": 1}');
  assert.ok(m instanceof Map && m.get("__proto__") instanceof JsonNumber);
});
