// Transfer files: what a browser exports the CLI imports and back; every refusal has its code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateIdentity, toHex } from '../crypto/index.js';
import { isClientError } from './client-error.js';
import { identityFileName, MAX_IDENTITY_FILE_BYTES, openIdentityFile, sealIdentityFile, withIdentityFileName } from './identity-transfer.js';

const PASS = 'correct horse battery';
const code = (c: string) => (e: unknown) => isClientError(e, c);

test('seal then open: the same keys, the name carried outside the encryption', async () => {
  const id = await generateIdentity();
  const text = await sealIdentityFile(id, PASS, 'Alice');
  assert.equal(identityFileName(text), 'alice');
  const opened = await openIdentityFile(text, PASS, { extractable: false });
  assert.equal(toHex(opened.identity.bundle.fingerprint), toHex(id.bundle.fingerprint));
  assert.equal(opened.name, 'alice');
  assert.equal(opened.identity.signingPrivateKey.extractable, false);
  // Renaming touches only the hint: the keys still open, under the new name.
  const renamed = withIdentityFileName(text, 'alice2');
  assert.equal((await openIdentityFile(renamed, PASS)).name, 'alice2');
  assert.equal(identityFileName(JSON.stringify({ ...JSON.parse(text), name: 'Not Valid!' })), undefined, 'an invalid name is no hint');
  assert.equal((await openIdentityFile(await sealIdentityFile(id, PASS), PASS)).name, undefined);
});

test('refusals: wrong passphrase, altered, plain, not JSON, too large, weak passphrase, non-extractable', async () => {
  const id = await generateIdentity();
  const text = await sealIdentityFile(id, PASS, 'bob');
  await assert.rejects(openIdentityFile(text, 'wrong passphrase'), code('BAD_PASSPHRASE'));
  const json = JSON.parse(text);
  const ct = Buffer.from(json.ciphertext, 'base64');
  ct[5]! ^= 1;
  await assert.rejects(openIdentityFile(JSON.stringify({ ...json, ciphertext: ct.toString('base64') }), PASS), code('BAD_PASSPHRASE'));
  await assert.rejects(openIdentityFile(JSON.stringify({ ...json, iterations: 1000 }), PASS), code('BAD_IDENTITY'));
  await assert.rejects(openIdentityFile(JSON.stringify({ sealcastIdentity: 1 }), PASS), (e) => code('BAD_IDENTITY')(e) && /unencrypted/.test((e as Error).message));
  await assert.rejects(openIdentityFile('nope', PASS), code('BAD_IDENTITY'));
  await assert.rejects(openIdentityFile(' '.repeat(MAX_IDENTITY_FILE_BYTES + 1), PASS), code('TOO_LARGE'));
  await assert.rejects(sealIdentityFile(id, 'short'), code('WEAK_PASSPHRASE'));
  await assert.rejects(sealIdentityFile(await generateIdentity(undefined, { extractable: false }), PASS), code('NOT_EXPORTABLE'));
});
