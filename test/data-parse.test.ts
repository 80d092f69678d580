import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import {
  DataFormatError,
  buildCharVocab,
  digitsFromTable,
  encodeIDX,
  gunzip,
  isGzip,
  maybeGunzip,
  parseIDX,
  parseLineFitJSON,
  parseNumberCell,
  parseNumericCSV,
  type IDXDType,
} from "../src/data/parse/index.js";
import {
  dataFileURL,
  findPackageRoot,
  loadDigits,
  loadLineFit,
  loadTinyShakespeare,
  readCSVFile,
  readIDXFile,
  readTextFile,
} from "../src/data/parse/node.js";

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const u8 = (...b: number[]): Uint8Array => new Uint8Array(b);

/** Asserts that `fn` throws (or rejects with) a DataFormatError with exactly `message`. */
async function assertDataError(fn: () => unknown, message: string | RegExp): Promise<void> {
  await assert.rejects(
    async () => fn(),
    (e: unknown) => {
      assert.ok(e instanceof DataFormatError, `expected DataFormatError, got ${String(e)}`);
      assert.equal(e.name, "DataFormatError");
      if (typeof message === "string") assert.equal(e.message, message);
      else assert.match(e.message, message);
      return true;
    },
  );
}

// ---------------------------------------------------------------- errors

test("DataFormatError: message layout and fields", () => {
  const e = new DataFormatError("csv", '"abc" is not a number', { source: "f.csv", line: 7, column: 3 });
  assert.equal(e.message, 'csv (f.csv): line 7, column 3: "abc" is not a number');
  assert.equal(e.name, "DataFormatError");
  assert.ok(e instanceof Error);
  assert.deepEqual([e.format, e.detail, e.source, e.line, e.column, e.offset], [
    "csv",
    '"abc" is not a number',
    "f.csv",
    7,
    3,
    undefined,
  ]);
  assert.equal(new DataFormatError("idx", "bad", { offset: 4 }).message, "idx: byte 4: bad");
  assert.equal(new DataFormatError("gzip", "bad").message, "gzip: bad");
  assert.match(String(e), /^DataFormatError: csv \(f\.csv\)/);
});

// ---------------------------------------------------------------- csv

test("parseNumericCSV: header, values, shape", () => {
  const t = parseNumericCSV("x,y\n1,2\n3,4\n");
  assert.deepEqual(t.columns, ["x", "y"]);
  assert.equal(t.rows, 2);
  assert.equal(t.cols, 2);
  assert.deepEqual(Array.from(t.values), [1, 2, 3, 4]);
  assert.ok(t.values instanceof Float64Array);
  assert.equal(t.values.length, 4);
});

test("parseNumericCSV: header option", () => {
  const auto = parseNumericCSV("1,2\n3,4");
  assert.equal(auto.columns, null);
  assert.equal(auto.rows, 2);
  const forced = parseNumericCSV("1,2\n3,4", { header: true });
  assert.deepEqual(forced.columns, ["1", "2"]);
  assert.deepEqual(Array.from(forced.values), [3, 4]);
  // A first row with an empty cell is still data, not a header.
  assert.equal(parseNumericCSV(",a\n1,2").columns?.join("|"), "|a");
});

test("parseNumericCSV: number syntax", () => {
  const t = parseNumericCSV("1e3,-2.5,+.5,3.,NaN,-inf,Infinity,0007", { header: false });
  assert.deepEqual(Array.from(t.values), [1000, -2.5, 0.5, 3, NaN, -Infinity, Infinity, 7]);
  for (const bad of ["", " ", "0x10", "1_000", "1,5", "1e", "e3", ".", "--1", "1 2", "Inf inity"]) {
    assert.equal(parseNumberCell(bad), undefined, bad);
  }
});

test("parseNumericCSV: quoted cells, CRLF, BOM, blank lines, whitespace", async () => {
  const t = await readCSVFile(fixture("quoted-crlf.csv"));
  assert.deepEqual(t.columns, ["x", "y"]);
  assert.deepEqual(Array.from(t.values), [1.5, -2000, 3, 4]);
  const bom = parseNumericCSV('\uFEFFa,"b ""quoted"""\r1,2\r');
  assert.deepEqual(bom.columns, ["a", 'b "quoted"']);
  assert.deepEqual(Array.from(bom.values), [1, 2]);
  const tabs = parseNumericCSV("a\tb\n 1 \t2 \n", { delimiter: "\t" });
  assert.deepEqual(tabs.columns, ["a", "b"]);
  assert.deepEqual(Array.from(tabs.values), [1, 2]);
  // A doubled tab is an extra (empty) field, not padding.
  assert.throws(() => parseNumericCSV("a\tb\n1\t\t2\n", { delimiter: "\t" }), {
    message: "csv: line 2: expected 2 columns (as on line 1), found 3",
  });
});

