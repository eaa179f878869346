// Test-only: where the MLS working group's test vectors are, and how to read them. They are data
// from mlswg/mls-implementations (via the ts-mls repository) that must not be committed here, so
// they live outside the repository (../shared/vectors/mls, see its README.md for provenance).
// A missing directory FAILS the tests that need it: a vector test that silently runs nothing
// would be a defect.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './repo-root.js';

/** Every vector file the tests read, with the fewest cases each must actually run (per suite run). */
export const MLS_VECTOR_FILES = [
  'crypto-basics.json',
  'deserialization.json',
  'key-schedule.json',
  'message-protection.json',
  'messages.json',
  'passive-client-handling-commit.json',
  'passive-client-random.json',
  'passive-client-welcome.json',
  'psk_secret.json',
  'secret-tree.json',
  'transcript-hashes.json',
  'tree-math.json',
  'tree-operations.json',
  'tree-validation.json',
  'treekem.json',
  'welcome.json',
] as const;

/** The places searched, in order. */
export function mlsVectorCandidates(): string[] {
  const out: string[] = [];
  if (process.env.SEALCAST_MLS_VECTORS) out.push(process.env.SEALCAST_MLS_VECTORS);
  out.push(join(repoRoot(), '..', 'shared', 'vectors', 'mls'), '/work/shared/vectors/mls');
  return out;
}

/** The vector directory, or an Error saying where to put the files. */
export function mlsVectorsDir(candidates: string[] = mlsVectorCandidates()): string {
  for (const dir of candidates) if (existsSync(join(dir, 'crypto-basics.json'))) return dir;
  throw new Error(
    `MLS test vectors not found. Put the JSON files of mlswg/mls-implementations (as shipped in the ts-mls repository's test_vectors/) ` +
      `in one of: ${candidates.join(', ')} (or point SEALCAST_MLS_VECTORS at them); see docs/crypto-notes.md "MLS test vectors".`,
  );
}

/** One vector file, parsed. */
export function readMlsVectors<T>(file: (typeof MLS_VECTOR_FILES)[number]): T[] {
  const path = join(mlsVectorsDir(), file);
  if (!existsSync(path)) throw new Error(`MLS test vector file missing: ${path}`);
  return JSON.parse(readFileSync(path, 'utf8')) as T[];
}

/** Hex to bytes (vectors are lower-case hex). */
export function hexBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) throw new Error(`not hex: ${hex.slice(0, 20)}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Bytes to lower-case hex (for assertion messages). */
export function bytesHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
