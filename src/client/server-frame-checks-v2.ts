// The client's checks of protocol v2 frames (beyond the sizes src/protocol/validate-v2.ts bounds):
// every name is a canonical user name, every text the faces print is printable, counts are bounded.
import { ConversationNotice_Kind, LIMITS, type Conversation, type ServerFrame } from '../protocol/index.js';
import { bad, checkCount, checkName, checkText } from './server-frame-rules.js';

/** A conversation as the server describes it. */
export function checkConversation(field: string, c: Conversation): void {
  if (c.conversationId.byteLength !== LIMITS.conversationIdBytes) bad(`${field}.conversation_id: expected ${LIMITS.conversationIdBytes} bytes`);
  checkText(`${field}.title`, c.title, LIMITS.maxTitleOfRoomChars);
  if (c.creator !== '') checkName(`${field}.creator`, c.creator);
  if (c.peer !== '') checkName(`${field}.peer`, c.peer);
}

type V2Body = Extract<ServerFrame['body'], { case: 'queueItems' | 'deviceList' | 'directory' | 'keyPackageStatus' | 'claimedKeyPackages'
  | 'conversation' | 'commitAccepted' | 'groupInfo' | 'conversations' | 'members' | 'presenceUpdates' | 'accountChanged' }>;

/** Checks one v2 frame body; throws BAD_SERVER_FRAME naming the field. */
export function checkServerFrameV2(b: V2Body): void {
  switch (b.case) {
    case 'queueItems':
      checkCount('queue_items', b.value.items.length, 10_000);
      for (const it of b.value.items) {
        if (it.from !== '') checkName('queue_items.from', it.from);
        if (it.body.case === 'welcome' && it.body.value.conversation) checkConversation('queue_items.welcome.conversation', it.body.value.conversation);
        if (it.body.case === 'notice') {
          const n = it.body.value;
          if (!Object.values(ConversationNotice_Kind).includes(n.kind)) bad('queue_items.notice.kind: unknown');
          if (n.conversation) checkConversation('queue_items.notice.conversation', n.conversation);
          for (const a of n.accounts) checkName('queue_items.notice.accounts', a);
          if (n.by !== '') checkName('queue_items.notice.by', n.by);
        }
      }
      return;
    case 'directory':
      for (const a of b.value.accounts) checkName('directory.accounts.name', a.name);
      for (const n of b.value.unknown) checkName('directory.unknown', n);
      return;
    case 'accountChanged':
      if (b.value.account) checkName('account_changed.account.name', b.value.account.name);
      return;
    case 'claimedKeyPackages':
      for (const p of b.value.packages) checkName('claimed_key_packages.name', p.name);
      return;
    case 'conversation':
      checkConversation('conversation', b.value);
      return;
    case 'conversations':
      for (const c of b.value.items) checkConversation('conversations.items', c);
      return;
    case 'members':
      for (const m of b.value.items) checkName('members.items.name', m.name);
      return;
    case 'presenceUpdates':
      for (const p of b.value.updates) checkName('presence_updates.name', p.name);
      return;
    case 'deviceList':
    case 'keyPackageStatus':
    case 'commitAccepted':
    case 'groupInfo':
      return;
  }
}
