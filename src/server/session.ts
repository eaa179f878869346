import type { DeviceRecord } from '../store/index.js';
import type { QueueCursor } from './mailbox/queue-cursor.js';

/** What a logged-in connection is: which account and device, which protocol, and whether it takes the queue. */
export interface Session {
  account: string;
  device: DeviceRecord;
  protocol: 1 | 2;
  /**
   * This session takes the device's queue (and counts as the account being online). v1 sessions
   * always do; a v2 short session (one-shot commands, a second browser tab) does not, and never
   * disturbs the device's receiving session.
   */
  receive: boolean;
  /** The device's queue as this session delivers it (receiving sessions only). */
  cursor: QueueCursor | undefined;
}
