// Byte helpers shared by every crypto file: argument checks, canonical big-endian
// writer/reader with bounds checks, hex/base64, constant-time compare. No keys here,
// so the server-reachable files may use it. Browser-safe: no Node built-ins.
import { CryptoError, type CryptoErrorCode } from './crypto-error.js';

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** Longest name (sender, recipient, login) in bytes: names travel with a u8 length. */
export const MAX_NAME_BYTES = 255;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'Array';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

/** UTF-8 bytes of a string (the encoding of every name and label on the wire). */
export function utf8Bytes(s: string): Uint8Array {
  return utf8.encode(s);
}

/** Concatenates byte arrays: labels, bodies and signatures are built from parts. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

/**
 * A plain Uint8Array copy with its own ArrayBuffer. Outputs never alias caller memory,
 * and a Node Buffer (a Uint8Array over a shared pool) becomes a plain array.
 */
export function copyBytes(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

/**
 * The exact ArrayBuffer WebCrypto should read. `b.slice().buffer` would be wrong for a
 * Node Buffer (its slice shares the 8 KiB pool), so this always copies into a fresh buffer.
 */
export function buf(b: Uint8Array): ArrayBuffer {
  return new Uint8Array(b).buffer as ArrayBuffer;
}

/**
 * Checks an API argument is a Uint8Array (of an exact length when given), so bad calls
 * fail at the edge with a precise BAD_INPUT message instead of deep inside WebCrypto.
 */
export function expectBytes(value: unknown, length?: number, what = 'value'): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new CryptoError('BAD_INPUT', `${what}: expected Uint8Array, got ${describe(value)}`);
  }
  if (length !== undefined && value.byteLength !== length) {
    throw new CryptoError('BAD_INPUT', `${what}: expected Uint8Array of length ${length}, got length=${value.byteLength}`);
  }
  return value;
}

/**
 * Checks a name (sender, recipient, login) and returns its UTF-8 bytes: 1-255 bytes of
 * well-formed Unicode. A lone surrogate would silently become U+FFFD and then compare
 * unequal to the decoded name, so it is refused.
 */
export function expectName(value: unknown, what = 'name'): Uint8Array {
  if (typeof value !== 'string') throw new CryptoError('BAD_INPUT', `${what}: expected string, got ${describe(value)}`);
  const b = utf8.encode(value);
  if (b.byteLength === 0 || b.byteLength > MAX_NAME_BYTES) {
    throw new CryptoError('BAD_INPUT', `${what}: expected 1-${MAX_NAME_BYTES} UTF-8 bytes, got length=${b.byteLength}`);
  }
  if (utf8Strict.decode(b) !== value) throw new CryptoError('BAD_INPUT', `${what}: not well-formed Unicode`);
  return b;
}

/** Checks a boolean argument (flags such as toAll). */
export function expectBoolean(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') throw new CryptoError('BAD_INPUT', `${what}: expected boolean, got ${describe(value)}`);
  return value;
}

/** Checks a millisecond timestamp: an integer in [0, 2^53). */
export function expectTimestamp(value: unknown, what = 'ts'): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    const got = typeof value === 'number' ? String(value) : describe(value);
    throw new CryptoError('BAD_INPUT', `${what}: expected a non-negative safe integer (ms since epoch), got ${got}`);
  }
  return value;
}

/** Builds canonical binary structures: fixed-width big-endian integers and length-prefixed fields. */
export class Writer {
  private readonly parts: Uint8Array[] = [];
  /** Appends raw bytes. */
  bytes(b: Uint8Array): this {
    this.parts.push(b);
    return this;
  }
  /** Appends one byte. */
  u8(n: number): this {
    return this.bytes(Uint8Array.of(n & 0xff));
  }
  /** Appends a big-endian u16. */
  u16(n: number): this {
    return this.bytes(Uint8Array.of((n >>> 8) & 0xff, n & 0xff));
  }
  /** Appends a big-endian u32. */
  u32(n: number): this {
    return this.bytes(Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff));
  }
  /** Appends a big-endian u64 (values up to 2^53 - 1). */
  u64(n: number): this {
    return this.u32(Math.floor(n / 2 ** 32)).u32(n >>> 0);
  }
  /** u8 length + UTF-8 (names: 1-255 bytes, checked). */
  str8(s: string, what = 'name'): this {
    const b = expectName(s, what);
    return this.u8(b.byteLength).bytes(b);
  }
  /** u16 length + bytes. */
  vec16(b: Uint8Array): this {
    if (b.byteLength > 0xffff) throw new CryptoError('BAD_INPUT', 'field longer than 65535 bytes');
    return this.u16(b.byteLength).bytes(b);
  }
  /** u32 length + bytes. */
  vec32(b: Uint8Array): this {
    return this.u32(b.byteLength).bytes(b);
  }
  /** The concatenation of everything written. */
  finish(): Uint8Array {
    return concat(...this.parts);
  }
}

