import type { Ack, QueueAck } from '../../protocol/index.js';
import type { ClientConnection } from '../client-connection.js';
import type { ServerContext } from '../context.js';
import { tellSenders } from './deliver.js';

/** v2: the device is done with every item it was sent up to `up_to_seq`; the next window follows. */
export function handleQueueAck(ctx: ServerContext, conn: ClientConnection, _req: number, body: QueueAck): void {
  const cursor = conn.session?.cursor;
  if (!cursor) return;
  tellSenders(ctx, conn, cursor.ackUpTo(Number(body.upToSeq), new Map(body.rejected.map((r) => [Number(r.seq), r.code]))));
}

/** v1: the recipient opened (or rejected for good, with a code its sender is told) the message with this id. */
export function handleAck(ctx: ServerContext, conn: ClientConnection, _req: number, body: Ack): void {
  const cursor = conn.session?.cursor;
  if (!cursor) return;
  tellSenders(ctx, conn, cursor.ackId(body.id, body.rejected));
}
