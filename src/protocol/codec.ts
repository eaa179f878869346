import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import {
  ClientFrameSchema,
  ServerFrameSchema,
  type ClientFrame,
  type ServerFrame,
} from './gen/sealcast_pb.js';
import { LIMITS } from './limits.js';
import { ProtocolError } from './protocol-error.js';
import { validateClientFrame, validateServerFrame } from './validate.js';

export type ClientFrameInit = MessageInitShape<typeof ClientFrameSchema>;
export type ServerFrameInit = MessageInitShape<typeof ServerFrameSchema>;

/** Serialises a client frame; used by clients (CLI, browser). */
export function encodeClientFrame(init: ClientFrameInit): Uint8Array {
  return toBinary(ClientFrameSchema, create(ClientFrameSchema, init));
}

/** Serialises a server frame. */
export function encodeServerFrame(init: ServerFrameInit): Uint8Array {
  return toBinary(ServerFrameSchema, create(ServerFrameSchema, init));
}

function decodeBounded<T>(bytes: Uint8Array, max: number, parse: () => T): T {
  if (!(bytes instanceof Uint8Array)) throw new ProtocolError('BAD_FRAME', 'frame must be binary');
  if (bytes.byteLength > max) {
    throw new ProtocolError('FRAME_TOO_LARGE', `frame is ${bytes.byteLength} bytes; limit is ${max}`);
  }
  if (bytes.byteLength === 0) throw new ProtocolError('BAD_FRAME', 'empty frame');
  try {
    return parse();
  } catch (e) {
    if (e instanceof ProtocolError) throw e;
    throw new ProtocolError('BAD_FRAME', 'frame is not a valid protobuf message');
  }
}

/**
 * Decodes and validates one frame from a client. The size is checked before
 * decoding; the content (ids, names, sizes, enums) after. Throws ProtocolError only.
 */
export function decodeClientFrame(bytes: Uint8Array, maxBytes: number = LIMITS.maxClientFrameBytes): ClientFrame {
  const frame = decodeBounded(bytes, maxBytes, () => fromBinary(ClientFrameSchema, bytes, { readUnknownFields: false }));
  validateClientFrame(frame);
  return frame;
}

/** Decodes and validates one frame from the server (clients never trust the server's sizes either). */
export function decodeServerFrame(bytes: Uint8Array, maxBytes: number = LIMITS.maxServerFrameBytes): ServerFrame {
  const frame = decodeBounded(bytes, maxBytes, () => fromBinary(ServerFrameSchema, bytes, { readUnknownFields: false }));
  validateServerFrame(frame);
  return frame;
}
