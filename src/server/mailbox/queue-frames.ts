import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  ConversationNoticeSchema, ConversationSchema, QueueItemSchema, ServerFrameSchema, type ConversationNotice, type QueueItem,
} from '../../protocol/index.js';
import { QUEUE_KIND, type QueuedItem } from '../../store/index.js';
import { encodeDeliverFrame } from '../message-frames.js';
import type { ConversationView } from '../conversations/conversation-view.js';

/** The server's fields of an MLS queue item: the epoch (u64) and whether it is a commit (u8). */
export function encodeMlsMeta(epoch: number, commit: boolean): Uint8Array {
  const out = new Uint8Array(9);
  new DataView(out.buffer).setBigUint64(0, BigInt(epoch));
  out[8] = commit ? 1 : 0;
  return out;
}

export function decodeMlsMeta(meta: Uint8Array | undefined): { epoch: number; commit: boolean } {
  if (!meta || meta.byteLength !== 9) return { epoch: 0, commit: false };
  return { epoch: Number(new DataView(meta.buffer, meta.byteOffset, 9).getBigUint64(0)), commit: meta[8] === 1 };
}

/** A notice the server makes, stored as the queue item's payload. */
export function encodeNotice(notice: Omit<ConversationNotice, '$typeName' | 'conversation'>): Uint8Array {
  return toBinary(ConversationNoticeSchema, create(ConversationNoticeSchema, notice));
}

/**
 * Turns queue items into what a session receives: v1 sessions a Deliver per envelope (they know
 * nothing else; other kinds never reach a v1 device), v2 sessions one QueueItems frame per page.
 */
export class QueueFrames {
  constructor(private readonly conversations: ConversationView) {}

  v1Deliver(item: QueuedItem): Uint8Array | undefined {
    if (item.kind !== QUEUE_KIND.envelope) return undefined;
    return encodeDeliverFrame({ id: item.id, from: item.sender, toAll: item.toAll, envelope: item.payload, serverTs: item.storedAt });
  }

  v2Items(items: readonly QueuedItem[], forAccount: string): Uint8Array {
    return toBinary(ServerFrameSchema, create(ServerFrameSchema, {
      body: { case: 'queueItems', value: { items: items.map((i) => this.item(i, forAccount)) } },
    }));
  }

  private item(i: QueuedItem, forAccount: string): QueueItem {
    const base = {
      seq: BigInt(i.seq), serverTs: BigInt(i.storedAt), from: i.sender, fromDevice: i.senderDevice ?? new Uint8Array(), id: i.id,
    };
    const described = i.conversation ? this.conversations.describe(i.conversation, forAccount) : undefined;
    const conversation = described ? create(ConversationSchema, described) : undefined;
    switch (i.kind) {
      case QUEUE_KIND.envelope:
        return create(QueueItemSchema, { ...base, body: { case: 'envelope', value: { envelope: i.payload, toAll: i.toAll } } });
      case QUEUE_KIND.mls: {
        const { epoch, commit } = decodeMlsMeta(i.meta);
        return create(QueueItemSchema, {
          ...base, body: { case: 'message', value: { conversationId: i.conversation, message: i.payload, epoch: BigInt(epoch), commit } },
        });
      }
      case QUEUE_KIND.welcome:
        return create(QueueItemSchema, { ...base, body: { case: 'welcome', value: { conversation, welcome: i.payload } } });
      case QUEUE_KIND.notice: {
        const notice = create(ConversationNoticeSchema, { ...fromBinary(ConversationNoticeSchema, i.payload), conversation });
        return create(QueueItemSchema, { ...base, body: { case: 'notice', value: notice } });
      }
    }
  }
}
