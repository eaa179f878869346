// Rules every check of a server frame uses (server-frame-checks.ts, server-frame-checks-v2.ts).
import { canonicalName } from '../protocol/index.js';
import { ClientError } from './client-error.js';

/** C0 and C1 controls, DEL, and the bidirectional marks, embeddings, overrides and isolates. */
const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Throws BAD_SERVER_FRAME naming the field (shared with server-frame-checks-v2.ts). */
export function bad(message: string): never {
  throw new ClientError('BAD_SERVER_FRAME', `the server sent an invalid frame: ${message}`);
}

/** A list's length, bounded. */
export function checkCount(field: string, n: number, max: number): void {
  if (n > max) bad(`${field}: at most ${max} entries, got ${n}`);
}

/** A text the faces may print: bounded, without controls or bidirectional characters. */
export function checkText(field: string, value: string, max: number, allowEmpty = true): void {
  if (!allowEmpty && value.length === 0) bad(`${field}: must not be empty`);
  if (value.length > max) bad(`${field}: at most ${max} characters, got ${value.length}`);
  if (UNSAFE_TEXT.test(value)) bad(`${field}: control or bidirectional characters are not allowed`);
}

/** A user name as the server registers them: canonical (lower case), else refused. */
export function checkName(field: string, value: string): void {
  let ok = false;
  try {
    ok = canonicalName(value) === value;
  } catch {
    ok = false;
  }
  // The value itself is never echoed: it may be 5,000 characters of escape codes.
  if (!ok) bad(`${field}: not a valid user name (${value.length} characters)`);
}
