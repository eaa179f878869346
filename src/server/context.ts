import type { ConversationStore, KeyPackageStore } from '../store/index.js';
import type { ConversationView } from './conversations/conversation-view.js';
import type { Logger } from './logger.js';
import type { DeviceMailbox } from './mailbox/device-mailbox.js';
import type { QueueFrames } from './mailbox/queue-frames.js';
import type { Metrics } from './metrics.js';
import type { PresenceService } from './presence/presence-service.js';
import type { Registry } from './registry/registry.js';
import type { RosterBroadcast } from './roster-broadcast.js';
import type { Router } from './router/router.js';
import type { ServerConfig } from './server-config.js';

/**
 * What handlers work with (DESIGN.md §8): the registry, the router and the mailbox, plus the
 * conversation and key-package stores of the delivery service. Handlers are functions of this
 * context and the connection; none of them holds the others' connections.
 */
export interface ServerContext {
  readonly config: ServerConfig;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly certFingerprint: Uint8Array;
  readonly registry: Registry;
  readonly router: Router;
  readonly mailbox: DeviceMailbox;
  readonly conversations: ConversationStore;
  readonly conversationView: ConversationView;
  readonly keyPackages: KeyPackageStore;
  readonly frames: QueueFrames;
  readonly presence: PresenceService;
  /** v1 sessions' roster news (RosterUpdates), batched. */
  readonly roster: RosterBroadcast;
  /** Why storing would fail now (full disk, unwritable database), or null; /healthz reports it. */
  readonly storageProblem: () => string | null;
  /** Why the disk takes no new messages now (free space below the watermark), or null. */
  readonly diskLow: () => string | null;
  /** The server is stopping: no presence news goes out. */
  readonly shuttingDown: () => boolean;
}
