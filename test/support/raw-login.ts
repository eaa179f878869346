import { generateIdentity, signLogin, type Identity, type SuiteName } from '../../src/crypto/index.js';
import { PROTOCOL_VERSION, type ServerFrame } from '../../src/protocol/index.js';
import { RawClient } from './raw-client.js';

/** A raw client logged in under `name` with `identity` (made fresh when not given). */
export async function rawLogin(
  url: string,
  name: string,
  opts: { identity?: Identity; suite?: SuiteName; certFingerprint?: Uint8Array; timeoutMs?: number } = {},
): Promise<{ client: RawClient; identity: Identity; welcome: ServerFrame }> {
  const identity = opts.identity ?? (await generateIdentity(opts.suite));
  const client = await RawClient.connect(url);
  const challenge = await client.waitFor((f) => f.body.case === 'challenge', opts.timeoutMs);
  if (challenge.body.case !== 'challenge') throw new Error('unreachable');
  const certFp = opts.certFingerprint ?? (await client.peerCertFingerprint());
  // The proof covers the canonical (lower-case) name, whatever case the Login frame carries.
  const signature = await signLogin(identity, challenge.body.value.nonce, certFp, name.toLowerCase());
  const req = client.send({
    body: { case: 'login', value: { protocolVersion: PROTOCOL_VERSION, name, bundle: identity.bundle.bytes, signature, client: 'test' } },
  });
  const welcome = await client.reply(req, opts.timeoutMs);
  return { client, identity, welcome };
}
