import { basename, dirname, join } from 'node:path';
import type { ClientStorage } from '../client/index.js';
import { FileStorage } from './file-storage.js';

/** The one-shot commands' device beside the identity: identity.json → identity.device-oneshot.json. */
export function oneshotDevicePath(identityFile: string): string {
  return join(dirname(identityFile), `${basename(identityFile, '.json')}.device-oneshot.json`);
}

/** Its lock file, held while a command uses the device. */
export function oneshotLockPath(identityFile: string): string {
  return `${oneshotDevicePath(identityFile)}.lock`;
}

/**
 * The storage of the one-shot device: its device key, MLS group states, key packages, pinned
 * peer keys. Kept apart from the v1 state file so a v1 `send` and a v2 `room` never write the
 * same keys.
 */
export function oneshotDeviceStorage(identityFile: string): ClientStorage {
  return new FileStorage(oneshotDevicePath(identityFile));
}
