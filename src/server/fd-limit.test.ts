import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectionCapFor, defaultMaxConnections, openFileLimit } from './fd-limit.js';

const limits = (soft: string) => `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                20000                files\n`;

test('the default connection cap stays below the open-file limit, with room for the files of the server itself', () => {
  assert.equal(openFileLimit(() => limits('1024')), 1024);
  assert.equal(openFileLimit(() => limits('unlimited')), undefined);
  assert.equal(openFileLimit(() => { throw new Error('no /proc'); }), undefined);
  assert.equal(connectionCapFor(1024), 793);
  assert.equal(connectionCapFor(20_000), 17_872);
  assert.equal(connectionCapFor(100), 16, 'a floor for tiny limits');
  assert.equal(connectionCapFor(undefined), 4096);
  // This process: whatever its limit, the cap is below it.
  const own = openFileLimit();
  if (own !== undefined) assert.ok(defaultMaxConnections() < own);
});
