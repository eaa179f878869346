// Reading and writing MLSMessage bytes (RFC 9420 §6) at the adapter's edge: every byte string a
// caller hands in is decoded here, bounded, checked to be exactly one message with no trailing
// bytes, and of the wire format the operation expects.
import { decodeMlsMessage, encodeMlsMessage, type MLSMessage, type MlsMessageContent } from 'ts-mls';
import { MlsError } from './mls-error.js';

/**
 * Largest MLSMessage the adapter decodes (16 MiB). A Welcome or GroupInfo carries the whole ratchet
 * tree, about 310 bytes a member (measured: the Welcome of a 1,000-member group is 312,015 bytes),
 * so this is far above any room sealcast supports while keeping a hostile input from costing
 * unbounded memory.
 */
export const MAX_MLS_MESSAGE_BYTES = 16 * 1024 * 1024;

/** The wire formats by the names ts-mls uses. */
export type WireFormatName = MlsMessageContent['wireformat'];

const NAMES: Record<WireFormatName, string> = {
  mls_public_message: 'a PublicMessage',
  mls_private_message: 'a PrivateMessage',
  mls_welcome: 'a Welcome',
  mls_group_info: 'a GroupInfo',
  mls_key_package: 'a KeyPackage',
};

/** Decodes exactly one MLSMessage of one of the wanted wire formats, or throws BAD_MESSAGE saying why. */
export function decodeMessage<W extends WireFormatName>(bytes: unknown, wanted: readonly W[], what: string): MLSMessage & { wireformat: W } {
  if (!(bytes instanceof Uint8Array)) throw new MlsError('BAD_INPUT', `${what}: expected Uint8Array`);
  if (bytes.byteLength > MAX_MLS_MESSAGE_BYTES) {
    throw new MlsError('BAD_MESSAGE', `${what}: ${bytes.byteLength} bytes is over the ${MAX_MLS_MESSAGE_BYTES}-byte limit`);
  }
  let decoded: [MLSMessage, number] | undefined;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch (e) {
    throw new MlsError('BAD_MESSAGE', `${what}: not an MLSMessage (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  if (decoded === undefined) throw new MlsError('BAD_MESSAGE', `${what}: not an MLSMessage`);
  const [message, end] = decoded;
  if (end !== bytes.byteLength) throw new MlsError('BAD_MESSAGE', `${what}: ${bytes.byteLength - end} trailing bytes after the MLSMessage`);
  if (message.version !== 'mls10') throw new MlsError('BAD_MESSAGE', `${what}: protocol version is not mls10`);
  if (!(wanted as readonly string[]).includes(message.wireformat)) {
    throw new MlsError('BAD_MESSAGE', `${what}: expected ${wanted.map((w) => NAMES[w]).join(' or ')}, got ${NAMES[message.wireformat] ?? 'an unknown wire format'}`);
  }
  return message as MLSMessage & { wireformat: W };
}

/** Encodes a message the adapter made (version mls10). */
export function encodeMessage(content: MlsMessageContent): Uint8Array {
  return encodeMlsMessage({ version: 'mls10', ...content } as MLSMessage);
}
