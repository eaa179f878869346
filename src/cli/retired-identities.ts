import { existsSync, readFileSync, statSync } from 'node:fs';
import { exportIdentity, importIdentity, type RetiredIdentity, type RetiredIdentityStore } from '../client/index.js';
import { writeFileAtomic } from './atomic-file.js';

/**
 * The identities a key rotation retired, in one file beside the identity
 * (identity.json → identity.retired.json), with the identity file's protection: mode
 * 0600, written atomically, refused when others may read it, and a damaged file fails
 * loudly (it holds the only copy of keys that mail on its way may be sealed to).
 * Format: { "sealcastRetiredIdentities": 1, "retired": [{ "retiredAt": ms, "identity": <identity.json> }] }.
 */
export class FileRetiredIdentities implements RetiredIdentityStore {
  constructor(readonly path: string) {}

  async load(): Promise<RetiredIdentity[]> {
    if (!existsSync(this.path)) return [];
    const mode = statSync(this.path).mode;
    if ((mode & 0o077) !== 0) throw new Error(`${this.path} is readable by others (mode ${(mode & 0o777).toString(8)}); run: chmod 600 ${this.path}`);
    let parsed: { sealcastRetiredIdentities?: unknown; retired?: unknown };
    try {
      parsed = JSON.parse(readFileSync(this.path, 'utf8')) as typeof parsed;
    } catch {
      throw new Error(`${this.path} is damaged (not JSON); it holds your old keys: move it aside only if you accept losing mail sealed to them`);
    }
    if (!parsed || parsed.sealcastRetiredIdentities !== 1 || !Array.isArray(parsed.retired)) throw new Error(`${this.path} is not a sealcast retired-identities file`);
    const out: RetiredIdentity[] = [];
    for (const [i, r] of (parsed.retired as { retiredAt?: unknown; identity?: unknown }[]).entries()) {
      if (!r || typeof r.retiredAt !== 'number' || !Number.isFinite(r.retiredAt) || !r.identity || typeof r.identity !== 'object') {
        throw new Error(`${this.path}: entry ${i + 1} is damaged`);
      }
      try {
        out.push({ identity: await importIdentity(JSON.stringify(r.identity)), retiredAt: r.retiredAt });
      } catch (e) {
        throw new Error(`${this.path}: entry ${i + 1} is not a usable identity: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return out;
  }

  async save(list: RetiredIdentity[]): Promise<void> {
    const retired = await Promise.all(list.map(async (r) => ({ retiredAt: r.retiredAt, identity: JSON.parse(await exportIdentity(r.identity)) as unknown })));
    writeFileAtomic(this.path, JSON.stringify({ sealcastRetiredIdentities: 1, retired }, null, 2) + '\n', 0o600);
  }
}
