import { CLOSE_CODES, type DeviceListUpdate } from '../../protocol/index.js';
import type { DeviceRecord } from '../../store/index.js';
import type { ClientConnection } from '../client-connection.js';
import type { ServerContext } from '../context.js';

/**
 * Devices a newer device list dropped: their keys stop working at once. Every session of theirs
 * is closed (4013), and what waited in their queues is gone with them.
 */
export function closeRemovedDevices(ctx: ServerContext, removed: readonly DeviceRecord[]): void {
  for (const d of removed) {
    for (const conn of ctx.router.sessionsOfDevice(d.idHex)) conn.close(CLOSE_CODES.DEVICE_REMOVED, 'this device was removed from its account');
    ctx.mailbox.forgetDevice(d.id);
    ctx.log.info({ user: d.account }, 'device removed');
  }
}

/**
 * A newer device list from one of the account's devices (add, rename, remove): checked by the
 * registry, stored, answered with the list, and heard by the account's other devices and its
 * contacts (AccountChanged), who re-check their MLS groups against it.
 */
export async function handleDeviceListUpdate(ctx: ServerContext, conn: ClientConnection, req: number, body: DeviceListUpdate): Promise<void> {
  const s = conn.session!;
  if (s.protocol !== 2) {
    conn.sendError(req, 'UNKNOWN_FRAME', 'device lists are part of protocol v2');
    return;
  }
  const { list, removed } = await ctx.registry.updateDeviceList(s.account, body.deviceList, s.device, Date.now());
  if (conn.closed) return;
  closeRemovedDevices(ctx, removed);
  conn.send({ req, body: { case: 'deviceList', value: { deviceList: list.bytes } } });
  ctx.presence.accountChanged(s.account, false);
}
