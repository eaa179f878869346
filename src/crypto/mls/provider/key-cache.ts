// Imported WebCrypto keys, remembered per byte array. ts-mls hands the primitives raw key bytes
// on every call (the device's signing key for every message it signs, each member's public key
// for every message it verifies); importing them each time costs more than the operation itself
// (measured in Node 20: Ed25519 import+sign 946/s, sign with a kept CryptoKey 8,366/s).

/**
 * A cache keyed by the identity of a Uint8Array, so no key bytes are ever copied into a string
 * or a long-lived map key, and an entry goes when its array is garbage. Each entry keeps a copy
 * of the bytes it was made from and is rebuilt if the array was changed since (ts-mls zeroes
 * consumed secrets in place; a stale CryptoKey must never outlive the bytes it stood for).
 */
export class KeyCache<T> {
  private readonly entries = new WeakMap<Uint8Array, { bytes: Uint8Array; value: Promise<T> }>();

  constructor(private readonly make: (bytes: Uint8Array) => Promise<T>) {}

  /** The value made from `bytes`, made now if this array was not seen (or has changed). */
  get(bytes: Uint8Array): Promise<T> {
    const hit = this.entries.get(bytes);
    if (hit !== undefined && sameBytes(hit.bytes, bytes)) return hit.value;
    const copy = bytes.slice();
    const value = this.make(copy);
    this.entries.set(bytes, { bytes: copy, value });
    // A failed import is not remembered: the next call tries again and reports its own failure.
    value.catch(() => {
      if (this.entries.get(bytes)?.value === value) this.entries.delete(bytes);
    });
    return value;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
