import type { Lookup } from '../../protocol/index.js';
import type { ClientConnection } from '../client-connection.js';
import type { ServerContext } from '../context.js';
import { accountFrame } from '../presence/presence-service.js';

/** Directory look-up on demand (v2): accounts by name, at most 100 a frame; unknown names listed apart. */
export function handleLookup(ctx: ServerContext, conn: ClientConnection, req: number, body: Lookup): void {
  const { found, unknown } = ctx.registry.lookup(body.names);
  conn.send({ req, body: { case: 'directory', value: { accounts: found.map((a) => accountFrame(ctx.registry, a)), unknown } } });
}
