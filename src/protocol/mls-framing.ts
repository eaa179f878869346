// The clear framing of an MLS message (RFC 9420 §6), for the delivery service: it orders
// handshake messages per group (a commit counts only for the current epoch) without the MLS
// library or any crypto. Pure code over bytes; every read is bounds-checked, and any malformed
// input is a ProtocolError BAD_FRAME whose message says what and where.
//
//   MLSMessage  = version (u16, 1 = mls10) || wire_format (u16) || body
//   PublicMessage  body: group_id<V> || epoch (u64) || sender || authenticated_data<V> || content_type (u8) || ...
//   PrivateMessage body: group_id<V> || epoch (u64) || content_type (u8) || authenticated_data<V>
//                        || encrypted_sender_data<V> || ciphertext<V>            (read to its exact end)
//   Welcome        body: cipher_suite (u16) || secrets<V> || encrypted_group_info<V>   (exact end)
//   GroupInfo      body: GroupContext = version (u16) || cipher_suite (u16) || group_id<V> || epoch (u64) || ...
//   KeyPackage     body: version (u16) || cipher_suite (u16) || ...
//
// <V> is RFC 9420 §2.1.2's variable-length vector: a 1-, 2- or 4-byte length (top two bits 00,
// 01, 10; 11 is invalid) and that many bytes. Lengths must use their shortest form (every MLS
// encoder writes it), so each message has one encoding.
import { ProtocolError } from './protocol-error.js';

/** MLS wire formats (RFC 9420 §6, Table 4) by number. */
export const MLS_WIRE_FORMATS = {
  public_message: 1,
  private_message: 2,
  welcome: 3,
  group_info: 4,
  key_package: 5,
} as const;

/** A wire format name. */
export type MlsWireFormat = keyof typeof MLS_WIRE_FORMATS;

/** Content types (RFC 9420 §6, ContentType). */
export const MLS_CONTENT_TYPES = { application: 1, proposal: 2, commit: 3 } as const;
export type MlsContentType = keyof typeof MLS_CONTENT_TYPES;

/** Sender types of a PublicMessage (RFC 9420 §6, SenderType). */
export const MLS_SENDER_TYPES = { member: 1, external: 2, new_member_proposal: 3, new_member_commit: 4 } as const;
export type MlsSenderType = keyof typeof MLS_SENDER_TYPES;

/** ProtocolVersion mls10. */
export const MLS_VERSION_10 = 1;

/** Longest group id the delivery service accepts (bytes); the MLS adapter's limit is the same (crypto/mls/group-create.ts). */
export const MAX_MLS_GROUP_ID_BYTES = 255;

/** What the delivery service may read of an MLS message without the group's keys. */
export type MlsFraming =
  | { wireFormat: 'public_message'; groupId: Uint8Array; epoch: number; senderType: MlsSenderType; contentType: MlsContentType }
  | { wireFormat: 'private_message'; groupId: Uint8Array; epoch: number; contentType: MlsContentType }
  | { wireFormat: 'welcome'; cipherSuite: number }
  | { wireFormat: 'group_info'; cipherSuite: number; groupId: Uint8Array; epoch: number }
  | { wireFormat: 'key_package'; cipherSuite: number };

const byNumber = <T extends Record<string, number>>(table: T) => new Map(Object.entries(table).map(([k, v]) => [v, k as keyof T]));
const WIRE_FORMAT_BY_NUMBER = byNumber(MLS_WIRE_FORMATS);
const CONTENT_TYPE_BY_NUMBER = byNumber(MLS_CONTENT_TYPES);
const SENDER_TYPE_BY_NUMBER = byNumber(MLS_SENDER_TYPES);

const hex16 = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;

/** A bounds-checked cursor; every failure names the field and the offset. */
class Cursor {
  offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  fail(what: string, at = this.offset): never {
    throw new ProtocolError('BAD_FRAME', `MLS message: ${what} (at byte ${at})`);
  }

  private need(n: number, field: string): void {
    if (n > this.bytes.byteLength - this.offset) this.fail(`truncated ${field}: needs ${n} bytes, ${this.bytes.byteLength - this.offset} left`);
  }

  u8(field: string): number {
    this.need(1, field);
    return this.bytes[this.offset++]!;
  }

  u16(field: string): number {
    this.need(2, field);
    const v = (this.bytes[this.offset]! << 8) | this.bytes[this.offset + 1]!;
    this.offset += 2;
    return v;
  }

  u32(field: string): number {
    this.need(4, field);
    const b = this.bytes;
    const o = this.offset;
    this.offset += 4;
    return b[o]! * 2 ** 24 + (b[o + 1]! << 16) + (b[o + 2]! << 8) + b[o + 3]!;
  }

  /** A u64 that must fit a JS number exactly (epochs: 2^53 commits will not happen). */
  u64(field: string): number {
    const at = this.offset;
    const hi = this.u32(field);
    const lo = this.u32(field);
    if (hi >= 2 ** 21) this.fail(`${field} is 2^53 or more`, at);
    return hi * 2 ** 32 + lo;
  }

