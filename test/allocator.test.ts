// The Wasm heap's size-class allocator: reuse by class, and, at the memory's limit, merging of
// free neighbours so that memory freed in one set of sizes serves another.

import { test } from "node:test";
import assert from "node:assert/strict";
import { Allocator, largestClassWithin, sizeClass } from "../src/backend/wasm/allocator.js";

const PAGE = 65536;
const KiB = 1024;

function heap(limitBytes: number) {
  const memory = new WebAssembly.Memory({ initial: 1 });
  return new Allocator(memory, 64, limitBytes);
}

test("largestClassWithin gives a size class, the largest not above the size", () => {
  for (let b = 64; b <= 70_000; b += 64) {
    const c = largestClassWithin(b);
    assert.equal(sizeClass(c), c, `${c} (for ${b}) is a class`);
    assert.ok(c <= b);
    assert.ok(sizeClass(c + 1) > b || c === b, `no class between ${c} and ${b}`);
  }
});

test("at its limit the allocator merges freed blocks of other sizes to serve a request", () => {
  const a = heap(64 + 4 * PAGE);
  // fill most of the heap with 4 KiB blocks, free them all: the free lists hold only 4 KiB blocks
  const small: number[] = [];
  for (let i = 0; i < 60; i++) small.push(a.alloc(4 * KiB));
  const keep = a.alloc(4 * KiB); // a live block at the top: the freed ones cannot all go back to the bump pointer
  for (const p of small) a.free(p);
  const before = a.stats();
  assert.equal(before.cached, 60 * 4 * KiB);
  // a 64 KiB block fits only in merged free space
  const big = a.alloc(64 * KiB);
  assert.equal(big % 64, 0);
  assert.ok(big + 64 * KiB <= keep, "the block comes from the merged free space below the live block");
  assert.equal(a.stats().top, before.top, "the heap did not grow");
  assert.equal(a.stats().cached, 60 * 4 * KiB - 64 * KiB, "the rest stays on the free lists");
  // the rest still serves 4 KiB requests until the heap is full, and no two blocks overlap
  const again: number[] = [];
  for (;;) {
    try {
      again.push(a.alloc(4 * KiB));
    } catch (e) {
      assert.match(String(e), /wasm memory exhausted: a block of 4096 bytes does not fit/);
      break;
    }
  }
  assert.ok(a.stats().live + 4 * KiB > 4 * PAGE, `the heap is full when a request fails (${a.stats().live} bytes live)`);
  const spans = [[big, big + 64 * KiB], [keep, keep + 4 * KiB], ...again.map((p) => [p, p + 4 * KiB])].sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < spans.length; i++) assert.ok(spans[i][0] >= spans[i - 1][1], "blocks overlap");
  for (const p of again) a.free(p);
  assert.equal(a.alloc(150 * KiB) % 64, 0, "freed small blocks merge again for a large one");
});

test("free blocks at the top go back to the bump pointer when merging", () => {
  const a = heap(64 + 2 * PAGE);
  const blocks = Array.from({ length: 20 }, () => a.alloc(6 * KiB));
  for (const p of blocks) a.free(p);
  const big = a.alloc(100 * KiB);
  assert.equal(big, blocks[0], "the merged run starts at the first freed block");
  assert.equal(a.stats().live, sizeClass(100 * KiB), "a 100 KiB request takes its class");
  assert.equal(a.stats().top, big + sizeClass(100 * KiB), "the whole run went back to the bump pointer");
  assert.equal(a.stats().cached, 0);
  a.free(big);
});
