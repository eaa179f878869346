// Envelope byte layout (docs/crypto-notes.md §Envelope): encoding and bounds-checked parsing.
// No keys and no cryptography here, so the server may use it to check that an envelope
// names its sender, id and to-all flag; sealing and opening live in envelope-seal/-open.
import { concat, copyBytes, Reader, utf8Bytes, Writer } from './bytes.js';
import { CryptoError } from './crypto-error.js';
import {
  CURVE25519_KEY_BYTES, GCM_NONCE_BYTES, GCM_TAG_BYTES, suiteFromId, suiteId, suiteParams, type SuiteName,
} from './suites.js';

/** First four bytes of every envelope: "SCE1". */
export const ENVELOPE_MAGIC = utf8Bytes('SCE1');
/** Domain separation of the sender's envelope signature. */
export const ENVELOPE_LABEL = utf8Bytes('sealcast-envelope-v1\0');
/** HPKE `info` of content-key wraps (RFC 9180 key schedule input). */
export const HPKE_INFO = utf8Bytes('sealcast-envelope-v1');
/** Most recipients one envelope may list (a to-all message on a 1,000-user server). */
export const MAX_RECIPIENTS = 1024;
/** Largest plaintext (PROTOCOL.md: plaintext inside an envelope ≤ 64 KiB). */
export const MAX_PLAINTEXT = 64 * 1024;
/** Largest envelope parsed at all (PROTOCOL.md: 1,000 KiB); the format's own maximum is below it. */
export const MAX_ENVELOPE_BYTES = 1000 * 1024;
/** Flag bit: the message went to everyone. */
const FLAG_TO_ALL = 0x01;

/** One recipient line of an envelope. */
export interface RecipientEntry {
  name: string;
  fingerprint: Uint8Array;
  /** Suite of the recipient's key, which decides how the content key is wrapped for them. */
  suite: SuiteName;
  wrappedKey: Uint8Array;
}

/** Everything about an envelope that is public: who, to whom, when, which id. */
export interface EnvelopeHeader {
  /** The sender's suite: signature scheme and body cipher. */
  suite: SuiteName;
  id: Uint8Array;
  ts: number;
  toAll: boolean;
  senderName: string;
  senderFingerprint: Uint8Array;
  recipients: { name: string; fingerprint: Uint8Array }[];
}

/** An envelope split into its parts (parse result used by openEnvelope). */
export interface ParsedEnvelope {
  header: EnvelopeHeader;
  entries: RecipientEntry[];
  nonce: Uint8Array;
  body: Uint8Array;
  signature: Uint8Array;
  /** The bytes the signature covers (after the label): everything before the signature field. */
  signed: Uint8Array;
}

/**
 * Exact length of a wrapped content key: HPKE gives enc(32) || AES-128-GCM(content key) with
 * its 16-byte tag; RSA-OAEP-3072 gives 384 bytes. The content key length is the sender's.
 */
export function wrappedKeyBytes(recipientSuite: SuiteName, senderSuite: SuiteName): number {
  return recipientSuite === 'rsa-oaep-3072' ? 384 : CURVE25519_KEY_BYTES + suiteParams(senderSuite).contentKeyBytes + GCM_TAG_BYTES;
}

function writeFixed(h: EnvelopeHeader): Writer {
  return new Writer()
    .bytes(ENVELOPE_MAGIC).u8(suiteId(h.suite)).u8(h.toAll ? FLAG_TO_ALL : 0).bytes(h.id).u64(h.ts)
    .str8(h.senderName, 'senderName').bytes(h.senderFingerprint).u16(h.recipients.length);
}

/**
 * The binding: the header without the wrapped keys (magic, suite, flags, id, ts, sender
 * name + fingerprint, count, and per recipient name + fingerprint + suite). It is the AEAD
 * associated data of the body and of every HPKE wrap (and, hashed, the RSA-OAEP label), so
 * no ciphertext part can be moved to another message, sender or recipient list.
 */
export function encodeBinding(h: EnvelopeHeader, entrySuites: readonly SuiteName[]): Uint8Array {
  const w = writeFixed(h);
  h.recipients.forEach((r, i) => w.str8(r.name, 'recipient name').bytes(r.fingerprint).u8(suiteId(entrySuites[i]!)));
  return w.finish();
}

/** Serialises everything up to (not including) the signature field. */
export function encodeUnsigned(h: EnvelopeHeader, entries: readonly RecipientEntry[], nonce: Uint8Array, body: Uint8Array): Uint8Array {
  const w = writeFixed(h);
  for (const e of entries) w.str8(e.name, 'recipient name').bytes(e.fingerprint).u8(suiteId(e.suite)).vec16(e.wrappedKey);
  return w.bytes(nonce).vec32(body).finish();
}

/** What the sender signs: "sealcast-envelope-v1\0" || everything before the signature field. */
export function envelopeSignatureInput(unsigned: Uint8Array): Uint8Array {
  return concat(ENVELOPE_LABEL, unsigned);
}

