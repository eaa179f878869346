// What an MLS application message of sealcast carries (PROTOCOL.md §Message content): UTF-8 JSON
// {"v":1,"type":"text","text":…,"ts":…}. MLS authenticates and encrypts it; this only gives it a
// shape, checked on the way in like any input from outside.
import { LIMITS } from '../../protocol/index.js';
import { ClientError } from '../client-error.js';

/** A text message's content. */
export interface TextContent {
  text: string;
  /** The sender's clock when it sent it (ms since the epoch). */
  ts: number;
}

const utf8 = new TextEncoder();
const strict = new TextDecoder('utf-8', { fatal: true });

export function encodeText(c: TextContent): Uint8Array {
  const bytes = utf8.encode(JSON.stringify({ v: 1, type: 'text', text: c.text, ts: c.ts }));
  if (bytes.byteLength > LIMITS.maxPlaintextBytes) throw new ClientError('TOO_LARGE', `a message holds at most ${LIMITS.maxPlaintextBytes} bytes`);
  return bytes;
}

/** The content of a delivered message; BAD_CONTENT for anything not of this shape. */
export function decodeText(bytes: Uint8Array): TextContent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(strict.decode(bytes));
  } catch {
    throw new ClientError('BAD_CONTENT', 'the message is not UTF-8 JSON');
  }
  const p = parsed as { v?: unknown; type?: unknown; text?: unknown; ts?: unknown };
  if (p === null || typeof p !== 'object' || p.v !== 1 || p.type !== 'text' || typeof p.text !== 'string'
    || typeof p.ts !== 'number' || !Number.isSafeInteger(p.ts) || p.ts < 0) {
    throw new ClientError('BAD_CONTENT', 'the message is not a sealcast text message');
  }
  return { text: p.text, ts: p.ts };
}