/** Bounds-checked reader: every overrun becomes a CryptoError with the given code, never a RangeError. */
export class Reader {
  /** Bytes consumed so far. */
  offset = 0;
  constructor(
    private readonly input: Uint8Array,
    private readonly code: CryptoErrorCode,
  ) {}
  private need(n: number, what: string): void {
    if (n > this.input.byteLength - this.offset) throw new CryptoError(this.code, `truncated ${what}`);
  }
  /** The next n bytes (a view into the input). */
  bytes(n: number, what = 'field'): Uint8Array {
    this.need(n, what);
    const out = this.input.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  /** One byte. */
  u8(what = 'u8'): number {
    return this.bytes(1, what)[0]!;
  }
  /** Big-endian u16. */
  u16(what = 'u16'): number {
    const b = this.bytes(2, what);
    return (b[0]! << 8) | b[1]!;
  }
  /** Big-endian u32. */
  u32(what = 'u32'): number {
    const b = this.bytes(4, what);
    return b[0]! * 2 ** 24 + (b[1]! << 16) + (b[2]! << 8) + b[3]!;
  }
  /** Big-endian u64; values of 2^53 or more are refused (they cannot be a JS number exactly). */
  u64(what = 'u64'): number {
    const hi = this.u32(what);
    const lo = this.u32(what);
    if (hi >= 2 ** 21) throw new CryptoError(this.code, `${what} out of range`);
    return hi * 2 ** 32 + lo;
  }
  /** u8 length + strict UTF-8, 1-255 bytes (an empty name is malformed). */
  name8(what = 'name'): string {
    const n = this.u8(what);
    if (n === 0) throw new CryptoError(this.code, `empty ${what}`);
    const b = this.bytes(n, what);
    try {
      return utf8Strict.decode(b);
    } catch {
      throw new CryptoError(this.code, `${what} is not UTF-8`);
    }
  }
  /** u16 length + bytes. */
  vec16(what = 'field'): Uint8Array {
    return this.bytes(this.u16(what), what);
  }
  /** u32 length (at most `max`) + bytes. */
  vec32(what: string, max: number): Uint8Array {
    const n = this.u32(what);
    if (n > max) throw new CryptoError(this.code, `${what} longer than ${max} bytes`);
    return this.bytes(n, what);
  }
  /** True when every byte was consumed. */
  get done(): boolean {
    return this.offset === this.input.byteLength;
  }
  /** Refuses trailing bytes: every structure has exactly one encoding. */
  end(what: string): void {
    if (!this.done) throw new CryptoError(this.code, `trailing bytes after ${what}`);
  }
}

/** Lower-case hex: how fingerprints and ids are shown and logged. */
export function toHex(b: Uint8Array): string {
  expectBytes(b, undefined, 'toHex');
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

/** Parses hex (either case); refuses odd lengths and non-hex characters. */
export function fromHex(s: string): Uint8Array {
  if (typeof s !== 'string') throw new CryptoError('BAD_INPUT', `fromHex: expected string, got ${describe(s)}`);
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) {
    throw new CryptoError('BAD_INPUT', `fromHex: expected an even-length hex string, got length=${s.length}`);
  }
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Standard padded base64 (RFC 4648 §4): the encoding of keys in exported identities. */
export function toBase64(b: Uint8Array): string {
  expectBytes(b, undefined, 'toBase64');
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Strict standard base64 with padding; whitespace and other alphabets are refused, so every value has one encoding. */
export function fromBase64(s: string): Uint8Array {
  if (typeof s !== 'string') throw new CryptoError('BAD_INPUT', `fromBase64: expected string, got ${describe(s)}`);
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) {
    throw new CryptoError('BAD_INPUT', `fromBase64: not padded standard base64 (length=${s.length})`);
  }
  let bin: string;
  try {
    bin = atob(s);
  } catch {
    throw new CryptoError('BAD_INPUT', 'fromBase64: invalid base64');
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Equality whose running time does not depend on where the first difference is, for
 * comparing fingerprints and MACs. Lengths are not secret: different lengths return false at once.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  expectBytes(a, undefined, 'a');
  expectBytes(b, undefined, 'b');
  if (a.byteLength !== b.byteLength) return false;
  let d = 0;
  for (let i = 0; i < a.byteLength; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** 16 random bytes: message ids (random, so they reveal nothing and never collide in practice). */
export function randomId(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(16));
}

/** SHA-256 through WebCrypto (fingerprints, OAEP labels). */
export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', buf(data)));
}
