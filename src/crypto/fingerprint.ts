// Fingerprints as people compare them: digits (Signal's safety-number style) and short hex.
import { expectBytes, expectName, toHex } from './bytes.js';

/** Fingerprints are SHA-256: 32 bytes. */
const FP_BYTES = 32;

/**
 * 30 digits in 6 groups of 5, for reading a key's fingerprint aloud: group i is the 5-byte
 * big-endian chunk fp[5i..5i+5) mod 100000, zero-padded (Signal's safety-number encoding).
 */
export function fingerprintDigits(fp: Uint8Array): string {
  expectBytes(fp, FP_BYTES, 'fingerprint');
  const groups: string[] = [];
  for (let i = 0; i < 30; i += 5) {
    let n = 0;
    for (let k = 0; k < 5; k++) n = n * 256 + fp[i + k]!;
    groups.push(String(n % 100000).padStart(5, '0'));
  }
  return groups.join(' ');
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function compareUtf8(a: string, b: string): number {
  return compareBytes(expectName(a, 'name'), expectName(b, 'name'));
}

/**
 * The 60-digit safety number two people compare out of band (12 groups of 5): both
 * fingerprints' digits, ordered by name (UTF-8 byte order; fingerprint bytes break a tie)
 * so both sides compute the same number whichever way round they pass the arguments.
 */
export function safetyNumber(a: { name: string; fingerprint: Uint8Array }, b: { name: string; fingerprint: Uint8Array }): string {
  expectBytes(a?.fingerprint, FP_BYTES, 'a.fingerprint');
  expectBytes(b?.fingerprint, FP_BYTES, 'b.fingerprint');
  const order = compareUtf8(a.name, b.name) || compareBytes(a.fingerprint, b.fingerprint);
  const [first, second] = order <= 0 ? [a, b] : [b, a];
  return `${fingerprintDigits(first.fingerprint)} ${fingerprintDigits(second.fingerprint)}`;
}

/** First 8 bytes as hex in groups of 4 ("ab12 cd34 ef56 7890"), for compact display in lists. */
export function shortFingerprint(fp: Uint8Array): string {
  expectBytes(fp, FP_BYTES, 'fingerprint');
  return toHex(fp.subarray(0, 8)).match(/.{4}/g)!.join(' ');
}