test("parseNumericCSV: custom delimiter and special values", async () => {
  const t = await readCSVFile(fixture("semicolon.csv"), { delimiter: ";" });
  assert.equal(t.columns, null);
  assert.equal(t.rows, 3);
  assert.deepEqual(Array.from(t.values), [1, 2, 3, NaN, -Infinity, 0.5]);
  const multi = parseNumericCSV("a::b\n1::2", { delimiter: "::" });
  assert.deepEqual(Array.from(multi.values), [1, 2]);
  assert.throws(() => parseNumericCSV("1", { delimiter: "" }), /invalid delimiter ""/);
  assert.throws(() => parseNumericCSV("1", { delimiter: '"' }), /invalid delimiter/);
});

test("parseNumericCSV: error messages", async () => {
  await assertDataError(
    () => parseNumericCSV("a,b,c\n1,2,3\n4,5,6\n7,8,9\n\n1,2,3\n6,7,abc\n"),
    'csv: line 7, column 3: "abc" is not a number',
  );
  const nonNumeric = fixture("non-numeric.csv");
  await assertDataError(() => readCSVFile(nonNumeric), `csv (${nonNumeric}): line 7, column 3: "abc" is not a number`);
  const ragged = fixture("ragged.csv");
  await assertDataError(() => readCSVFile(ragged), `csv (${ragged}): line 4: expected 3 columns (as on line 1), found 2`);
  await assertDataError(() => parseNumericCSV("1,2\n3,4,5"), "csv: line 2: expected 2 columns (as on line 1), found 3");
  const empty = fixture("empty.csv");
  await assertDataError(() => readCSVFile(empty), `csv (${empty}): no data: the input is empty`);
  await assertDataError(() => parseNumericCSV(" \n\r\n\t\n"), "csv: no data: the input is empty");
  const headerOnly = fixture("header-only.csv");
  await assertDataError(() => readCSVFile(headerOnly), `csv (${headerOnly}): no data rows after the header`);
  const emptyCell = fixture("empty-cell.csv");
  await assertDataError(() => readCSVFile(emptyCell), `csv (${emptyCell}): line 2, column 2: empty cell`);
  await assertDataError(
    () => parseNumericCSV('x,y\n1,"2\n', { source: "mem" }),
    "csv (mem): line 2, column 2: unterminated quoted cell",
  );
  await assertDataError(() => parseNumericCSV('x,y\n1,"2"3\n'), 'csv: line 2, column 2: unexpected text after closing quote: "3"');
  await assertDataError(() => parseNumericCSV('x,y\n1,2"\n'), 'csv: line 2, column 2: stray quote in unquoted cell "2\\""');
  await assertDataError(() => parseNumericCSV("x\n0x1F\n"), 'csv: line 2, column 1: "0x1F" is not a number');
});

// ---------------------------------------------------------------- idx

test("parseIDX: checked-in uint8 / int16 / float32 fixtures", async () => {
  const labels = parseIDX(new Uint8Array(await readFile(fixture("tiny-labels-idx1-ubyte"))));
  assert.equal(labels.dtype, "uint8");
  assert.deepEqual(labels.shape, [6]);
  assert.ok(labels.data instanceof Uint8Array);
  assert.deepEqual(Array.from(labels.data), [7, 2, 1, 0, 4, 9]);

  const m = await readIDXFile(fixture("tiny-int16-idx2"));
  assert.equal(m.dtype, "int16");
  assert.deepEqual(m.shape, [2, 3]);
  assert.ok(m.data instanceof Int16Array);
  assert.deepEqual(Array.from(m.data), [-1, 2, -300, 4, 32767, -32768]);

  const f = await readIDXFile(fixture("tiny-float32-idx3"));
  assert.equal(f.dtype, "float32");
  assert.deepEqual(f.shape, [2, 2, 2]);
  assert.ok(f.data instanceof Float32Array);
  assert.deepEqual(Array.from(f.data), [0.5, -1.25, 3, 0, Math.fround(1e-3), -2, 7.75, 100]);
});

