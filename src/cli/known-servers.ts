import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';
import { CliError } from './cli-error.js';

/**
 * Server certificate pins, like SSH's known_hosts: SEALCAST_HOME/known_servers.json
 * maps "host:port" to the SHA-256 of the server certificate's DER (64 hex digits).
 */
export class KnownServers {
  readonly path: string;

  constructor(home: string) {
    this.path = join(home, 'known_servers.json');
  }

  private read(): Record<string, string> {
    if (!existsSync(this.path)) return {};
    try {
      const v = JSON.parse(readFileSync(this.path, 'utf8')) as unknown;
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, string>;
    } catch {
      // fall through
    }
    throw new CliError(`${this.path} is damaged; fix or remove it (every server will then be pinned anew)`);
  }

  /** The pinned fingerprint (hex) of `hostPort`, if any. */
  get(hostPort: string): string | undefined {
    const v = this.read()[hostPort];
    return typeof v === 'string' ? v.toLowerCase() : undefined;
  }

  /** Pins `hostPort` to `fingerprintHex`. */
  pin(hostPort: string, fingerprintHex: string): void {
    const pins = this.read();
    pins[hostPort] = fingerprintHex;
    writeFileAtomic(this.path, JSON.stringify(pins, null, 2) + '\n');
  }
}

/** Accepts a fingerprint as hex, colon-separated hex (as `sealcast serve` prints it) or "SHA256:hex". */
export function parseFingerprint(raw: string): string | undefined {
  const hex = raw.trim().replace(/^sha-?256:/i, '').replace(/[:\s]/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : undefined;
}
