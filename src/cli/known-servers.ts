import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';

/** Server certificate pins, like SSH's known_hosts: host:port → SHA-256 of the certificate (hex). */
export class KnownServers {
  private readonly path: string;
  private readonly pins: Record<string, string>;

  constructor(home: string) {
    this.path = join(home, 'known_servers.json');
    this.pins = existsSync(this.path) ? (JSON.parse(readFileSync(this.path, 'utf8')) as Record<string, string>) : {};
  }

  get(hostPort: string): string | undefined {
    return this.pins[hostPort];
  }

  pin(hostPort: string, fingerprintHex: string): void {
    this.pins[hostPort] = fingerprintHex;
    writeFileAtomic(this.path, JSON.stringify(this.pins, null, 2) + '\n');
  }
}
