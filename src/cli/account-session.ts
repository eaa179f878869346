import { SealcastAccount, type AccountMessage } from '../client/index.js';
import { prepareClient, toCliError, type SessionInput } from './client-session.js';
import { lockDevice } from './device-lock.js';
import { oneshotDeviceStorage, oneshotLockPath } from './oneshot-device.js';

/** How long the server's pushes must be quiet before a one-shot command trusts its view. */
const QUIET_MS = 700;
/** At most this long waiting for the queue to drain. */
const SETTLE_MAX_MS = 10_000;

/** A logged-in one-shot v2 device of the account, and what it received while it settled. */
export interface AccountSession {
  account: SealcastAccount;
  /** Conversation messages this session read from the device's queue. */
  received: AccountMessage[];
  close(): Promise<void>;
}

/**
 * Logs in as the CLI's one-shot device (made on first use, certified by the identity key) and
 * lets its queue drain: Welcomes, commits and messages sent while it was away arrive only as
 * pushes after the login, and a `rooms` listed before them would miss rooms just joined.
 */
export async function openAccount(input: SessionInput): Promise<AccountSession> {
  const parts = await prepareClient(input);
  const unlock = lockDevice(oneshotLockPath(parts.identityFile));
  const received: AccountMessage[] = [];
  let account: SealcastAccount;
  try {
    account = new SealcastAccount({
      url: parts.url, name: parts.name, identity: parts.identity, connector: parts.connector,
      storage: oneshotDeviceStorage(parts.identityFile), deviceLabel: 'cli', clientName: 'sealcast-cli/0.1',
      // Its own device, so it takes its own queue and disturbs no `connect`; it joins Everyone only when asked.
      receive: true, joinEveryone: false, autoReconnect: false,
    });
    account.on('message', (m) => void received.push(m));
    await account.connect();
    await settle(account);
  } catch (e) {
    unlock();
    throw toCliError(e);
  }
  return {
    account,
    received,
    close: async () => {
      try {
        await account.close();
      } finally {
        unlock();
      }
    },
  };
}

/** Resolves once no frame came for QUIET_MS (or after SETTLE_MAX_MS). */
export function settle(account: SealcastAccount): Promise<void> {
  return new Promise((resolve) => {
    let quiet: NodeJS.Timeout;
    const done = () => {
      clearTimeout(quiet);
      clearTimeout(cap);
      off();
      resolve();
    };
    const cap = setTimeout(done, SETTLE_MAX_MS);
    const arm = () => {
      clearTimeout(quiet);
      quiet = setTimeout(done, QUIET_MS);
    };
    const off = account.on('frame', arm);
    arm();
  });
}
