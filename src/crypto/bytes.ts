import { CryptoError, type CryptoErrorCode } from './crypto-error.js';

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 bytes of a string. */
export function utf8Bytes(s: string): Uint8Array {
  return utf8.encode(s);
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

/** Checks an argument is a Uint8Array of an exact length, with the message noble uses. */
export function expectBytes(value: unknown, length?: number, what = 'value'): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new CryptoError('BAD_INPUT', `${what}: expected Uint8Array, got ${typeof value}`);
  if (length !== undefined && value.byteLength !== length) {
    throw new CryptoError('BAD_INPUT', `${what}: expected Uint8Array of length ${length}, got length=${value.byteLength}`);
  }
  return value;
}

/** Builds canonical binary structures: fixed-width big-endian integers and length-prefixed fields. */
export class Writer {
  private readonly parts: Uint8Array[] = [];
  bytes(b: Uint8Array): this {
    this.parts.push(b);
    return this;
  }
  u8(n: number): this {
    return this.bytes(Uint8Array.of(n));
  }
  u16(n: number): this {
    return this.bytes(Uint8Array.of(n >>> 8, n & 0xff));
  }
  u32(n: number): this {
    return this.bytes(Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff));
  }
  u64(n: number): this {
    return this.u32(Math.floor(n / 2 ** 32)).u32(n >>> 0);
  }
  /** u8 length + UTF-8 (names: at most 255 bytes). */
  str8(s: string): this {
    const b = utf8Bytes(s);
    if (b.byteLength > 255) throw new CryptoError('BAD_INPUT', 'string longer than 255 bytes');
    return this.u8(b.byteLength).bytes(b);
  }
  vec16(b: Uint8Array): this {
    if (b.byteLength > 0xffff) throw new CryptoError('BAD_INPUT', 'field longer than 65535 bytes');
    return this.u16(b.byteLength).bytes(b);
  }
  vec32(b: Uint8Array): this {
    return this.u32(b.byteLength).bytes(b);
  }
  finish(): Uint8Array {
    return concat(...this.parts);
  }
}

/** Bounds-checked reader: every overrun becomes a CryptoError with the given code, never a RangeError. */
export class Reader {
  offset = 0;
  constructor(private readonly buf: Uint8Array, private readonly code: CryptoErrorCode) {}
  private need(n: number, what: string): void {
    if (this.offset + n > this.buf.byteLength) throw new CryptoError(this.code, `truncated ${what}`);
  }
  bytes(n: number, what = 'field'): Uint8Array {
    this.need(n, what);
    const out = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  u8(what = 'u8'): number {
    return this.bytes(1, what)[0]!;
  }
  u16(what = 'u16'): number {
    const b = this.bytes(2, what);
    return (b[0]! << 8) | b[1]!;
  }
  u32(what = 'u32'): number {
    const b = this.bytes(4, what);
    return ((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!;
  }
  u64(what = 'u64'): number {
    const hi = this.u32(what);
    const lo = this.u32(what);
    if (hi >= 2 ** 21) throw new CryptoError(this.code, `${what} out of range`);
    return hi * 2 ** 32 + lo;
  }
  str8(what = 'string'): string {
    const b = this.bytes(this.u8(what), what);
    try {
      return utf8Strict.decode(b);
    } catch {
      throw new CryptoError(this.code, `${what} is not UTF-8`);
    }
  }
  vec16(what = 'field'): Uint8Array {
    return this.bytes(this.u16(what), what);
  }
  vec32(what: string, max: number): Uint8Array {
    const n = this.u32(what);
    if (n > max) throw new CryptoError(this.code, `${what} longer than ${max} bytes`);
    return this.bytes(n, what);
  }
  get done(): boolean {
    return this.offset === this.buf.byteLength;
  }
  end(what: string): void {
    if (!this.done) throw new CryptoError(this.code, `trailing bytes after ${what}`);
  }
}

export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

export function fromHex(s: string): Uint8Array {
  if (typeof s !== 'string' || s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) {
    throw new CryptoError('BAD_INPUT', 'expected an even-length hex string');
  }
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toBase64(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(s: string): Uint8Array {
  let bin: string;
  try {
    bin = atob(s);
  } catch {
    throw new CryptoError('BAD_INPUT', 'invalid base64');
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Equality that takes the same time wherever the first difference is. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let d = 0;
  for (let i = 0; i < a.byteLength; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** 16 random bytes: message ids. */
export function randomId(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(16));
}

/** SHA-256 through WebCrypto. */
export async function sha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data as BufferSource));
}

/** A copy backed by its own ArrayBuffer, the shape WebCrypto wants. */
export function buf(b: Uint8Array): ArrayBuffer {
  return b.slice().buffer as ArrayBuffer;
}
