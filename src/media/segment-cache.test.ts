import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SegmentCache } from './segment-cache.js';

test('segment cache: serves from memory, re-reads a changed file, keeps within its budget, least recently used out first', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sealcast-segcache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, bytes: number, fill: number) => {
    const p = join(dir, name);
    writeFileSync(p, Buffer.alloc(bytes, fill));
    return p;
  };
  const a = file('a.ts', 400, 1);
  const b = file('b.ts', 400, 2);
  const c = file('c.ts', 400, 3);
  const cache = new SegmentCache(1000, 500);

  const first = await cache.read(a);
  assert.deepEqual(first, new Uint8Array(400).fill(1));
  assert.equal(await cache.read(a), first, 'a second read comes from memory');
  assert.equal(cache.size, 400);

  // Rewritten on disk (new size and mtime): read again, never the stale bytes.
  writeFileSync(a, Buffer.alloc(300, 9));
  utimesSync(a, new Date(), new Date(Date.now() + 5000));
  assert.deepEqual(await cache.read(a), new Uint8Array(300).fill(9));
  assert.equal(cache.size, 300);

  await cache.read(b); // 700 bytes held
  await cache.read(a); // a is now the most recently used
  await cache.read(c); // 1000 + … over budget: b, the least recently used, goes
  assert.ok(cache.size <= 1000, `holds ${cache.size} bytes, budget 1000`);
  const cAgain = await cache.read(c);
  assert.equal(await cache.read(c), cAgain);
  const bAgain = await cache.read(b);
  assert.notEqual(await cache.read(b), undefined);
  assert.deepEqual(bAgain, new Uint8Array(400).fill(2));

  // Larger than one entry may be: served, not kept.
  const big = file('big.ts', 600, 7);
  const before = cache.size;
  assert.equal((await cache.read(big)).byteLength, 600);
  assert.equal(cache.size, before);

  await assert.rejects(cache.read(join(dir, 'missing.ts')), /ENOENT/);
});
