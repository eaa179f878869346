// The vector tests find the working group's files outside the repository; without them they must
// fail loudly, saying where the files go (a vector test that silently runs nothing is a defect).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MLS_VECTOR_FILES, mlsVectorCandidates, mlsVectorsDir } from '../../../../test/support/mls-vectors.js';

test('missing vectors fail with the places to put them', () => {
  const empty = mkdtempSync(join(tmpdir(), 'sealcast-no-vectors-'));
  try {
    assert.throws(() => mlsVectorsDir([empty, join(empty, 'nope')]), (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.match(e.message, /MLS test vectors not found/);
      assert.ok(e.message.includes(empty) && e.message.includes('SEALCAST_MLS_VECTORS'), e.message);
      return true;
    });
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('the search order is SEALCAST_MLS_VECTORS, ../shared/vectors/mls, /work/shared/vectors/mls, and every file is there', () => {
  const saved = process.env.SEALCAST_MLS_VECTORS;
  process.env.SEALCAST_MLS_VECTORS = '/somewhere/else';
  try {
    const c = mlsVectorCandidates();
    assert.equal(c[0], '/somewhere/else');
    assert.match(c[1]!, /shared\/vectors\/mls$/);
    assert.equal(c[2], '/work/shared/vectors/mls');
  } finally {
    if (saved === undefined) delete process.env.SEALCAST_MLS_VECTORS;
    else process.env.SEALCAST_MLS_VECTORS = saved;
  }
  const dir = mlsVectorsDir();
  for (const f of MLS_VECTOR_FILES) assert.ok(existsSync(join(dir, f)), `${f} missing from ${dir}`);
});
