import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { canonicalName } from '../../protocol/index.js';
import { openDatabase, SqliteAccountStore } from '../../store/index.js';

export const ADMIN_HELP = `Usage: sealcast admin COMMAND [--data DIR]

Operator commands on the server's data directory (SEALCAST_DATA, default ./data).
They work while the server runs (SQLite WAL).

Commands:
  list                 registered names with their key fingerprints and devices
  reset-name NAME      a user lost their key: the next key that logs in as NAME takes it,
                       and every client that knew the old key is warned of the change
`;

/** `sealcast admin`: operator actions that must not travel over the network. */
export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { data: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
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
        process.stdout.write(`${r.name.padEnd(32)} ${fp}  ${v}${r.reset ? '  (reset: waiting for a new key)' : ''}\n`);
      }
      return 0;
    }
    if (command === 'reset-name') {
      if (rest.length !== 1) {
        process.stderr.write('sealcast admin reset-name: give exactly one NAME\n');
        return 2;
      }
      let name: string;
      try {
        name = canonicalName(rest[0]!);
      } catch (e) {
        process.stderr.write(`sealcast admin reset-name: ${(e as Error).message}\n`);
        return 2;
      }
      if (!identities.markReset(name, Date.now())) {
        process.stderr.write(`sealcast admin reset-name: no user "${name}" is registered\n`);
        return 1;
      }
      process.stdout.write(`"${name}" is reset: the next key to log in as ${name} takes the name.\n`);
      return 0;
    }
    process.stderr.write(`sealcast admin: unknown command "${command}"\n${ADMIN_HELP}`);
    return 2;
  } finally {
    db.close();
  }
}
