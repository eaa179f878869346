import type { MessageInitShape } from '@bufbuild/protobuf';
import type { PeerInfoSchema } from '../protocol/index.js';

/** A PeerInfo frame body as handlers build it. */
export type PeerInfoInit = MessageInitShape<typeof PeerInfoSchema>;
