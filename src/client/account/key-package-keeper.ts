// Keeps this device's key packages topped up on the server (protocol v2 §Key packages): others
// claim one each time they add the device to a conversation; below the low-water mark the server
// says so and the keeper uploads more, always with a last-resort package behind them.
import type { MlsClient, MlsDevice } from '../../crypto/mls/index.js';
import { LIMITS, type ClientFrameInit, type ServerFrame } from '../../protocol/index.js';
import { ClientError } from '../client-error.js';
import type { DeviceStore } from './device-store.js';

/** How many ordinary key packages the keeper keeps on the server. */
export const KEY_PACKAGE_TARGET = 40;
/** Below this many the keeper uploads more (the server's low-water mark). */
export const KEY_PACKAGE_LOW = 10;

export interface KeyPackageKeeperDeps {
  mls: MlsClient;
  device: MlsDevice;
  store: DeviceStore;
  request: (frame: ClientFrameInit) => Promise<ServerFrame>;
}

export class KeyPackageKeeper {
  private running: Promise<void> | undefined;

  constructor(private readonly deps: KeyPackageKeeperDeps) {}

  /** Tops up when the server holds fewer than the low-water mark, or no last-resort package. */
  topUp(status: { remaining: number; lastResort: boolean }): Promise<void> {
    if (status.remaining >= KEY_PACKAGE_LOW && status.lastResort) return Promise.resolve();
    // One top-up at a time: a low-water push during an upload asks for nothing more.
    this.running ??= this.upload(status).finally(() => (this.running = undefined));
    return this.running;
  }

  private async upload(status: { remaining: number; lastResort: boolean }): Promise<void> {
    const { mls, device, store, request } = this.deps;
    const count = Math.max(0, KEY_PACKAGE_TARGET - status.remaining);
    const fresh = count > 0 ? await mls.generateKeyPackages(device, count) : [];
    const last = status.lastResort ? [] : await mls.generateKeyPackages(device, 1, { lastResort: true });
    // The private halves are kept before the public ones leave: a Welcome can come at once.
    await store.addKeyPackages([...fresh, ...last]);
    for (let i = 0; i < Math.max(fresh.length, 1); i += LIMITS.maxKeyPackagesPerUpload) {
      const batch = fresh.slice(i, i + LIMITS.maxKeyPackagesPerUpload).map((k) => k.publicBytes);
      const lastResort = i === 0 && last[0] ? last[0].publicBytes : new Uint8Array();
      if (batch.length === 0 && lastResort.byteLength === 0) break;
      const reply = await request({ body: { case: 'keyPackageUpload', value: { keyPackages: batch, lastResort } } });
      if (reply.body.case !== 'keyPackageStatus') throw new ClientError('BAD_SERVER_FRAME', `the server answered an upload with ${reply.body.case}`);
    }
  }
}
