// ts-mls's CiphersuiteImpl for MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 (suite 1) on this
// directory's primitives: WebCrypto for Ed25519, X25519 and AES-GCM (native code, keys kept
// imported), @noble/hashes for SHA-256/HMAC/HKDF (synchronous; see ./sha256-kdf.ts for why).
// Every result is byte-identical to ts-mls's default provider: the working group's vectors run
// through this object in npm test.
import type { CiphersuiteImpl, CryptoProvider } from 'ts-mls';
import { ed25519Signature } from './ed25519-signature.js';
import { hpkeX25519Aes128 } from './hpke-base.js';
import { hkdfSha256, sha256Hash } from './sha256-kdf.js';

/** The one cipher suite sealcast speaks (RFC 9420 §17.1, value 0x0001). */
export const SUITE_1 = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519';

/** RFC 9420's registry number of SUITE_1. */
export const SUITE_1_ID = 1;

/** The suite-1 implementation (stateless apart from its key caches, so one object serves every group). */
export const suite1: CiphersuiteImpl = Object.freeze({
  name: SUITE_1,
  hash: sha256Hash,
  kdf: hkdfSha256,
  signature: ed25519Signature,
  hpke: hpkeX25519Aes128,
  rng: {
    randomBytes(n: number): Uint8Array {
      const out = new Uint8Array(n);
      // getRandomValues fills at most 65,536 bytes per call (WebCrypto's QuotaExceededError).
      for (let o = 0; o < n; o += 65536) crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
      return out;
    },
  },
});

/** The same as a ts-mls CryptoProvider (for getCiphersuiteImpl); any other suite is refused. */
export const suite1Provider: CryptoProvider = {
  async getCiphersuiteImpl(cs) {
    if (cs.name !== SUITE_1) throw new Error(`this provider implements ${SUITE_1} only, not ${cs.name}`);
    return suite1;
  },
};
