import type { MessageInitShape } from '@bufbuild/protobuf';
import type { ConversationSchema } from '../../protocol/index.js';
import { CONVERSATION_KIND, type ConversationRecord, type ConversationStore } from '../../store/index.js';

export type ConversationInit = MessageInitShape<typeof ConversationSchema>;

/** A conversation as one account sees it on the wire (its peer, whether it administers it). */
export function conversationFrame(c: ConversationRecord, forAccount: string): ConversationInit {
  const peer = c.kind === CONVERSATION_KIND.direct ? c.pair?.find((m) => m !== forAccount) ?? '' : '';
  return {
    conversationId: c.id,
    kind: c.kind,
    title: c.title,
    creator: c.creator,
    epoch: BigInt(c.epoch),
    memberCount: c.members.size,
    peer,
    admin: c.members.get(forAccount)?.admin ?? false,
  };
}

/** Looks conversations up for the frames that describe them. */
export class ConversationView {
  constructor(private readonly store: ConversationStore) {}

  describe(id: Uint8Array, forAccount: string): ConversationInit | undefined {
    const c = this.store.get(id);
    return c ? conversationFrame(c, forAccount) : undefined;
  }
}
