import { LIMITS } from './limits.js';
import { ProtocolError } from './protocol-error.js';

/**
 * User names: 1-32 characters, ASCII letters, digits, '.', '_' and '-', starting
 * with a letter or digit. Compared case-insensitively (stored lower case) so that
 * "Alice" and "alice" cannot be two people. "all" and "*" are reserved for broadcast.
 */
const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
const RESERVED = new Set(['all', 'everyone', 'server', 'admin', 'system']);

/** Returns the canonical (lower-case) form of a name, or throws NAME_INVALID saying why. */
export function canonicalName(raw: string): string {
  if (typeof raw !== 'string' || raw.length === 0) throw new ProtocolError('NAME_INVALID', 'name is empty');
  if (raw.length > LIMITS.maxNameChars) {
    throw new ProtocolError('NAME_INVALID', `name is ${raw.length} characters; at most ${LIMITS.maxNameChars} allowed`);
  }
  const name = raw.toLowerCase();
  if (!NAME_PATTERN.test(name)) {
    throw new ProtocolError(
      'NAME_INVALID',
      'name may hold only letters a-z, digits, ".", "_" and "-", and must start with a letter or digit',
    );
  }
  if (RESERVED.has(name)) throw new ProtocolError('NAME_INVALID', `"${name}" is reserved`);
  return name;
}

/** True when `raw` is a valid name (no exception). */
export function isValidName(raw: string): boolean {
  try {
    canonicalName(raw);
    return true;
  } catch {
    return false;
  }
}