test("readIDXFile: gunzips .gz automatically", async () => {
  const gz = await readFile(fixture("tiny-labels-idx1-ubyte.gz"));
  assert.ok(isGzip(gz));
  const labels = await readIDXFile(fixture("tiny-labels-idx1-ubyte.gz"));
  assert.deepEqual(labels.shape, [6]);
  assert.deepEqual(Array.from(labels.data), [7, 2, 1, 0, 4, 9]);
});

test("parseIDX: returned data does not alias the input", () => {
  const bytes = encodeIDX({ dtype: "uint8", shape: [2], data: [1, 2] });
  const a = parseIDX(bytes);
  bytes[bytes.length - 1] = 99;
  assert.deepEqual(Array.from(a.data), [1, 2]);
  // Works on a view into a larger buffer too (offset not 0 nor aligned).
  const big = new Uint8Array(3 + 16 + 5);
  big.set(encodeIDX({ dtype: "int32", shape: [1, 1], data: [-123456] }), 3);
  const view = big.subarray(3, 3 + 16);
  assert.deepEqual(Array.from(parseIDX(view).data), [-123456]);
});

test("encodeIDX/parseIDX round-trip for every dtype", () => {
  const cases: [IDXDType, number[]][] = [
    ["uint8", [0, 1, 128, 255, 7, 9]],
    ["int8", [-128, -1, 0, 1, 127, 5]],
    ["int16", [-32768, -2, 0, 3, 32767, 1000]],
    ["int32", [-2147483648, -5, 0, 6, 2147483647, 65536]],
    ["float32", [0.5, -1.5, 3.25, 0, -0, 1e10]],
    ["float64", [Math.PI, -Math.E, 1e-300, 0, Infinity, NaN]],
  ];
  for (const [dtype, data] of cases) {
    const bytes = encodeIDX({ dtype, shape: [2, 3], data });
    assert.equal(bytes.length, 4 + 8 + data.length * ({ uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 } as const)[dtype]);
    const back = parseIDX(bytes);
    assert.equal(back.dtype, dtype);
    assert.deepEqual(back.shape, [2, 3]);
    assert.deepEqual(Array.from(back.data), dtype === "float32" ? data.map(Math.fround) : data);
  }
  const scalar = parseIDX(encodeIDX({ dtype: "float64", shape: [], data: [2.5] }));
  assert.deepEqual(scalar.shape, []);
  assert.deepEqual(Array.from(scalar.data), [2.5]);
  const empty = parseIDX(encodeIDX({ dtype: "int16", shape: [0, 28], data: [] }));
  assert.deepEqual(empty.shape, [0, 28]);
  assert.equal(empty.data.length, 0);
});

test("encodeIDX: invalid input", () => {
  assert.throws(() => encodeIDX({ dtype: "uint8", shape: [2], data: [1, 256] }), /element 1 \(256\) is not a valid uint8/);
  assert.throws(() => encodeIDX({ dtype: "int8", shape: [1], data: [0.5] }), /element 0 \(0.5\) is not a valid int8/);
  assert.throws(() => encodeIDX({ dtype: "uint8", shape: [2, 2], data: [1] }), /shape \[2, 2\] needs 4 elements, data has 1/);
  assert.throws(() => encodeIDX({ dtype: "uint8", shape: [-1], data: [] }), /invalid dimension -1/);
  assert.throws(() => encodeIDX({ dtype: "bool" as IDXDType, shape: [0], data: [] }), /unknown dtype "bool"/);
});

