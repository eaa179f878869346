import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { WebSocket } from 'ws';
import { signLogin, type Identity } from '../../src/crypto/index.js';
import { decodeServerFrame, encodeClientFrame, PROTOCOL_VERSION, ServerFrameSchema } from '../../src/protocol/index.js';

const REQ_FIELD = ServerFrameSchema.field.req!.number;
const WELCOME_FIELD = ServerFrameSchema.field.welcome!.number;

/**
 * Whether a ServerFrame's body is a Welcome, read from its tags alone. A Welcome lists every
 * registered peer; decoding thousands of them per login in the one process that holds every
 * benchmark connection would make the load generator the bottleneck (each real client decodes
 * only its own). Everything else (the challenge, errors) is small and decoded in full.
 */
function isWelcome(bytes: Uint8Array): boolean {
  try {
    const reader = new BinaryReader(bytes);
    let [field, wireType] = reader.tag();
    if (field === REQ_FIELD && wireType === WireType.Varint) {
      reader.uint32();
      [field, wireType] = reader.tag();
    }
    return field === WELCOME_FIELD && wireType === WireType.LengthDelimited;
  } catch {
    return false; // not a frame we can read: decoded in full, which reports it
  }
}

/**
 * Opens a WebSocket to a sealcast server and logs in the way every client does: sign the
 * server's challenge with the identity's key, bound to the certificate seen on this TLS
 * connection (checked against `pinHex` when given). Resolves after Welcome, with every
 * listener removed so the caller can attach its own.
 */
export function sealcastLogin(url: string, name: string, identity: Identity, pinHex = ''): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}/ws`, { rejectUnauthorized: false, perMessageDeflate: false });
    const fail = (e: Error) => {
      ws.terminate();
      reject(e);
    };
    ws.once('error', fail);
    ws.once('close', (code) => fail(new Error(`closed during login (${code})`)));
    ws.once('open', () => {
      const cert = (ws as unknown as { _socket: TLSSocket })._socket.getPeerCertificate().raw;
      const fp = createHash('sha256').update(cert).digest();
      if (pinHex && fp.toString('hex') !== pinHex) return fail(new Error('server certificate is not the pinned one'));
      ws.on('message', (data: Buffer) => {
        const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        if (isWelcome(bytes)) {
          ws.removeAllListeners();
          ws.on('error', () => {});
          return resolve(ws);
        }
        const b = decodeServerFrame(bytes).body;
        if (b.case === 'challenge') {
          signLogin(identity, b.value.nonce, new Uint8Array(fp), name).then(
            (signature) => ws.send(encodeClientFrame({ req: 1, body: { case: 'login', value: { protocolVersion: PROTOCOL_VERSION, name, bundle: identity.bundle.bytes, signature, client: 'sealcast-bench' } } })),
            (e: Error) => fail(e),
          );
        } else if (b.case === 'error') {
          fail(new Error(`login refused: ${b.value.name} ${b.value.message}`));
        }
      });
    });
  });
}