function entrySuite(r: Reader): SuiteName {
  const id = r.u8('recipient suite');
  try {
    return suiteFromId(id);
  } catch {
    throw new CryptoError('BAD_ENVELOPE', `unknown recipient suite id ${id}`);
  }
}

/**
 * Checks an envelope with bounds checks everywhere: magic, suite, flags, lengths of every
 * field (wrapped keys and signature by suite), recipient count and distinct names, body
 * size, no trailing bytes. Malformed input is BAD_ENVELOPE; nothing else is thrown.
 * The header is copied out; the other parts are views into `bytes`, so the server, which
 * reads only the header of every message it routes, copies no ciphertext.
 */
function scanEnvelope(bytes: Uint8Array): ParsedEnvelope {
  if (!(bytes instanceof Uint8Array)) throw new CryptoError('BAD_ENVELOPE', 'envelope: expected Uint8Array');
  if (bytes.byteLength > MAX_ENVELOPE_BYTES) {
    throw new CryptoError('BAD_ENVELOPE', `envelope larger than ${MAX_ENVELOPE_BYTES} bytes, got length=${bytes.byteLength}`);
  }
  const r = new Reader(bytes, 'BAD_ENVELOPE');
  const magic = r.bytes(4, 'magic');
  if (!magic.every((b, i) => b === ENVELOPE_MAGIC[i])) throw new CryptoError('BAD_ENVELOPE', 'not a sealcast envelope (magic)');
  const suiteByte = r.u8('suite');
  let suite: SuiteName;
  try {
    suite = suiteFromId(suiteByte);
  } catch {
    throw new CryptoError('BAD_ENVELOPE', `unknown envelope suite id ${suiteByte}`);
  }
  const flags = r.u8('flags');
  if ((flags & ~FLAG_TO_ALL) !== 0) throw new CryptoError('BAD_ENVELOPE', `unknown envelope flags 0x${flags.toString(16)}`);
  const id = copyBytes(r.bytes(16, 'id'));
  const ts = r.u64('timestamp');
  const senderName = r.name8('sender name');
  const senderFingerprint = copyBytes(r.bytes(32, 'sender fingerprint'));
  const count = r.u16('recipient count');
  if (count === 0 || count > MAX_RECIPIENTS) throw new CryptoError('BAD_ENVELOPE', `recipient count ${count} out of range 1-${MAX_RECIPIENTS}`);
  const entries: RecipientEntry[] = [];
  const names = new Set<string>();
  for (let i = 0; i < count; i++) {
    const name = r.name8('recipient name');
    if (names.has(name)) throw new CryptoError('BAD_ENVELOPE', 'recipient listed twice');
    names.add(name);
    const fingerprint = r.bytes(32, 'recipient fingerprint');
    const eSuite = entrySuite(r);
    const wrappedKey = r.vec16('wrapped key');
    const want = wrappedKeyBytes(eSuite, suite);
    if (wrappedKey.byteLength !== want) {
      throw new CryptoError('BAD_ENVELOPE', `expected a ${want}-byte wrapped key, got length=${wrappedKey.byteLength}`);
    }
    entries.push({ name, fingerprint, suite: eSuite, wrappedKey });
  }
  const nonce = r.bytes(GCM_NONCE_BYTES, 'nonce');
  const body = r.vec32('body', MAX_PLAINTEXT + GCM_TAG_BYTES);
  if (body.byteLength < GCM_TAG_BYTES) throw new CryptoError('BAD_ENVELOPE', `body shorter than the ${GCM_TAG_BYTES}-byte tag`);
  const signedEnd = r.offset;
  const signature = r.vec16('signature');
  if (signature.byteLength !== suiteParams(suite).signatureBytes) {
    throw new CryptoError('BAD_ENVELOPE', `expected a ${suiteParams(suite).signatureBytes}-byte signature, got length=${signature.byteLength}`);
  }
  r.end('envelope');
  return {
    header: {
      suite, id, ts, toAll: (flags & FLAG_TO_ALL) !== 0, senderName, senderFingerprint,
      recipients: entries.map((e) => ({ name: e.name, fingerprint: copyBytes(e.fingerprint) })),
    },
    entries,
    nonce,
    body,
    signature,
    signed: bytes.subarray(0, signedEnd),
  };
}

/** Parses an envelope (see scanEnvelope); every part is a copy that does not alias `bytes`. */
export function parseEnvelope(bytes: Uint8Array): ParsedEnvelope {
  const e = scanEnvelope(bytes);
  return {
    header: e.header,
    entries: e.entries.map((x) => ({ ...x, fingerprint: copyBytes(x.fingerprint), wrappedKey: copyBytes(x.wrappedKey) })),
    nonce: copyBytes(e.nonce),
    body: copyBytes(e.body),
    signature: copyBytes(e.signature),
    signed: copyBytes(e.signed),
  };
}

/**
 * The public header of an envelope, parsed without any cryptography: what the server
 * checks (sender name, id, to-all) and what a client shows before opening. Nothing in it
 * is authenticated until openEnvelope has verified the signature.
 */
export function readEnvelopeHeader(bytes: Uint8Array): EnvelopeHeader {
  return scanEnvelope(bytes).header;
}
