// Envelope byte layout (docs/PROTOCOL.md §Envelope). Parsing only: no keys, so the
// server may use it to check that an envelope names its sender and id.
import { concat, Reader, utf8Bytes, Writer } from './bytes.js';
import { CryptoError } from './crypto-error.js';
import { suiteFromId, suiteId, type SuiteName } from './suites.js';

const MAGIC = utf8Bytes('SCE1');
export const ENVELOPE_LABEL = utf8Bytes('sealcast-envelope-v1\0');
/** HPKE `info` for content-key wraps. */
export const HPKE_INFO = utf8Bytes('sealcast-envelope-v1');
export const MAX_RECIPIENTS = 1024;
export const MAX_PLAINTEXT = 64 * 1024;
export const NONCE_BYTES = 12;

export interface RecipientEntry {
  name: string;
  fingerprint: Uint8Array;
  /** Suite of the recipient's key, which decides how the content key is wrapped. */
  suite: SuiteName;
  wrappedKey: Uint8Array;
}

/** Everything about an envelope that is public: who, to whom, when, which id. */
export interface EnvelopeHeader {
  /** The sender's suite: signature and body cipher. */
  suite: SuiteName;
  id: Uint8Array;
  ts: number;
  toAll: boolean;
  senderName: string;
  senderFingerprint: Uint8Array;
  recipients: { name: string; fingerprint: Uint8Array }[];
}

export interface ParsedEnvelope {
  header: EnvelopeHeader;
  entries: RecipientEntry[];
  nonce: Uint8Array;
  body: Uint8Array;
  signature: Uint8Array;
  /** The bytes the signature covers (after the label). */
  signed: Uint8Array;
}

/**
 * The binding: the header without the wrapped keys. It is the AEAD associated data
 * of the body and of every key wrap, so no part can be moved to another message,
 * sender or recipient list.
 */
export function encodeBinding(h: EnvelopeHeader, entrySuites: SuiteName[]): Uint8Array {
  const w = new Writer().bytes(MAGIC).u8(suiteId(h.suite)).u8(h.toAll ? 1 : 0).bytes(h.id).u64(h.ts)
    .str8(h.senderName).bytes(h.senderFingerprint).u16(h.recipients.length);
  h.recipients.forEach((r, i) => w.str8(r.name).bytes(r.fingerprint).u8(suiteId(entrySuites[i]!)));
  return w.finish();
}

/** Serialises everything up to (not including) the signature. */
export function encodeUnsigned(h: EnvelopeHeader, entries: RecipientEntry[], nonce: Uint8Array, body: Uint8Array): Uint8Array {
  const w = new Writer().bytes(MAGIC).u8(suiteId(h.suite)).u8(h.toAll ? 1 : 0).bytes(h.id).u64(h.ts)
    .str8(h.senderName).bytes(h.senderFingerprint).u16(entries.length);
  for (const e of entries) w.str8(e.name).bytes(e.fingerprint).u8(suiteId(e.suite)).vec16(e.wrappedKey);
  return w.bytes(nonce).vec32(body).finish();
}

export function signatureInput(unsigned: Uint8Array): Uint8Array {
  return concat(ENVELOPE_LABEL, unsigned);
}

/** Parses an envelope with bounds checks everywhere; malformed input is BAD_ENVELOPE. */
export function parseEnvelope(bytes: Uint8Array): ParsedEnvelope {
  if (!(bytes instanceof Uint8Array)) throw new CryptoError('BAD_ENVELOPE', 'envelope must be bytes');
  const r = new Reader(bytes, 'BAD_ENVELOPE');
  const magic = r.bytes(4, 'magic');
  if (!magic.every((b, i) => b === MAGIC[i])) throw new CryptoError('BAD_ENVELOPE', 'not a sealcast envelope');
  let suite: SuiteName;
  try {
    suite = suiteFromId(r.u8('suite'));
  } catch {
    throw new CryptoError('BAD_ENVELOPE', 'unknown envelope suite');
  }
  const flags = r.u8('flags');
  if (flags > 1) throw new CryptoError('BAD_ENVELOPE', 'unknown envelope flags');
  const id = r.bytes(16, 'id').slice();
  const ts = r.u64('timestamp');
  const senderName = r.str8('sender name');
  const senderFingerprint = r.bytes(32, 'sender fingerprint').slice();
  const count = r.u16('recipient count');
  if (count === 0 || count > MAX_RECIPIENTS) throw new CryptoError('BAD_ENVELOPE', `recipient count ${count} out of range`);
  const entries: RecipientEntry[] = [];
  for (let i = 0; i < count; i++) {
    const name = r.str8('recipient name');
    const fingerprint = r.bytes(32, 'recipient fingerprint').slice();
    let entrySuite: SuiteName;
    try {
      entrySuite = suiteFromId(r.u8('recipient suite'));
    } catch {
      throw new CryptoError('BAD_ENVELOPE', 'unknown recipient suite');
    }
    entries.push({ name, fingerprint, suite: entrySuite, wrappedKey: r.vec16('wrapped key').slice() });
  }
  const nonce = r.bytes(NONCE_BYTES, 'nonce').slice();
  const body = r.vec32('body', MAX_PLAINTEXT + 16).slice();
  const signedEnd = r.offset;
  const signature = r.vec16('signature').slice();
  r.end('envelope');
  return {
    header: {
      suite, id, ts, toAll: flags === 1, senderName, senderFingerprint,
      recipients: entries.map((e) => ({ name: e.name, fingerprint: e.fingerprint })),
    },
    entries, nonce, body, signature, signed: bytes.subarray(0, signedEnd),
  };
}

/** The public header of an envelope, without any cryptography. */
export function readEnvelopeHeader(bytes: Uint8Array): EnvelopeHeader {
  return parseEnvelope(bytes).header;
}
