import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTlsMaterial } from '../../src/server/tls-certificate.js';

/** One certificate for sealcast and its baselines, so every side does the same TLS work. */
export interface BenchTls {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

/**
 * Makes the certificate the way sealcast does on first start (ECDSA P-256 under DATA/tls)
 * in a throwaway data directory; or uses the one already in `dataDir`.
 */
export async function benchTls(dataDir = mkdtempSync(join(tmpdir(), 'sealcast-bench-tls-'))): Promise<BenchTls> {
  const m = await loadTlsMaterial(dataDir);
  return { certFile: join(dataDir, 'tls', 'server.crt'), keyFile: join(dataDir, 'tls', 'server.key'), cert: m.cert, key: m.key };
}
