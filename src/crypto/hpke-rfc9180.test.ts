// RFC 9180 appendix A.1.1 through the HPKE suite sealcast uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toHex } from './bytes.js';
import { hpkeSuite } from './hpke.js';
import { vectorsDir } from '../../test/support/vectors-dir.js';

interface Vector {
  info: string; ikmE: string; pkEm: string; ikmR: string; pkRm: string; skRm: string; enc: string;
  encryptions: { seq: number; aad: string; nonce: string; plaintext: string; ciphertext: string }[];
  exports: { exporter_context: string; length: number; value: string }[];
}

const file = JSON.parse(readFileSync(join(vectorsDir(), 'hpke', 'rfc9180-a1-x25519-sha256-aes128gcm.json'), 'utf8')) as { vectors: Vector[] };

test('RFC 9180 A.1.1: key derivation, enc, every encryption and export', async () => {
  const suite = hpkeSuite();
  for (const v of file.vectors) {
    const recipient = await suite.kem.deriveKeyPair(fromHex(v.ikmR).buffer as ArrayBuffer);
    assert.equal(toHex(new Uint8Array(await suite.kem.serializePublicKey(recipient.publicKey))), v.pkRm, 'pkRm');
    const info = fromHex(v.info);
    // The sender's ephemeral key comes from the RFC's ikmE, so enc and every ciphertext are exact.
    const sender = await suite.createSenderContext({ recipientPublicKey: recipient.publicKey, info, ekm: fromHex(v.ikmE).buffer as ArrayBuffer });
    assert.equal(toHex(new Uint8Array(sender.enc)), v.enc, 'enc');
    const receiver = await suite.createRecipientContext({ recipientKey: recipient.privateKey, enc: sender.enc, info });
    let seq = 0;
    let checked = 0;
    for (const e of v.encryptions) {
      // Contexts count their own messages: seal/open filler messages up to this sequence number.
      for (; seq < e.seq; seq++) {
        const filler = await sender.seal(new Uint8Array(1));
        await receiver.open(filler);
      }
      const ct = await sender.seal(fromHex(e.plaintext), fromHex(e.aad));
      assert.equal(toHex(new Uint8Array(ct)), e.ciphertext, `ciphertext seq ${e.seq}`);
      const pt = await receiver.open(fromHex(e.ciphertext), fromHex(e.aad));
      assert.equal(toHex(new Uint8Array(pt)), e.plaintext, `plaintext seq ${e.seq}`);
      seq++;
      checked++;
    }
    assert.equal(checked, 6);
    for (const x of v.exports) {
      const out = await sender.export(fromHex(x.exporter_context), x.length);
      assert.equal(toHex(new Uint8Array(out)), x.value, 'export');
      assert.equal(toHex(new Uint8Array(await receiver.export(fromHex(x.exporter_context), x.length))), x.value);
    }
    // A wrong AAD must not open.
    const sealed = await suite.seal({ recipientPublicKey: recipient.publicKey, info }, new Uint8Array([1, 2, 3]), new Uint8Array([9]));
    await assert.rejects(suite.open({ recipientKey: recipient.privateKey, enc: sealed.enc, info }, sealed.ct, new Uint8Array([8])));
  }
});
