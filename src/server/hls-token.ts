import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Short-lived HLS access tokens: HMAC-SHA256 over (user, title, expiry) with a
 * server secret. A token works only for its title, until it expires; playlists and
 * segments carry it in the query so standard players (ffplay, Safari, hls.js) can use it.
 * Format: `<expiry ms base36>.<user>.<mac base64url>`. Names may contain dots, so the
 * token is split at its first and last dot only (neither base36 nor base64url has one).
 */
export class HlsTokens {
  constructor(private readonly secret: Uint8Array) {
    if (secret.byteLength < 32) throw new Error('HLS token secret must be at least 32 bytes');
  }

  /** Loads the secret from `path`, creating it (0600) on first start so tokens survive restarts. */
  static fromFile(path: string): HlsTokens {
    if (!existsSync(path)) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      writeFileSync(path, randomBytes(32), { mode: 0o600 });
    }
    return new HlsTokens(new Uint8Array(readFileSync(path)));
  }

  private mac(user: string, title: string, expiresAt: number): Buffer {
    return createHmac('sha256', this.secret).update(`sealcast-hls-v1\0${user}\0${title}\0${expiresAt}`).digest();
  }

  issue(user: string, title: string, expiresAt: number): string {
    return `${expiresAt.toString(36)}.${user}.${this.mac(user, title, expiresAt).toString('base64url')}`;
  }

  /** The user a token was issued to, if it is valid for `title` at `now`; otherwise undefined. */
  verify(token: string, title: string, now = Date.now()): string | undefined {
    const first = token.indexOf('.');
    const last = token.lastIndexOf('.');
    if (first < 0 || last <= first) return undefined;
    const exp36 = token.slice(0, first);
    const user = token.slice(first + 1, last);
    const macText = token.slice(last + 1);
    if (!/^[A-Za-z0-9_-]{43}$/.test(macText)) return undefined;
    if (!/^[0-9a-z]{1,12}$/.test(exp36) || !/^[a-z0-9][a-z0-9._-]{0,31}$/.test(user)) return undefined;
    const expiresAt = parseInt(exp36, 36);
    if (!(expiresAt > now)) return undefined;
    const given = Buffer.from(macText, 'base64url');
    const expected = this.mac(user, title, expiresAt);
    if (given.byteLength !== expected.byteLength || !timingSafeEqual(given, expected)) return undefined;
    return user;
  }
}
