// Structural checks on public keys from the wire, so every accepted bundle has exactly one
// encoding per key and no key that would make encryption to it fail or be worthless.
// Public data only: server-reachable.
import { fromHex } from './bytes.js';

/** Little-endian 2^255 - 19, the Curve25519 field prime. */
const P = fromHex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');

/** x (little-endian, 32 bytes, bit 255 ignored) < p. */
function belowP(x: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const xi = i === 31 ? x[i]! & 0x7f : x[i]!;
    if (xi !== P[i]) return xi < P[i]!;
  }
  return false; // equal to p
}

/**
 * True for a canonical X25519 public key: bit 255 clear and u < p. RFC 7748 lets
 * implementations accept others by reduction, which would give one key two encodings,
 * hence two fingerprints.
 */
export function isCanonicalX25519(pk: Uint8Array): boolean {
  return pk.byteLength === 32 && (pk[31]! & 0x80) === 0 && belowP(pk);
}

/**
 * True for an Ed25519 public key whose y coordinate is canonical (y < p; bit 255 is the
 * sign of x and may be set). Whether it is a curve point is left to the verifier.
 */
export function isCanonicalEd25519(pk: Uint8Array): boolean {
  return pk.byteLength === 32 && belowP(pk);
}

/**
 * The canonical u-coordinates of the points of order dividing 8 (libsodium's
 * `has_small_order` list, canonical entries). X25519 with any of them gives the all-zero
 * output, which WebCrypto refuses: a bundle with such a key could be signed by its owner
 * but every message to it would fail (a broadcast denial of service), so bundles refuse them.
 */
const LOW_ORDER = [
  '0000000000000000000000000000000000000000000000000000000000000000', // 0 (order 4)
  '0100000000000000000000000000000000000000000000000000000000000000', // 1 (order 1)
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', // order 8
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157', // order 8
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // p - 1 (order 2)
].map(fromHex);

/** True when a canonical X25519 public key has small order (see LOW_ORDER). */
export function isLowOrderX25519(pk: Uint8Array): boolean {
  return pk.byteLength === 32 && LOW_ORDER.some((l) => l.every((b, i) => b === pk[i]));
}
