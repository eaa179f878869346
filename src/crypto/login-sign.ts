// Login and rotation signatures (private-key side, client only).
import type { PublicBundle } from './bundle.js';
import type { Identity } from './identity.js';
import { loginSignatureInput, rotationSignatureInput } from './login-proof.js';
import { signBytes } from './signing.js';

export function signLogin(id: Identity, challenge: Uint8Array, serverCertFingerprint: Uint8Array, name: string): Promise<Uint8Array> {
  return signBytes(id.suite, id.signingPrivateKey, loginSignatureInput(challenge, serverCertFingerprint, name));
}

export function signRotation(oldId: Identity, name: string, newBundle: PublicBundle): Promise<Uint8Array> {
  return signBytes(oldId.suite, oldId.signingPrivateKey, rotationSignatureInput(name, newBundle));
}
