// The server's entry point (verify.ts): exactly the public API, and no private-key file
// among its transitive imports (the same property the dependency-cruiser rule checks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as verifyEntry from './verify.js';

/** src/crypto in the source tree (this test runs from dist/). */
function sourceDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root (package.json) not found');
    dir = up;
  }
  return join(dir, 'src', 'crypto');
}

/** Files that hold or use private keys (mirrors PRIVATE_CRYPTO in .dependency-cruiser.cjs). */
const PRIVATE = ['identity', 'identity-export', 'login-sign', 'signing', 'hpke', 'envelope-seal', 'envelope-open', 'device-key', 'index'];

test('verify.ts exports exactly the server-side API', () => {
  assert.deepEqual(Object.keys(verifyEntry).sort(), [
    'CryptoError', 'constantTimeEqual', 'deviceIdOf', 'findDevice', 'fromHex', 'importDeviceKey', 'isCryptoError', 'loginSignatureInput',
    'parseBundle', 'parseDeviceList', 'readEnvelopeHeader', 'toHex', 'verifyDeviceLogin', 'verifyLogin', 'verifyRotation',
  ]);
});

test('verify.ts reaches no private-key file and no module outside src/crypto', () => {
  const dir = sourceDir();
  const reached = new Set<string>();
  const visit = (name: string) => {
    if (reached.has(name)) return;
    reached.add(name);
    const src = readFileSync(join(dir, `${name}.ts`), 'utf8');
    for (const m of src.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)) {
      const spec = m[1]!;
      assert.match(spec, /^\.\/[a-z0-9-]+\.js$/, `${name}.ts imports ${spec}: only sibling crypto files are allowed`);
      visit(spec.slice(2, -3));
    }
  };
  visit('verify');
  for (const p of PRIVATE) assert.ok(!reached.has(p), `verify.ts reaches ${p}.ts`);
  assert.deepEqual([...reached].sort(), ['bundle', 'bytes', 'crypto-error', 'device-list', 'envelope-format', 'key-checks', 'login-proof', 'signature', 'suites', 'verify']);
});
