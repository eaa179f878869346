// Fingerprints as people compare them: digits (Signal's safety-number style) and short hex.
import { toHex } from './bytes.js';

/** 30 digits in 6 groups of 5: each group is a 5-byte big-endian chunk of the fingerprint mod 100000. */
export function fingerprintDigits(fp: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 30; i += 5) {
    let n = 0;
    for (let k = 0; k < 5; k++) n = n * 256 + (fp[i + k] ?? 0);
    groups.push(String(n % 100000).padStart(5, '0'));
  }
  return groups.join(' ');
}

/**
 * The 60-digit safety number two people compare out of band: both fingerprints'
 * digits, ordered by name, so both sides see the same number.
 */
export function safetyNumber(a: { name: string; fingerprint: Uint8Array }, b: { name: string; fingerprint: Uint8Array }): string {
  const [first, second] = a.name <= b.name ? [a, b] : [b, a];
  return `${fingerprintDigits(first.fingerprint)} ${fingerprintDigits(second.fingerprint)}`;
}

/** First 8 bytes as hex in groups of 4, for compact display ("ab12 cd34 ef56 7890"). */
export function shortFingerprint(fp: Uint8Array): string {
  return toHex(fp.subarray(0, 8)).match(/.{4}/g)!.join(' ');
}
