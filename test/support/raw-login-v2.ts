import {
  generateDeviceKey, generateIdentity, signDeviceList, signDeviceLogin, type DeviceKey, type Identity, type SuiteName,
} from '../../src/crypto/index.js';
import { PROTOCOL_VERSION_2, type ServerFrame } from '../../src/protocol/index.js';
import { RawClient } from './raw-client.js';

/** A v2 account for raw tests: its identity, device keys, and device lists signed with it. */
export class TestAccount {
  version = 0;
  private constructor(
    readonly name: string,
    readonly identity: Identity,
    readonly devices: DeviceKey[],
  ) {}

  static async create(name: string, deviceCount = 1, suite?: SuiteName): Promise<TestAccount> {
    const devices: DeviceKey[] = [];
    for (let i = 0; i < deviceCount; i++) devices.push(await generateDeviceKey());
    return new TestAccount(name, await generateIdentity(suite), devices);
  }

  /** A new device key (not yet in any list). */
  async addDevice(): Promise<DeviceKey> {
    const d = await generateDeviceKey();
    this.devices.push(d);
    return d;
  }

  /** The next version of the device list, naming `devices` (default: all). */
  async list(devices: DeviceKey[] = this.devices, version = ++this.version): Promise<Uint8Array> {
    return signDeviceList(this.identity, {
      name: this.name, identityFingerprint: this.identity.bundle.fingerprint, version, issuedAt: Date.now(),
      devices: devices.map((d, i) => ({ id: d.id, key: d.publicKey, addedAt: 1_700_000_000_000 + i, label: `device ${i + 1}` })),
    });
  }
}

/** A raw client logged in with protocol v2 as one device of `account`. */
export async function rawLoginV2(
  url: string,
  account: TestAccount,
  device: DeviceKey,
  opts: { deviceList?: Uint8Array; receive?: boolean; timeoutMs?: number } = {},
): Promise<{ client: RawClient; welcome: ServerFrame }> {
  const client = await RawClient.connect(url);
  const challenge = await client.waitFor((f) => f.body.case === 'challenge', opts.timeoutMs);
  if (challenge.body.case !== 'challenge') throw new Error('unreachable');
  const certFp = await client.peerCertFingerprint();
  const signature = await signDeviceLogin(device, challenge.body.value.nonce, certFp, account.name);
  const req = client.send({
    body: {
      case: 'login',
      value: {
        protocolVersion: PROTOCOL_VERSION_2, name: account.name, bundle: account.identity.bundle.bytes, signature, client: 'test',
        deviceList: opts.deviceList ?? new Uint8Array(), deviceKey: device.publicKey, receive: opts.receive ?? true,
      },
    },
  });
  const welcome = await client.reply(req, opts.timeoutMs);
  return { client, welcome };
}

/** The queue items a raw client has received so far, flattened. */
export function queueItems(client: RawClient) {
  return client.frames.flatMap((f) => (f.body.case === 'queueItems' ? f.body.value.items : []));
}
