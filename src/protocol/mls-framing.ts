// The clear framing of an MLS message (RFC 9420 §6), which is all the delivery service reads: the
// wire format, and for handshake and application messages the group id, the epoch and the content
// type. Nothing here decrypts or verifies; the server orders commits by epoch and routes by group id.
import { ProtocolError } from './protocol-error.js';

/** RFC 9420 §6 WireFormat values. */
export const MLS_WIRE_FORMAT = { public: 1, private: 2, welcome: 3, groupInfo: 4, keyPackage: 5 } as const;
/** RFC 9420 §6 ContentType values. */
export const MLS_CONTENT_TYPE = { application: 1, proposal: 2, commit: 3 } as const;

export type MlsWireFormatName = keyof typeof MLS_WIRE_FORMAT;
export type MlsContentTypeName = keyof typeof MLS_CONTENT_TYPE;

/** What the server may know of an MLS message. */
export interface MlsFraming {
  wireFormat: MlsWireFormatName;
  /** PublicMessage / PrivateMessage only. */
  groupId?: Uint8Array;
  epoch?: number;
  contentType?: MlsContentTypeName;
  /** PublicMessage only: RFC 9420 §6 SenderType (1 member, 2 external, 3 new_member_proposal, 4 new_member_commit). */
  senderType?: number;
}

function bad(message: string): never {
  throw new ProtocolError('BAD_MLS_MESSAGE', message);
}

class Cursor {
  at = 0;
  constructor(private readonly b: Uint8Array) {}
  u8(what: string): number {
    if (this.at + 1 > this.b.byteLength) bad(`truncated ${what}`);
    return this.b[this.at++]!;
  }
  u16(what: string): number {
    return (this.u8(what) << 8) | this.u8(what);
  }
  u64(what: string): number {
    let n = 0;
    for (let i = 0; i < 8; i++) n = n * 256 + this.u8(what);
    if (!Number.isSafeInteger(n)) bad(`${what} out of range`);
    return n;
  }
  /** RFC 9420 §2.1.2 variable-length integer (1, 2 or 4 bytes; the 8-byte form is invalid in MLS). */
  varint(what: string): number {
    const first = this.u8(what);
    const prefix = first >> 6;
    if (prefix === 0) return first & 0x3f;
    if (prefix === 1) {
      const v = ((first & 0x3f) << 8) | this.u8(what);
      if (v < 64) bad(`${what}: length not minimally encoded`);
      return v;
    }
    if (prefix === 2) {
      const v = ((first & 0x3f) * 2 ** 24) + (this.u8(what) << 16) + (this.u8(what) << 8) + this.u8(what);
      if (v < 16384) bad(`${what}: length not minimally encoded`);
      return v;
    }
    bad(`${what}: invalid variable-length integer`);
  }
  opaque(what: string): Uint8Array {
    const n = this.varint(what);
    if (this.at + n > this.b.byteLength) bad(`truncated ${what}`);
    const out = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
}

function contentType(n: number): MlsContentTypeName {
  for (const [k, v] of Object.entries(MLS_CONTENT_TYPE)) if (v === n) return k as MlsContentTypeName;
  bad(`unknown content type ${n}`);
}

/**
 * Reads the clear framing of an encoded MLSMessage. Throws ProtocolError BAD_MLS_MESSAGE for
 * anything that is not MLS 1.0 framing with a known wire format; never reads past the buffer.
 */
export function readMlsFraming(bytes: Uint8Array): MlsFraming {
  const c = new Cursor(bytes);
  const version = c.u16('version');
  if (version !== 1) bad(`protocol version ${version} is not MLS 1.0`);
  const wf = c.u16('wire format');
  if (wf === MLS_WIRE_FORMAT.public) {
    const groupId = c.opaque('group id');
    const epoch = c.u64('epoch');
    const senderType = c.u8('sender type');
    if (senderType === 1 || senderType === 2) c.u16('sender index'), c.u16('sender index');
    else if (senderType !== 3 && senderType !== 4) bad(`unknown sender type ${senderType}`);
    c.opaque('authenticated data');
    return { wireFormat: 'public', groupId, epoch, contentType: contentType(c.u8('content type')), senderType };
  }
  if (wf === MLS_WIRE_FORMAT.private) {
    const groupId = c.opaque('group id');
    const epoch = c.u64('epoch');
    return { wireFormat: 'private', groupId, epoch, contentType: contentType(c.u8('content type')) };
  }
  if (wf === MLS_WIRE_FORMAT.welcome) return { wireFormat: 'welcome' };
  if (wf === MLS_WIRE_FORMAT.groupInfo) return { wireFormat: 'groupInfo' };
  if (wf === MLS_WIRE_FORMAT.keyPackage) return { wireFormat: 'keyPackage' };
  bad(`unknown wire format ${wf}`);
}
