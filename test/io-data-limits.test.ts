// Hostile data files for the parsers in src/data/parse: a gzip "bomb" (a few MB that inflate to
// gigabytes) is stopped at maxOutputBytes with a typed error, and a CSV whose header claims tens
// of thousands of columns is parsed or refused without an allocation sized by the claim. The
// hostile inputs are generated here, small.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { constants, deflateRawSync, gzipSync } from "node:zlib";

import { DataFormatError } from "../src/index.js";
import { DEFAULT_MAX_GUNZIP_BYTES, gunzip, maybeGunzip, parseNumericCSV } from "../src/data/parse/index.js";
import { readCSVFile, readIDXFile, readTextFile } from "../src/data/parse/node.js";

/**
 * A gzip stream of `mib` MiB of zeros built from one sync-flushed deflate chunk repeated (about
 * 1 KB per MiB), so a 5 GiB bomb costs 5 MB to make. The trailer's CRC is not computed: a
 * bounded reader stops long before it.
 */
function gzipBomb(mib: number): Uint8Array {
  const chunk = deflateRawSync(new Uint8Array(1 << 20), { finishFlush: constants.Z_SYNC_FLUSH, level: 9 });
  const out = new Uint8Array(10 + chunk.length * mib + 2 + 8);
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  for (let i = 0; i < mib; i++) out.set(chunk, 10 + i * chunk.length);
  out.set([3, 0], 10 + mib * chunk.length); // an empty final block
  return out;
}

test("gunzip: a 5 MB stream that inflates to 5 GiB is refused at maxOutputBytes, naming the file and the limit", async () => {
  const bomb = gzipBomb(5 * 1024);
  assert.ok(bomb.length < 6e6);
  const rss = process.memoryUsage().rss;
  await assert.rejects(
    gunzip(bomb, { source: "bomb.csv.gz", maxOutputBytes: 8 << 20 }),
    (e: unknown) =>
      e instanceof DataFormatError &&
      e.format === "gzip" &&
      e.source === "bomb.csv.gz" &&
      e.message.startsWith(`gzip (bomb.csv.gz): output exceeds maxOutputBytes = 8388608 (8 MiB): ${bomb.length} bytes (5.1 MiB) of gzip data inflate to more than that`),
  );
  // decompression stopped near the limit instead of inflating gigabytes
  assert.ok(process.memoryUsage().rss - rss < 1 << 30, "memory stayed far below the 5 GiB the stream claims");
});

test("gunzip: the limit is inclusive, defaults to 256 MiB, and is validated", async () => {
  assert.equal(DEFAULT_MAX_GUNZIP_BYTES, 256 * 1024 * 1024);
  const raw = new Uint8Array(100_000).map((_, i) => i % 251);
  const gz = new Uint8Array(gzipSync(raw));
  assert.deepEqual(await gunzip(gz, { maxOutputBytes: raw.length }), raw);
  assert.deepEqual(await gunzip(gz), raw);
  await assert.rejects(gunzip(gz, { maxOutputBytes: raw.length - 1 }), /output exceeds maxOutputBytes = 99999/);
  await assert.rejects(maybeGunzip(gz, { maxOutputBytes: 10 }), DataFormatError);
  await assert.rejects(gunzip(gz, { maxOutputBytes: -1 }), TypeError);
  await assert.rejects(gunzip(gz, { maxOutputBytes: 1.5 }), /maxOutputBytes must be a non-negative integer/);
});

test("file readers pass maxOutputBytes on and name the file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tg-limits-"));
  try {
    const path = join(dir, "big.csv.gz");
    writeFileSync(path, gzipSync(new TextEncoder().encode("x,y\n" + "1,2\n".repeat(10_000))));
    await assert.rejects(readCSVFile(path, { maxOutputBytes: 1000 }), (e: unknown) => e instanceof DataFormatError && e.source === path && /exceeds maxOutputBytes = 1000/.test(e.message));
    await assert.rejects(readTextFile(path, { maxOutputBytes: 1000 }), /exceeds maxOutputBytes/);
    await assert.rejects(readIDXFile(path, { maxOutputBytes: 1000 }), /exceeds maxOutputBytes/);
    assert.equal((await readCSVFile(path, { maxOutputBytes: 50_000 })).rows, 10_000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const wideHeader = (cols: number) => Array.from({ length: cols }, (_, i) => `c${i}`).join(",");

test("csv: a 60,000-column header over many short lines is a typed ragged-row error, not a failed allocation", () => {
  // ~600 KB of text whose header times its line count would ask for 6·10⁹ doubles (48 GB)
  const text = wideHeader(60_000) + "\n" + "1\n".repeat(100_000);
  assert.throws(
    () => parseNumericCSV(text, { source: "wide.csv" }),
    (e: unknown) => e instanceof DataFormatError && e.message === "csv (wide.csv): line 2: expected 60000 columns (as on line 1), found 1",
  );
});

test("csv: a genuinely wide table parses, with storage sized by the input", () => {
  const cols = 60_000;
  const row = (r: number) => Array.from({ length: cols }, (_, c) => String((r * 7 + c) % 10)).join(",");
  const text = [wideHeader(cols), row(0), row(1), row(2)].join("\n");
  const t = parseNumericCSV(text);
  assert.equal(t.cols, cols);
  assert.equal(t.rows, 3);
  assert.equal(t.values.length, 3 * cols);
  assert.equal(t.columns?.[59_999], "c59999");
  assert.equal(t.values[2 * cols + 59_999], (2 * 7 + 59_999) % 10);
  // no header, wide rows, blank lines and quoted cells still come out exact
  const q = parseNumericCSV('\n"1", 2 ,3\n\n4,"5",6\n', { header: false });
  assert.deepEqual(Array.from(q.values), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(parseNumericCSV("7").values), [7]);
  assert.deepEqual(Array.from(parseNumericCSV("\ufeff1,2\r\n3,4").values), [1, 2, 3, 4]);
});
