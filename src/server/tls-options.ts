import type { SecureContextOptions, TlsOptions } from 'node:tls';

/**
 * AEAD suites only, forward-secret (ECDHE): what the opt-in TLS 1.2 mode offers. Node's default list
 * also offers CBC suites (through HIGH), which TLS 1.3 dropped for their padding-oracle history.
 * The TLS 1.3 suites are listed too: a `ciphers` string without them would turn TLS 1.3 off.
 */
export const TLS_CIPHERS = [
  'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256',
].join(':');

/** The HTTPS server's TLS settings: TLS 1.3 by default, TLS 1.2 with AEAD suites when asked for. */
export function tlsServerOptions(material: Pick<SecureContextOptions, 'cert' | 'key'>, minVersion: 'TLSv1.2' | 'TLSv1.3'): TlsOptions {
  return { cert: material.cert, key: material.key, minVersion, ciphers: TLS_CIPHERS, honorCipherOrder: true };
}
