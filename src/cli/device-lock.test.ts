import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockDevice } from './device-lock.js';

test('the one-shot device lock: exclusive while held, released, and taken over from a dead process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sealcast-lock-'));
  try {
    const path = join(dir, 'identity.device-oneshot.json.lock');
    const release = lockDevice(path);
    assert.throws(() => lockDevice(path), /another sealcast command \(pid \d+\) is using this device/);
    release();
    assert.equal(existsSync(path), false);
    // A pid no process has: the lock of a command that was killed.
    writeFileSync(path, '2147483646');
    lockDevice(path)();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