test("parseIDX: error messages", async () => {
  await assertDataError(() => parseIDX(u8(0, 0, 8)), "idx: truncated header: expected at least 4 bytes (magic number), found 3");
  await assertDataError(
    () => parseIDX(u8(0, 1, 8, 1, 0, 0, 0, 0)),
    "idx: byte 0: bad magic number: expected 0x00 0x00 <type> <ndim>, found 0x00 0x01 0x08 0x01",
  );
  const gz = new Uint8Array(gzipSync(encodeIDX({ dtype: "uint8", shape: [1], data: [1] })));
  await assertDataError(
    () => parseIDX(gz, { source: "labels.gz" }),
    /^idx \(labels\.gz\): byte 0: bad magic number: expected 0x00 0x00 <type> <ndim>, found 0x1f 0x8b 0x08 0x00 \(this is gzip data: gunzip it first\)$/,
  );
  await assertDataError(
    () => parseIDX(u8(0, 0, 0x0a, 1, 0, 0, 0, 0)),
    "idx: byte 2: unknown element type code 0x0a: expected one of 0x08 (uint8), 0x09 (int8), 0x0b (int16), 0x0c (int32), 0x0d (float32), 0x0e (float64)",
  );
  await assertDataError(
    () => parseIDX(u8(0, 0, 8, 3, 0, 0, 0, 1, 0, 0)),
    "idx: truncated header: expected 16 bytes for 3 dimension sizes, found 10",
  );
  await assertDataError(
    () => parseIDX(u8(0, 0, 8, 1, 0, 0)),
    "idx: truncated header: expected 8 bytes for 1 dimension size, found 6",
  );
  const full = encodeIDX({ dtype: "int16", shape: [2, 3], data: [1, 2, 3, 4, 5, 6] });
  await assertDataError(
    () => parseIDX(full.subarray(0, full.length - 3)),
    "idx: byte 12: truncated data: expected 12 data bytes for shape [2, 3] of int16, found 9",
  );
  const long = new Uint8Array(full.length + 2);
  long.set(full);
  await assertDataError(
    () => parseIDX(long),
    "idx: byte 12: expected 12 data bytes for shape [2, 3] of int16, found 14 (2 extra bytes after the data)",
  );
  // A header claiming far more data than present must fail fast, not allocate.
  await assertDataError(
    () => parseIDX(u8(0, 0, 0x0e, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)),
    "idx: byte 12: truncated data: expected 147573952520956936200 data bytes for shape [4294967295, 4294967295] of float64, found 0",
  );
  const dir = await mkdtemp(join(tmpdir(), "tg-idx-"));
  try {
    const p = join(dir, "cut-idx1-ubyte.gz");
    await writeFile(p, gzipSync(u8(0, 0, 8, 1, 0, 0, 0, 5, 1, 2)));
    await assertDataError(
      () => readIDXFile(p),
      `idx (${p}): byte 8: truncated data: expected 5 data bytes for shape [5] of uint8, found 2`,
    );
  } finally {
    await rm(dir, { recursive: true });
  }
});

// ---------------------------------------------------------------- gzip

