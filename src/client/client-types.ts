// The client core's public shapes: options, events and what the user sees of peers and
// messages. Kept apart from the modules that implement them so that every module (and the
// faces) can name them without importing the facade.
import type { Identity } from '../crypto/index.js';
import type { ServerFrame } from '../protocol/index.js';
import type { BackoffOptions } from './backoff.js';
import type { RetiredIdentityStore } from './identity-ring.js';
import type { Connector } from './socket-like.js';
import type { ClientStorage } from './storage.js';

/** How a SealcastClient is set up. */
export interface ClientOptions {
  /** wss://HOST:PORT/ws */
  url: string;
  /** Our name; compared in canonical (lower-case) form. */
  name: string;
  /** Our keys; never leave this object. */
  identity: Identity;
  /** Opens the socket (Node: ws with certificate pinning; browsers: webSocketConnector()). */
  connector: Connector;
  /** Where peer keys (trust on first use) and the replay window persist. */
  storage: ClientStorage;
  /** Software name shown to operators, e.g. "sealcast-cli/0.1". */
  clientName?: string;
  /** Reconnect with backoff and jitter when an established connection drops (never after close()). */
  autoReconnect?: boolean;
  backoff?: BackoffOptions;
  /** How long one request waits for its answer (ms); default 15,000. */
  requestTimeoutMs?: number;
  /** How long send() may take in all, reconnects included (ms); default 60,000. */
  sendTimeoutMs?: number;
  /**
   * Whether to take deliveries (default true). One-shot tools that only send or
   * list set it false: messages then stay on the server for the next real reader
   * instead of being acknowledged unseen.
   */
  receive?: boolean;
  /** Our earlier identities, to open messages sealed to them before a key rotation. */
  retiredIdentities?: Identity[];
  /**
   * Where the identities rotateKey retires are kept across restarts (the CLI: a 0600 file
   * beside the identity; browsers: IndexedDB). Without one they are kept in memory only,
   * and mail sealed to an old key that arrives after a restart cannot be opened.
   */
  retiredStore?: RetiredIdentityStore;
  /**
   * Awaited after a message is shown and before it is acknowledged, so an app can make it
   * durable first (the server deletes a message once acknowledged). If it fails, the message
   * is still acknowledged (it was shown) and an error event reports the failure.
   */
  beforeAck?: (message: { id: string; from: string; toAll: boolean }) => Promise<void>;
}

/** Trust state of a peer's key, as shown to the user. */
export type PeerTrustState =
  /** First seen (trust on first use) or accepted, not compared out of band. */
  | 'trusted'
  /** Compared out of band (safety numbers) and marked verified. */
  | 'verified'
  /** The server announces another key than the trusted one: sending is refused until accepted. */
  | 'changed'
  /** This is us. */
  | 'self';

/** A peer as the user sees it. */
export interface PeerView {
  name: string;
  online: boolean;
  /** Fingerprint of the key the server currently announces. */
  fingerprint: Uint8Array;
  /** The same as 30 digits in groups of 5. */
  digits: string;
  trust: PeerTrustState;
  /** When trust is "changed": the fingerprint still trusted (hex). */
  trustedFingerprint?: string;
  isSelf: boolean;
}

/** A message that opened and verified. */
export interface ReceivedMessage {
  /** Message id (32 hex digits), the same the sender got from send(). */
  id: string;
  from: string;
  /** Our own name, or "all" for a message to everyone. */
  to: string;
  toAll: boolean;
  text: string;
  /** Sender's timestamp (ms since the epoch), from inside the signed envelope. */
  ts: number;
  /** When the server stored it (ms); not authenticated. */
  serverTs: number;
  /**
   * True when the envelope is signed by the key we trust for the sender (first
   * seen or accepted). False when it is signed by a new key of the sender that the
   * user has not accepted yet: the message is shown, but must be flagged.
   */
  verified: boolean;
  /** Fingerprint (hex) of the key that signed the message. */
  senderFingerprint: string;
}

/** The server's answer to a send: stored for every recipient. */
export interface SendResult {
  /** Message id, 32 hex digits. */
  id: string;
  /** Recipients online and handed the message at once. */
  deliveredNow: number;
  /** Recipients offline, who get it when they next log in. */
  stored: number;
}

/** Events of SealcastClient. */
export interface ClientEvents extends Record<string, unknown> {
  /** Logged in (first time or after a reconnect). */
  connected: { name: string; reconnect: boolean };
  message: ReceivedMessage;
  /**
   * A delivery that failed verification; acknowledged (with the code, so the sender learns
   * of it) so it is not redelivered forever.
   */
  rejected: { id: string; from: string; code: RejectionCode; reason: string };
  /** A message id already shown arrived again (a retry or a replay): acknowledged, not shown. */
  duplicate: { id: string; from: string };
  /** A recipient opened a message we sent. */
  delivered: { id: string; by: string };
  /**
   * A recipient received a message we sent and rejected it for good (it was not addressed
   * to their key, failed verification, looked like a replay, …): it will not be read.
   */
  refused: { id: string; by: string; code: string };
  joined: { name: string };
  left: { name: string };
  /** A peer's key differs from the trusted one; fingerprints in hex and as digits. */
  keyChanged: { name: string; previous: string; current: string; previousDigits: string; currentDigits: string };
  /** The roster changed (any join, leave, key or trust change). */
  roster: PeerView[];
  /** Our own key was replaced (rotateKey). */
  rotated: { fingerprint: string };
  disconnected: { code: number; reason: string; willReconnect: boolean };
  reconnected: { attempt: number };
  /** Every decoded server frame, for features layered on the core (video). */
  frame: ServerFrame;
  error: { code: string; message: string };
}

/**
 * Why a delivery was rejected: the stable codes a client puts in Ack.rejected (and a sender
 * receives in Delivered.rejected). PROTOCOL.md §Messages lists them.
 */
export type RejectionCode =
  /** The envelope is malformed, or disagrees with the delivery (id, to-all). */
  | 'BAD_ENVELOPE'
  /** The signature does not verify with the sender's key. */
  | 'BAD_SIGNATURE'
  /** We are not among the envelope's recipients (sealed to another key, say an old one of ours). */
  | 'NOT_A_RECIPIENT'
  /** Our key did not decrypt it. */
  | 'DECRYPT_FAILED'
  /** Sealed with a suite this client does not know. */
  | 'UNSUPPORTED_SUITE'
  /** The envelope names another sender than the server reports (or us). */
  | 'WRONG_SENDER'
  /** The sender is not registered. */
  | 'UNKNOWN_PEER'
  /** Seen before, older than the replay window, or dated too far ahead. */
  | 'REPLAY'
  /** The plaintext is not UTF-8 text. */
  | 'BAD_TEXT';

/** Connection state. */
export type ClientState = 'idle' | 'connecting' | 'online' | 'reconnecting' | 'closed';

/**
 * How a module of the core raises one of the facade's events: the facade hands each
 * module this function, so events keep one source (SealcastClient) and one type.
 */
export type Emit = <K extends keyof ClientEvents>(event: K, payload: ClientEvents[K]) => void;
