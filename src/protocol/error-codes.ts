/**
 * Stable wire error codes. Numbers and names never change meaning once released:
 * clients in other languages switch on them (docs/PROTOCOL.md §Errors lists them).
 */
export const WIRE_ERRORS = {
  BAD_FRAME: 1,
  FRAME_TOO_LARGE: 2,
  UNKNOWN_FRAME: 3,
  NOT_AUTHENTICATED: 4,
  VERSION_UNSUPPORTED: 5,
  ALREADY_AUTHENTICATED: 6,
  NAME_INVALID: 10,
  NAME_TAKEN: 11,
  BAD_PROOF: 12,
  BAD_BUNDLE: 13,
  NAME_RESET_PENDING: 14,
  UNKNOWN_PEER: 20,
  DUPLICATE_ID: 22,
  RATE_LIMITED: 23,
  MAILBOX_FULL: 24,
  /** The sender's storage quota (bytes it made the server keep), or the server's, is used up. */
  QUOTA_EXCEEDED: 25,
  /** v2: device list malformed, not signed by the account's identity key, or not naming this device. */
  BAD_DEVICE_LIST: 30,
  /** v2: the device list is older than (or as old as) the one the server holds; Error carries no list, ask again. */
  STALE_DEVICE_LIST: 31,
  /** v2: this device is not (or no longer) in the account's device list. */
  UNKNOWN_DEVICE: 32,
  /** v2: this identity key already holds another account. */
  KEY_IN_USE: 33,
  BAD_ROTATION: 40,
  UNKNOWN_TITLE: 50,
  BAD_TITLE: 51,
  BAD_POLICY: 52,
  TOO_MANY_STREAMS: 53,
  NOT_READY: 54,
  UNKNOWN_STREAM: 55,
  /** v2: no such conversation (or the caller is not a member and may not know of it). */
  UNKNOWN_CONVERSATION: 60,
  /** v2: a commit for an epoch that is not the conversation's current one: process the queue, then rebase. */
  EPOCH_CONFLICT: 61,
  /** v2: only the room's administrator may do this. */
  NOT_ADMIN: 62,
  /** v2: the conversation already exists (a direct conversation between these two accounts). */
  CONVERSATION_EXISTS: 63,
  /** v2: the MLS message's clear framing is malformed or does not match the frame. */
  BAD_MLS_MESSAGE: 64,
  INTERNAL: 99,
} as const;

export type WireErrorName = keyof typeof WIRE_ERRORS;

/** Looks a wire name up from its number, for clients that only received the number. */
export function wireErrorName(code: number): WireErrorName | undefined {
  for (const [name, value] of Object.entries(WIRE_ERRORS)) if (value === code) return name as WireErrorName;
  return undefined;
}

/**
 * WebSocket close codes (4000-4999 is the application range of RFC 6455).
 * Used when the server ends a connection rather than answering a frame.
 */
export const CLOSE_CODES = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  /** RFC 6455: message too big; used for frames over the size limit. */
  TOO_LARGE: 1009,
  PROTOCOL_VIOLATION: 4001,
  AUTH_FAILED: 4003,
  AUTH_TIMEOUT: 4004,
  RATE_LIMITED: 4008,
  SLOW_CONSUMER: 4010,
  REPLACED: 4011,
  SERVER_SHUTDOWN: 4012,
  /** v2: this device was removed from its account's device list. */
  DEVICE_REMOVED: 4013,
} as const;
