import { toHex, type Identity } from '../crypto/index.js';
import type { ClientFrameInit, Delivered, Error as ErrorFrame, ServerFrame } from '../protocol/index.js';
import { ClientError, isClientError } from './client-error.js';
import type { Emit, SendResult } from './client-types.js';
import { sealMessage } from './message-sealer.js';
import type { Roster } from './roster.js';

/** The outbox's view of the connection: requests and state, no socket. */
export interface OutboxLink {
  /** A request on the current connection (NOT_CONNECTED without one, CLOSED if it drops). */
  exchange(frame: ClientFrameInit): Promise<ServerFrame>;
  /** A request that needs a logged-in connection. */
  request(frame: ClientFrameInit): Promise<ServerFrame>;
  /** Logged in now. */
  readonly online: boolean;
  /** A send may wait for the connection (online, or a reconnect will come). */
  readonly acceptsWork: boolean;
  /** A request that failed on a dropped connection will get another chance after a reconnect. */
  readonly willRetry: boolean;
  /** close() began. */
  readonly closing: boolean;
}

/** What the outbox needs around it. */
export interface OutboxDeps {
  /** Our canonical name. */
  selfName: string;
  /** Our current identity (signs what we send). */
  identity: () => Identity;
  roster: Roster;
  link: OutboxLink;
  /** How long send() may take in all, reconnects included (ms); default 60,000. */
  sendTimeoutMs?: number;
  emit: Emit;
}

interface OutgoingSend {
  frame: ClientFrameInit;
  resolve: (r: SendResult) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Outgoing messages: sealed once, tracked by id until the server accepts them, resent
 * with the same id after a reconnect (the server deduplicates), failed on timeout or for
 * good disconnects; and the recipients' receipts (Delivered) for what we sent.
 */
export class Outbox {
  /** Sends not yet accepted by the server; resent with the same id after a reconnect. */
  private readonly unacked = new Map<string, OutgoingSend>();

  constructor(private readonly deps: OutboxDeps) {}

  /**
   * Encrypts `text` to `to` (a name, or "all") and sends it; resolves when the server has
   * stored it for every recipient (Accepted). See SealcastClient.send.
   */
  async send(to: string, text: string): Promise<SendResult> {
    const { link } = this.deps;
    if (link.closing) throw new ClientError('CLOSED', 'the client was closed');
    if (!link.acceptsWork) throw new ClientError('NOT_CONNECTED', 'not connected');
    const sealed = await sealMessage({ sender: this.deps.identity(), senderName: this.deps.selfName, roster: this.deps.roster, to, text });
    return this.track(sealed.idHex, sealed.frame);
  }

  private track(idHex: string, frame: ClientFrameInit): Promise<SendResult> {
    return new Promise((resolve, reject) => {
      const timeout = this.deps.sendTimeoutMs ?? 60_000;
      const timer = setTimeout(
        () => this.settle(idHex, new ClientError('TIMEOUT', `the server did not accept the message within ${timeout} ms`)),
        timeout,
      );
      const entry: OutgoingSend = { frame, resolve, reject, timer };
      this.unacked.set(idHex, entry);
      if (this.deps.link.online) this.attempt(idHex, entry);
    });
  }

  /** Logged in (again): everything not yet accepted goes (again), with its own id. */
  resume(): void {
    for (const [idHex, entry] of this.unacked) this.attempt(idHex, entry);
  }

  private attempt(idHex: string, entry: OutgoingSend): void {
    this.deps.link.exchange(entry.frame).then(
      (reply) => {
        if (reply.body.case === 'accepted') {
          this.settle(idHex, { id: idHex, deliveredNow: reply.body.value.deliveredNow, stored: reply.body.value.stored });
        } else {
          this.settle(idHex, new ClientError('BAD_SERVER_FRAME', `the server answered a send with ${reply.body.case}`));
        }
      },
      (e: unknown) => {
        // A dropped connection: the send waits for the reconnect and goes again with the same id.
        if ((isClientError(e, 'CLOSED') || isClientError(e, 'NOT_CONNECTED')) && this.deps.link.willRetry) return;
        this.settle(idHex, e instanceof Error ? e : new ClientError('SEND_FAILED', String(e)));
      },
    );
  }

  private settle(idHex: string, outcome: SendResult | Error): void {
    const entry = this.unacked.get(idHex);
    if (!entry) return;
    this.unacked.delete(idHex);
    clearTimeout(entry.timer);
    if (outcome instanceof Error) entry.reject(outcome);
    else entry.resolve(outcome);
  }

  /** Every send not yet accepted fails with `err` (closed, or disconnected for good). */
  failAll(err: ClientError): void {
    for (const idHex of [...this.unacked.keys()]) this.settle(idHex, err);
  }

  /**
   * An Error push that is no reply: when its ref_id names one of our sends, that send
   * fails with it (true); otherwise false and the caller reports it.
   */
  serverError(body: ErrorFrame): boolean {
    const ref = body.refId.byteLength ? toHex(body.refId) : undefined;
    if (!ref || !this.unacked.has(ref)) return false;
    this.settle(ref, new ClientError(body.name || 'SERVER_ERROR', body.message || body.name, { wireCode: body.code }));
    return true;
  }

  /** A recipient is done with a message we sent: it opened it, or rejected it (`refused`). */
  receipt(d: Delivered): void {
    // The server may send Accepted and Delivered back to back (the recipient acked at once):
    // announce the receipt after the send's own Accepted has reached whoever awaits it.
    const id = toHex(d.id);
    const { by, rejected } = d;
    setTimeout(() => (rejected ? this.deps.emit('refused', { id, by, code: rejected }) : this.deps.emit('delivered', { id, by })), 0);
  }

  /** Our messages the server still holds (recipient offline or not yet acknowledged), per recipient. */
  async pending(): Promise<{ id: string; to: string; storedAt: number; expiresAt: number }[]> {
    const reply = await this.deps.link.request({ body: { case: 'pendingRequest', value: {} } });
    if (reply.body.case !== 'pending') throw new ClientError('BAD_SERVER_FRAME', `the server answered a pending request with ${reply.body.case}`);
    return reply.body.value.items.map((p) => ({ id: toHex(p.id), to: p.to, storedAt: Number(p.storedAt), expiresAt: Number(p.expiresAt) }));
  }
}
