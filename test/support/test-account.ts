import { MemoryStorage, SealcastAccount, type AccountOptions, type ClientStorage } from '../../src/client/index.js';
import { generateIdentity, type Identity } from '../../src/crypto/index.js';
import { nodeConnector } from '../../src/cli/node-connector.js';

/** A logged-in v2 device over real TLS, pinned to the server's certificate. */
export async function testAccount(
  url: string,
  name: string,
  opts: { identity?: Identity; storage?: ClientStorage; pin?: string; label?: string } & Partial<Pick<AccountOptions, 'receive' | 'joinEveryone' | 'autoReconnect' | 'beforeAck'>> = {},
): Promise<SealcastAccount> {
  const identity = opts.identity ?? (await generateIdentity());
  const account = new SealcastAccount({
    url: url.endsWith('/ws') ? url : `${url}/ws`,
    name,
    identity,
    storage: opts.storage ?? new MemoryStorage(),
    deviceLabel: opts.label ?? 'test',
    autoReconnect: opts.autoReconnect ?? false,
    ...(opts.receive !== undefined ? { receive: opts.receive } : {}),
    ...(opts.joinEveryone !== undefined ? { joinEveryone: opts.joinEveryone } : {}),
    ...(opts.beforeAck ? { beforeAck: opts.beforeAck } : {}),
    connector: nodeConnector((seen) => {
      if (opts.pin && seen !== opts.pin) throw new Error(`certificate ${seen} is not the pinned ${opts.pin}`);
    }),
  });
  await account.connect();
  return account;
}

/** The next event of `name` matching `pred`, or a failure after `ms`. */
export function nextAccountEvent<T>(a: SealcastAccount, name: string, pred: (e: T) => boolean = () => true, ms = 20_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${a.name}: no ${name} event within ${ms} ms`));
    }, ms);
    const off = (a.on as (n: string, h: (e: T) => void) => () => void)(name, (e) => {
      if (!pred(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}
