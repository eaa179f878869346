// @peculiar/x509 resolves its services through tsyringe, which needs this polyfill loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash, createPrivateKey, X509Certificate, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TlsMaterial {
  cert: string;
  key: string;
  /** SHA-256 of the certificate's DER, as clients pin it. */
  fingerprint: Uint8Array;
  /** True when this start created the certificate. */
  created: boolean;
}

/** SHA-256 over a PEM certificate's DER encoding. */
export function certificateFingerprint(pem: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(new X509Certificate(pem).raw).digest());
}

/** "AB:CD:…" form, the way browsers and openssl print certificate fingerprints. */
export function formatFingerprint(fp: Uint8Array): string {
  return Array.from(fp, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
}

/**
 * Loads the operator's certificate, or the self-signed one kept in the data directory,
 * creating it (ECDSA P-256, 10 years, localhost + 127.0.0.1 + ::1) on first start.
 */
export async function loadTlsMaterial(dataDir: string, certPath?: string, keyPath?: string): Promise<TlsMaterial> {
  if (certPath || keyPath) {
    if (!certPath || !keyPath) throw new Error('--tls-cert and --tls-key must be given together');
    return loadOperatorMaterial(certPath, keyPath);
  }
  const dir = join(dataDir, 'tls');
  const certFile = join(dir, 'server.crt');
  const keyFile = join(dir, 'server.key');
  if (existsSync(certFile) && existsSync(keyFile)) {
    const cert = readFileSync(certFile, 'utf8');
    return { cert, key: readFileSync(keyFile, 'utf8'), fingerprint: certificateFingerprint(cert), created: false };
  }
  const { cert, key } = await createSelfSigned();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(keyFile, key, { mode: 0o600 });
  writeFileSync(certFile, cert);
  return { cert, key, fingerprint: certificateFingerprint(cert), created: true };
}

/** The operator's PEM files, checked up front so a wrong file is named instead of failing deep in TLS. */
function loadOperatorMaterial(certPath: string, keyPath: string): TlsMaterial {
  const read = (flag: string, path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      throw new Error(`cannot read ${flag} ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
  };
  const cert = read('--tls-cert', certPath);
  const key = read('--tls-key', keyPath);
  let x509cert: X509Certificate;
  try {
    x509cert = new X509Certificate(cert);
  } catch {
    throw new Error(`--tls-cert ${certPath} is not a PEM certificate`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new Error(`--tls-key ${keyPath} is not a PEM private key (an encrypted key must be decrypted first)`);
  }
  if (!x509cert.checkPrivateKey(privateKey)) throw new Error(`--tls-key ${keyPath} does not belong to the certificate in ${certPath}`);
  if (Date.parse(x509cert.validTo) < Date.now()) throw new Error(`the certificate in ${certPath} expired on ${x509cert.validTo}`);
  return { cert, key, fingerprint: certificateFingerprint(cert), created: false };
}

async function createSelfSigned(): Promise<{ cert: string; key: string }> {
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1'),
    name: 'CN=sealcast self-signed',
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 10 * 365 * 24 * 3600_000),
    signingAlgorithm: alg,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
      ]),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
  return { cert: cert.toString('pem'), key };
}
