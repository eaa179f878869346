import { MemoryStorage, SealcastClient, type ClientStorage } from '../../src/client/index.js';
import { generateIdentity, type Identity, type SuiteName } from '../../src/crypto/index.js';
import { nodeConnector } from '../../src/cli/node-connector.js';

/** A logged-in client core over real TLS, pinned to the server's certificate. */
export async function testClient(
  url: string,
  name: string,
  opts: { identity?: Identity; suite?: SuiteName; storage?: ClientStorage; pin?: string; autoReconnect?: boolean } = {},
): Promise<SealcastClient> {
  const identity = opts.identity ?? (await generateIdentity(opts.suite));
  const client = new SealcastClient({
    url: url.endsWith('/ws') ? url : `${url}/ws`,
    name,
    identity,
    storage: opts.storage ?? new MemoryStorage(),
    autoReconnect: opts.autoReconnect ?? false,
    connector: nodeConnector((seen) => {
      if (opts.pin && seen !== opts.pin) throw new Error(`certificate ${seen} is not the pinned ${opts.pin}`);
    }),
  });
  await client.connect();
  return client;
}

/** Resolves with the next event of `name` matching `pred`, or fails after `ms`. */
export function nextEvent<T>(client: SealcastClient, name: string, pred: (e: T) => boolean = () => true, ms = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${name} event within ${ms} ms`));
    }, ms);
    const off = (client.on as (n: string, h: (e: T) => void) => () => void)(name, (e) => {
      if (!pred(e)) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}