test("gunzip: round-trip against node:zlib", async () => {
  const text = "tensorgrad ".repeat(5000) + "\u00e9\u{1F600}";
  const raw = new TextEncoder().encode(text);
  const gz = new Uint8Array(gzipSync(raw));
  assert.ok(isGzip(gz));
  assert.ok(!isGzip(raw));
  const out = await gunzip(gz);
  assert.deepEqual(out, raw);
  assert.equal(new TextDecoder().decode(out), text);

  // Random bytes: incompressible, so the output spans several stream chunks.
  const rnd = new Uint8Array(300_000);
  let s = 12345;
  for (let i = 0; i < rnd.length; i++) rnd[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
  assert.deepEqual(await gunzip(new Uint8Array(gzipSync(rnd))), rnd);

  assert.deepEqual(await gunzip(new Uint8Array(gzipSync(new Uint8Array(0)))), new Uint8Array(0));
  assert.equal(await maybeGunzip(raw), raw);
  assert.deepEqual(await maybeGunzip(gz), raw);
});

test("gunzip: error messages", async () => {
  const gz = new Uint8Array(gzipSync(new TextEncoder().encode("hello world ".repeat(100))));
  await assertDataError(() => gunzip(new Uint8Array(0)), "gzip: byte 0: not gzip data: expected magic bytes 1f 8b 08, found empty input");
  await assertDataError(
    () => gunzip(new TextEncoder().encode("x,y\n"), { source: "a.csv" }),
    "gzip (a.csv): byte 0: not gzip data: expected magic bytes 1f 8b 08, found 78 2c 79",
  );
  await assertDataError(() => gunzip(gz.subarray(0, gz.length - 10)), /^gzip: corrupt or truncated stream \(.+\)$/);
  const flipped = gz.slice();
  flipped[12] ^= 0xff;
  await assertDataError(() => gunzip(flipped, { source: "f.gz" }), /^gzip \(f\.gz\): corrupt or truncated stream \(.+\)$/);
  const badCrc = gz.slice();
  badCrc[badCrc.length - 6] ^= 0xff;
  await assertDataError(() => gunzip(badCrc), /^gzip: corrupt or truncated stream \(.+\)$/);
  const err = await gunzip(badCrc).catch((e: unknown) => e);
  assert.ok(err instanceof DataFormatError && err.cause !== undefined);
});

// ---------------------------------------------------------------- text

test("buildCharVocab: sorted code points, encode/decode round-trip", () => {
  const v = buildCharVocab("hello");
  assert.deepEqual(v.chars, ["e", "h", "l", "o"]);
  assert.equal(v.size, 4);
  assert.deepEqual(Array.from(v.encode("hole")), [1, 3, 2, 0]);
  assert.equal(v.decode([1, 0, 2, 2, 3]), "hello");
  assert.equal(v.stoi.get("l"), 2);
  assert.ok(v.encode("") instanceof Int32Array);
  assert.equal(v.decode(new Int32Array(0)), "");
});

test("buildCharVocab: non-BMP characters are single tokens in code point order", () => {
  // U+1F600 (surrogate pair) must sort after U+FF21, unlike UTF-16 order.
  const text = "a\u{1F600}\uFF21b\u{1F600}\u00e9\n";
  const v = buildCharVocab(text);
  assert.deepEqual(v.chars, ["\n", "a", "b", "\u00e9", "\uFF21", "\u{1F600}"]);
  const ids = v.encode(text);
  assert.equal(ids.length, 7);
  assert.deepEqual(Array.from(ids), [1, 5, 4, 2, 5, 3, 0]);
  assert.equal(v.decode(ids), text);
  assert.equal(v.decode(Array.from(ids)), text);
});

test("buildCharVocab: errors", () => {
  const v = buildCharVocab("ab");
  assert.throws(() => v.encode("abc"), { name: "RangeError", message: 'encode: character "c" (U+0063) at position 2 is not in the vocabulary' });
  assert.throws(() => v.encode("a\u{1F600}"), { message: 'encode: character "\u{1F600}" (U+1F600) at position 1 is not in the vocabulary' });
  assert.throws(() => v.decode([0, 2]), { name: "RangeError", message: "decode: id 2 at position 1 is out of range (valid ids are 0..1)" });
  assert.throws(() => v.decode([0.5]), { message: "decode: id 0.5 at position 0 is out of range (valid ids are 0..1)" });
  assert.throws(() => v.decode([-1]), { message: "decode: id -1 at position 0 is out of range (valid ids are 0..1)" });
  assert.throws(() => buildCharVocab("").decode([0]), { message: "decode: id 0 at position 0 is out of range (the vocabulary is empty)" });
});

// ---------------------------------------------------------------- shipped data sets

test("loadDigits: 1797 × 64, labels 0..9 balanced, pixels 0..16", async () => {
  const d = await loadDigits();
  assert.equal(d.n, 1797);
  assert.equal(d.features, 64);
  assert.ok(d.images instanceof Float64Array);
  assert.ok(d.labels instanceof Int32Array);
  assert.equal(d.images.length, 1797 * 64);
  assert.equal(d.labels.length, 1797);
  const counts = new Array(10).fill(0);
  for (const l of d.labels) counts[l]++;
  assert.ok(counts.every((c) => c >= 170 && c <= 190), String(counts));
  let min = Infinity;
  let max = -Infinity;
  for (const p of d.images) {
    assert.ok(Number.isInteger(p));
    min = Math.min(min, p);
    max = Math.max(max, p);
  }
  assert.equal(min, 0);
  assert.equal(max, 16);
  // First row of the file: a zero.
  assert.equal(d.labels[0], 0);
  assert.deepEqual(Array.from(d.images.subarray(0, 8)), [0, 0, 5, 13, 9, 1, 0, 0]);
});

test("digitsFromTable: validation", async () => {
  await assertDataError(
    () => digitsFromTable(parseNumericCSV("1,2,3"), { source: "d.csv" }),
    "digits (d.csv): expected 65 columns (64 pixels and the label), found 3",
  );
  const row = (pixel: number, label: number) => [pixel, ...new Array(63).fill(0), label].join(",");
  assert.equal(digitsFromTable(parseNumericCSV(row(16, 9))).labels[0], 9);
  await assertDataError(
    () => digitsFromTable(parseNumericCSV(row(0, 1) + "\n" + row(17, 1))),
    "digits: row 2, column 1: pixel value 17 is not an integer in 0..16",
  );
  await assertDataError(
    () => digitsFromTable(parseNumericCSV(row(1, 10))),
    "digits: row 1, column 65: label 10 is not an integer in 0..9",
  );
});

test("loadLineFit: 20 points near y = 2x + 1", async () => {
  const { x, y, n } = await loadLineFit();
  assert.equal(n, 20);
  assert.equal(x.length, 20);
  assert.equal(y.length, 20);
  assert.equal(x[0], -2);
  assert.equal(x[19], 5);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(y[i] - (2 * x[i] + 1)) < 3);
  // Least-squares slope is close to 2.
  const mx = x.reduce((a, b) => a + b) / n;
  const my = y.reduce((a, b) => a + b) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  assert.ok(Math.abs(sxy / sxx - 2) < 0.3);
});

