// Login and rotation signatures, private-key side (client only; never server-reachable).
import type { PublicBundle } from './bundle.js';
import { expectIdentity, type Identity } from './identity.js';
import { loginSignatureInput, rotationSignatureInput } from './login-proof.js';
import { signBytes } from './signing.js';

/**
 * The client's login proof: its signing key over loginSignatureInput(challenge,
 * serverCertFingerprint, name). Sign the certificate fingerprint you saw, not one the server states.
 */
export async function signLogin(id: Identity, challenge: Uint8Array, serverCertFingerprint: Uint8Array, name: string): Promise<Uint8Array> {
  expectIdentity(id, 'id');
  return signBytes(id.suite, id.signingPrivateKey, loginSignatureInput(challenge, serverCertFingerprint, name));
}

/** The old key vouches for the new bundle of `name` (see rotationSignatureInput), so peers can follow a key change. */
export async function signRotation(oldId: Identity, name: string, newBundle: PublicBundle): Promise<Uint8Array> {
  expectIdentity(oldId, 'oldId');
  return signBytes(oldId.suite, oldId.signingPrivateKey, rotationSignatureInput(name, newBundle));
}
