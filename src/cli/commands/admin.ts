import { createHash, randomInt } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { canonicalName } from '../../protocol/index.js';
import { noteOperatorChange, openDatabase, SqliteAccountStore } from '../../store/index.js';

export const ADMIN_HELP = `Usage: sealcast admin COMMAND [--data DIR]

Operator commands on the server's data directory (SEALCAST_DATA, default ./data).
They work while the server runs (SQLite WAL).

Commands:
  list                 registered names with their key fingerprints and devices
  reset-name NAME --fingerprint HEX
                       a user lost their key: only the key with this fingerprint (64 hex digits,
                       from \`sealcast identity show\` on the user's new identity) may take NAME
  reset-name NAME --code
                       the same, for whoever logs in with the one-time code printed (valid 7 days)
                       Either way the old key is revoked at once, what was stored for it is deleted,
                       and every client that knew the old key is warned when the new one logs in.
  remove NAME          deletes the account, its devices, what is stored for them and its memberships
`;

/** Letters and digits of enrollment codes: no 0/O, 1/I/L, so a code read aloud is typed right. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
/** How long an enrollment code works. */
const CODE_TTL_MS = 7 * 24 * 3600 * 1000;

/** A one-time enrollment code, 12 characters (about 59 bits) in three groups of four. */
function enrollmentCode(): string {
  let raw = '';
  for (let i = 0; i < 12; i++) raw += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8)}`;
}

/** `sealcast admin`: operator actions that must not travel over the network. */
export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        data: { type: 'string' }, help: { type: 'boolean', short: 'h' }, fingerprint: { type: 'string' }, code: { type: 'boolean' },
      },
    });
  } catch (e) {
    process.stderr.write(`sealcast admin: ${(e as Error).message}\n`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || !command) {
    process.stdout.write(ADMIN_HELP);
    return command || parsed.values.help ? 0 : 2;
  }
  const dataDir = resolve(parsed.values.data ?? process.env.SEALCAST_DATA ?? './data');
  const db = openDatabase(join(dataDir, 'sealcast.db'));
  try {
    const identities = new SqliteAccountStore(db);
    if (command === 'list') {
      for (const r of identities.list()) {
        const fp = Buffer.from(r.fingerprint).toString('hex').slice(0, 32);
        const devices = r.devices.length === 1 ? '1 device' : `${r.devices.length} devices`;
        const v = r.deviceList ? `v2, ${devices}` : 'v1';
        process.stdout.write(`${r.name.padEnd(32)} ${fp}  ${v}${r.reset ? '  (reset: waiting for the new key)' : ''}\n`);
      }
      return 0;
    }
    if (command === 'reset-name' || command === 'remove') {
      if (rest.length !== 1) {
        process.stderr.write(`sealcast admin ${command}: give exactly one NAME\n`);
        return 2;
      }
      let name: string;
      try {
        name = canonicalName(rest[0]!);
      } catch (e) {
        process.stderr.write(`sealcast admin ${command}: ${(e as Error).message}\n`);
        return 2;
      }
      if (command === 'remove') {
        if (!identities.remove(name)) {
          process.stderr.write(`sealcast admin remove: no user "${name}" is registered\n`);
          return 1;
        }
        // A running server recounts its quotas and closes the account's sessions (server/external-changes.ts).
        noteOperatorChange(db);
        process.stdout.write(`"${name}" is removed; the name is free.\n`);
        return 0;
      }
      const fpHex = parsed.values.fingerprint;
      if ((fpHex === undefined) === (parsed.values.code !== true)) {
        process.stderr.write('sealcast admin reset-name: give either --fingerprint HEX (the new key) or --code\n');
        return 2;
      }
      if (fpHex !== undefined && !/^[0-9a-fA-F]{64}$/.test(fpHex)) {
        process.stderr.write('sealcast admin reset-name: --fingerprint takes the 64 hex digits of the new key\'s fingerprint\n');
        return 2;
      }
      const code = fpHex === undefined ? enrollmentCode() : undefined;
      const next = fpHex !== undefined
        ? { fingerprint: Uint8Array.from(Buffer.from(fpHex, 'hex')) }
        : { codeHash: new Uint8Array(createHash('sha256').update(code!.replace(/-/g, '')).digest()), expiresAt: Date.now() + CODE_TTL_MS };
      if (!identities.markReset(name, Date.now(), next)) {
        process.stderr.write(`sealcast admin reset-name: no user "${name}" is registered\n`);
        return 1;
      }
      noteOperatorChange(db);
      process.stdout.write(code
        ? `"${name}" is reset; the old key is revoked. Give the user this one-time code (valid 7 days):\n  ${code}\n` +
          `They log in with it: sealcast connect URL --name ${name} --enrollment-code ${code}\n`
        : `"${name}" is reset; the old key is revoked. Only the key ${fpHex!.toLowerCase().slice(0, 16)}… may take the name.\n`);
      return 0;
    }
    process.stderr.write(`sealcast admin: unknown command "${command}"\n${ADMIN_HELP}`);
    return 2;
  } finally {
    db.close();
  }
}
