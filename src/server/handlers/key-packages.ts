import { create, toBinary } from '@bufbuild/protobuf';
import { readMlsFraming, ServerFrameSchema, type KeyPackageClaim, type KeyPackageUpload } from '../../protocol/index.js';
import type { ClientConnection } from '../client-connection.js';
import type { ServerContext } from '../context.js';
import { ServerError } from '../server-error.js';

/** Below this many key packages a device is told to upload more. */
export const KEY_PACKAGE_LOW_WATER = 10;

function requireV2(conn: ClientConnection): void {
  if (conn.session?.protocol !== 2) throw new ServerError('UNKNOWN_FRAME', 'key packages are part of protocol v2');
}

function statusFrame(ctx: ServerContext, device: Uint8Array, req: number): Uint8Array {
  const { remaining, lastResort } = ctx.keyPackages.status(device);
  return toBinary(ServerFrameSchema, create(ServerFrameSchema, {
    req, body: { case: 'keyPackageStatus', value: { remaining, lastResort, low: remaining < KEY_PACKAGE_LOW_WATER } },
  }));
}

function checkKeyPackage(bytes: Uint8Array): void {
  let wireFormat: string;
  try {
    wireFormat = readMlsFraming(bytes).wireFormat;
  } catch (e) {
    throw new ServerError('BAD_MLS_MESSAGE', (e as Error).message);
  }
  if (wireFormat !== 'key_package') throw new ServerError('BAD_MLS_MESSAGE', 'not an MLS key package');
}

/** A device's key packages, in batches (and its last-resort one); answered with what the server now holds. */
export function handleKeyPackageUpload(ctx: ServerContext, conn: ClientConnection, req: number, body: KeyPackageUpload): void {
  requireV2(conn);
  body.keyPackages.forEach(checkKeyPackage);
  if (body.lastResort.byteLength > 0) checkKeyPackage(body.lastResort);
  const device = conn.session!.device.id;
  ctx.keyPackages.upload(device, body.keyPackages, body.lastResort.byteLength > 0 ? body.lastResort : undefined, Date.now(), ctx.config.limits.maxKeyPackagesPerDevice);
  conn.sendEncoded(statusFrame(ctx, device, req), 'turn');
}

/**
 * One key package for every v2 device of each named account (the caller's own account: its other
 * devices), each claimed atomically. A device that runs low hears it (KeyPackageStatus, req 0).
 */
export function handleKeyPackageClaim(ctx: ServerContext, conn: ClientConnection, req: number, body: KeyPackageClaim): void {
  requireV2(conn);
  const self = conn.session!;
  const packages: { name: string; deviceId: Uint8Array; keyPackage: Uint8Array; lastResort: boolean }[] = [];
  const unknown: string[] = [];
  const noPackages = new Set<string>();
  const { found, unknown: missing } = ctx.registry.lookup(body.names);
  unknown.push(...missing);
  for (const account of found) {
    for (const d of account.devices) {
      if (d.v1 || d.idHex === self.device.idHex) continue;
      const kp = ctx.keyPackages.claim(d.id);
      if (!kp) {
        noPackages.add(account.name);
        continue;
      }
      packages.push({ name: account.name, deviceId: d.id, keyPackage: kp.data, lastResort: kp.lastResort });
      const owner = ctx.router.receiver(d.idHex);
      if (owner && ctx.keyPackages.status(d.id).remaining < KEY_PACKAGE_LOW_WATER) owner.sendEncoded(statusFrame(ctx, d.id, 0), 'turn');
    }
    if (account.devices.every((d) => d.v1)) noPackages.add(account.name);
  }
  conn.send({ req, body: { case: 'claimedKeyPackages', value: { packages, unknown, noPackages: [...noPackages] } } });
}
