import { existsSync } from 'node:fs';
import { DEFAULT_SUITE, fingerprintDigits, generateIdentity, SUITES, toHex, type SuiteName } from '../../crypto/index.js';
import { CliError, EXIT } from '../cli-error.js';
import { parseCommand } from '../client-session.js';
import { identityPath } from '../home.js';
import { saveIdentity } from '../identity-file.js';

export const KEYGEN_HELP = `Usage: sealcast keygen [--suite SUITE] [--identity FILE] [--force]

Creates your identity: a signing key and an encryption key, kept in FILE (mode 0600,
default SEALCAST_HOME/identity.json) and never sent anywhere. Prints its fingerprint.
  --suite SUITE   ${SUITES.join(' (default) | ')}
  --force         replace an existing identity (peers will see your key change)
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, { force: { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(KEYGEN_HELP);
    return EXIT.OK;
  }
  const suite = (values.suite ?? DEFAULT_SUITE) as SuiteName;
  if (!SUITES.includes(suite)) throw new CliError(`unknown suite "${suite}"; choose ${SUITES.join(' or ')}`, EXIT.USAGE);
  const path = identityPath(values.identity);
  if (existsSync(path) && !values.force) {
    throw new CliError(`${path} already holds an identity; use --force to replace it (your peers will be warned of the change)`, EXIT.USAGE);
  }
  if (suite === 'rsa-oaep-3072') process.stderr.write('generating two RSA-3072 keys…\n');
  const id = await generateIdentity(suite);
  await saveIdentity(path, id);
  process.stdout.write(`identity: ${path}\nsuite: ${suite}\nfingerprint: ${fingerprintDigits(id.bundle.fingerprint)}\nsha256: ${toHex(id.bundle.fingerprint)}\n`);
  return EXIT.OK;
}
