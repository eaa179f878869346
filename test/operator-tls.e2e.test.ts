// `serve --tls-cert/--tls-key`: an operator's own certificate is served and pinned; bad files are named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { join } from 'node:path';
import { testClient } from './support/test-client.js';
import { sealcastBin } from './support/repo-root.js';
import { removeDir, spawnServer, tempDir } from './support/server-process.js';

/** A key and certificate made by openssl, as an operator would bring them. */
function opensslCert(dir: string, name: string, days = 30): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', String(days), '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  return { cert, key };
}

function serveError(args: string[], dataDir: string): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [sealcastBin(), 'serve', '--port', '0', '--data', dataDir, '--no-video', ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stderr: r.stderr };
}

test('an operator certificate is served as given and clients log in pinned to it', async (t) => {
  const dir = tempDir('sealcast-optls-');
  t.after(() => removeDir(dir));
  const { cert, key } = opensslCert(dir, 'operator');
  const server = await spawnServer({ dataDir: join(dir, 'data'), args: ['--tls-cert', cert, '--tls-key', key] });
  t.after(() => server.stop());
  const expected = createHash('sha256').update(new X509Certificate(readFileSync(cert)).raw).digest('hex');
  assert.equal(server.fingerprintHex, expected, 'the printed fingerprint is the operator certificate\'s');
  const presented = await new Promise<string>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: server.port, rejectUnauthorized: false }, () => {
      resolve(createHash('sha256').update(s.getPeerCertificate().raw).digest('hex'));
      s.end();
    });
    s.on('error', reject);
  });
  assert.equal(presented, expected);
  const c = await testClient(server.url, 'opuser', { pin: expected });
  await c.close();
});

test('missing, mismatched or malformed TLS files stop the server with the file named', (t) => {
  const dir = tempDir('sealcast-optls-bad-');
  t.after(() => removeDir(dir));
  const a = opensslCert(dir, 'a');
  const b = opensslCert(dir, 'b');
  const data = join(dir, 'data');
  const only = serveError(['--tls-cert', a.cert], data);
  assert.equal(only.code, 2);
  assert.match(only.stderr, /--tls-cert and --tls-key must be given together/);
  const missing = serveError(['--tls-cert', join(dir, 'nope.crt'), '--tls-key', a.key], data);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read --tls-cert .*nope\.crt: no such file/);
  const mismatch = serveError(['--tls-cert', a.cert, '--tls-key', b.key], data);
  assert.match(mismatch.stderr, /--tls-key .*b\.key does not belong to the certificate in .*a\.crt/);
  const notPem = serveError(['--tls-cert', a.key, '--tls-key', a.key], data);
  assert.match(notPem.stderr, /is not a PEM certificate/);
});