  /** A variable-length vector (RFC 9420 §2.1.2): its contents, a view into the input. */
  vector(field: string, max?: number): Uint8Array {
    const at = this.offset;
    const first = this.u8(`${field} length`);
    const prefix = first >> 6;
    let length: number;
    if (prefix === 0) {
      length = first & 0x3f;
    } else if (prefix === 1) {
      length = ((first & 0x3f) << 8) | this.u8(`${field} length`);
      if (length < 64) this.fail(`${field} length ${length} is not in its shortest form`, at);
    } else if (prefix === 2) {
      length = (first & 0x3f) * 2 ** 24 + this.u8(`${field} length`) * 2 ** 16 + this.u8(`${field} length`) * 2 ** 8 + this.u8(`${field} length`);
      if (length < 16384) this.fail(`${field} length ${length} is not in its shortest form`, at);
    } else {
      this.fail(`${field} length uses the invalid 0b11 prefix`, at);
    }
    if (max !== undefined && length > max) this.fail(`${field} of ${length} bytes is over the ${max}-byte limit`, at);
    this.need(length, field);
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  end(what: string): void {
    if (this.offset !== this.bytes.byteLength) this.fail(`${this.bytes.byteLength - this.offset} trailing bytes after the ${what}`);
  }
}

function contentType(c: Cursor): MlsContentType {
  const at = c.offset;
  const n = c.u8('content_type');
  const name = CONTENT_TYPE_BY_NUMBER.get(n);
  if (name === undefined) c.fail(`unknown content_type ${n}`, at);
  return name;
}

function senderType(c: Cursor): MlsSenderType {
  const at = c.offset;
  const n = c.u8('sender_type');
  const name = SENDER_TYPE_BY_NUMBER.get(n);
  if (name === undefined) c.fail(`unknown sender_type ${n}`, at);
  // member and external carry a u32 index; the new_member_* senders carry nothing.
  if (name === 'member') c.u32('sender leaf_index');
  if (name === 'external') c.u32('sender sender_index');
  return name;
}

/**
 * Reads the clear framing of one encoded MLSMessage. For a PrivateMessage and a Welcome the
 * whole message is walked and trailing bytes are refused; for the others only the leading
 * fields are read (the rest needs the MLS library, which the delivery service does not have).
 * The returned group id is a copy.
 */
export function readMlsFraming(bytes: Uint8Array): MlsFraming {
  if (!(bytes instanceof Uint8Array)) throw new ProtocolError('BAD_FRAME', 'MLS message: expected bytes');
  const c: Cursor = new Cursor(bytes);
  const version = c.u16('version');
  if (version !== MLS_VERSION_10) c.fail(`unsupported protocol version ${hex16(version)} (only mls10 = 0x0001)`, 0);
  const wireNumber = c.u16('wire_format');
  const wireFormat = WIRE_FORMAT_BY_NUMBER.get(wireNumber);
  if (wireFormat === undefined) c.fail(`unknown wire_format ${hex16(wireNumber)}`, 2);
  switch (wireFormat) {
    case 'public_message': {
      const groupId = c.vector('group_id', MAX_MLS_GROUP_ID_BYTES).slice();
      const epoch = c.u64('epoch');
      const sender = senderType(c);
      c.vector('authenticated_data');
      const at = c.offset;
      const type = contentType(c);
      if (type === 'application') c.fail('a PublicMessage cannot carry application data (RFC 9420 §6.2)', at);
      return { wireFormat, groupId, epoch, senderType: sender, contentType: type };
    }
    case 'private_message': {
      const groupId = c.vector('group_id', MAX_MLS_GROUP_ID_BYTES).slice();
      const epoch = c.u64('epoch');
      const type = contentType(c);
      c.vector('authenticated_data');
      c.vector('encrypted_sender_data');
      c.vector('ciphertext');
      c.end('PrivateMessage');
      return { wireFormat, groupId, epoch, contentType: type };
    }
    case 'welcome': {
      const cipherSuite = c.u16('cipher_suite');
      c.vector('secrets');
      c.vector('encrypted_group_info');
      c.end('Welcome');
      return { wireFormat, cipherSuite };
    }
    case 'group_info': {
      const at = c.offset;
      const inner = c.u16('group_context version');
      if (inner !== MLS_VERSION_10) c.fail(`unsupported group_context version ${hex16(inner)}`, at);
      const cipherSuite = c.u16('cipher_suite');
      const groupId = c.vector('group_id', MAX_MLS_GROUP_ID_BYTES).slice();
      const epoch = c.u64('epoch');
      return { wireFormat, cipherSuite, groupId, epoch };
    }
    case 'key_package': {
      const at = c.offset;
      const inner = c.u16('key_package version');
      if (inner !== MLS_VERSION_10) c.fail(`unsupported key_package version ${hex16(inner)}`, at);
      return { wireFormat, cipherSuite: c.u16('cipher_suite') };
    }
  }
}