test("parseLineFitJSON: validation", async () => {
  assert.equal(parseLineFitJSON('{"x":[1],"y":[2]}').n, 1);
  await assertDataError(() => parseLineFitJSON("[1,2]"), 'json: expected an object with "x" and "y" arrays, found an array');
  await assertDataError(() => parseLineFitJSON('{"x":[1]}', { source: "p.json" }), 'json (p.json): expected "y" to be an array of numbers, found no such key');
  await assertDataError(() => parseLineFitJSON('{"x":[1,"2"],"y":[1,2]}'), 'json: "x"[1] is "2", expected a finite number');
  await assertDataError(() => parseLineFitJSON('{"x":[1,2],"y":[1]}'), 'json: "x" has 2 values but "y" has 1');
  await assertDataError(() => parseLineFitJSON('{"x":[],"y":[]}'), 'json: "x" and "y" are empty');
  await assertDataError(() => parseLineFitJSON("{"), /^json: .+/);
});

test("loadTinyShakespeare + buildCharVocab", async () => {
  const text = await loadTinyShakespeare();
  assert.equal(text.length, 99_991);
  assert.ok(text.startsWith("First Citizen:\n"));
  const v = buildCharVocab(text);
  assert.ok(v.size > 50 && v.size <= 65, String(v.size));
  const ids = v.encode(text);
  assert.equal(ids.length, text.length);
  assert.equal(v.decode(ids), text);
});

// ---------------------------------------------------------------- node helpers

test("readTextFile: plain, gzipped, invalid UTF-8", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tg-text-"));
  try {
    const plain = join(dir, "a.txt");
    const gz = join(dir, "a.txt.gz");
    const bad = join(dir, "bad.txt");
    await writeFile(plain, "\uFEFFh\u00e9llo \u{1F600}\n");
    await writeFile(gz, gzipSync(Buffer.from("h\u00e9llo \u{1F600}\n")));
    await writeFile(bad, Buffer.from([0x68, 0xff, 0x69]));
    assert.equal(await readTextFile(plain), "h\u00e9llo \u{1F600}\n");
    assert.equal(await readTextFile(gz), "h\u00e9llo \u{1F600}\n");
    await assertDataError(() => readTextFile(bad), `text (${bad}): invalid UTF-8`);
    await assert.rejects(readTextFile(join(dir, "missing.txt")), { code: "ENOENT" });
  } finally {
    await rm(dir, { recursive: true });
  }
});

test("readCSVFile: gzipped CSV, file URL paths", async () => {
  const digits = await readCSVFile(dataFileURL("digits.csv.gz"));
  assert.equal(digits.columns, null);
  assert.equal(digits.rows, 1797);
  assert.equal(digits.cols, 65);
});

test("findPackageRoot and dataFileURL point at this package", async () => {
  const root = await findPackageRoot();
  const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as { name: string };
  assert.equal(pkg.name, "tensorgrad");
  assert.equal(fileURLToPath(dataFileURL("digits.csv.gz")), join(root, "data", "digits.csv.gz"));
  await assert.rejects(findPackageRoot(tmpdir()), /no package.json named "tensorgrad" above/);
});
