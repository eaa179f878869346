import { existsSync } from 'node:fs';
import { DEFAULT_SUITE, fingerprintDigits, generateIdentity, SUITES, toHex, type SuiteName } from '../../client/index.js';
import { CliError, EXIT } from '../cli-error.js';
import { identityPath, statePath } from '../home.js';
import { saveIdentity } from '../identity-file.js';
import { CLIENT_OPTIONS, flag, formatHelp, parseCommandLine, stringOption, type CommandHelp } from '../options.js';

const OPTIONS = {
  suite: CLIENT_OPTIONS.suite!,
  identity: CLIENT_OPTIONS.identity!,
  force: { type: 'boolean', help: 'replace an existing identity (peers will be warned that your key changed)' },
  help: CLIENT_OPTIONS.help!,
} as const;

export const KEYGEN_HELP: CommandHelp = {
  usage: 'sealcast keygen [--suite SUITE] [--identity FILE] [--force]',
  summary:
    'Creates your identity: a signing key and an encryption key, kept in FILE (mode 0600, in a\n' +
    '0700 directory) and never sent anywhere; the server only learns the public half. Prints the\n' +
    'fingerprint your peers will see. Other commands create an identity on first use, so this is\n' +
    'only needed to pick the suite or the file up front.',
  options: OPTIONS,
  notes: 'Environment:\n  SEALCAST_HOME   client directory (default: $XDG_CONFIG_HOME/sealcast, else ~/.config/sealcast)\n\n' +
    'Exit codes: 0 created · 1 failed · 2 usage error (also: the identity exists and --force is not given)',
};

export async function run(argv: string[]): Promise<number> {
  const p = parseCommandLine(argv, OPTIONS);
  if (p.values.help) {
    process.stdout.write(formatHelp(KEYGEN_HELP));
    return EXIT.OK;
  }
  if (p.positionals.length > 0) throw new CliError(`unexpected argument "${p.positionals[0]}"`, EXIT.USAGE);
  const suite = (stringOption(p, 'suite') ?? DEFAULT_SUITE) as SuiteName;
  if (!SUITES.includes(suite)) throw new CliError(`unknown suite "${suite}"; choose ${SUITES.join(' or ')}`, EXIT.USAGE);
  const path = identityPath(stringOption(p, 'identity'));
  if (existsSync(path) && !flag(p, 'force')) {
    throw new CliError(`${path} already holds an identity; use --force to replace it (your peers will be warned of the change)`, EXIT.USAGE);
  }
  if (suite === 'rsa-oaep-3072') process.stderr.write('generating two RSA-3072 keys…\n');
  const id = await generateIdentity(suite);
  await saveIdentity(path, id);
  if (flag(p, 'force') && existsSync(statePath(path))) {
    process.stderr.write(`kept ${statePath(path)} (the peer keys you trust)\n`);
  }
  process.stdout.write(`identity: ${path}\nsuite: ${suite}\nfingerprint: ${fingerprintDigits(id.bundle.fingerprint)}\nsha256: ${toHex(id.bundle.fingerprint)}\n`);
  return EXIT.OK;
}
