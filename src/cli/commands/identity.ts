import { existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import { fingerprintDigits, type Identity, isClientError, MAX_IDENTITY_FILE_BYTES, MIN_PASSPHRASE_LENGTH, openIdentityFile, sealIdentityFile, toHex } from '../../client/index.js';
import { canonicalName } from '../../protocol/index.js';
import { writeFileAtomic } from '../atomic-file.js';
import { CliError, EXIT } from '../cli-error.js';
import { identityPath } from '../home.js';
import { loadIdentity, saveIdentity } from '../identity-file.js';
import { CLIENT_OPTIONS, flag, formatHelp, parseCommandLine, stringOption, type CommandHelp, type OptionSpecs } from '../options.js';
import { readPassphrase } from '../passphrase.js';

const PASSPHRASE_FILE = {
  type: 'string', value: 'FILE',
  help: 'read the passphrase from the first line of FILE (else SEALCAST_PASSPHRASE, else asked on the terminal)',
} as const;

const EXPORT_OPTIONS: OptionSpecs = {
  identity: { ...CLIENT_OPTIONS.identity!, help: 'the identity to export' },
  out: { type: 'string', short: 'o', value: 'FILE', default: 'standard output', help: 'where to write the encrypted identity (mode 0600)' },
  name: { ...CLIENT_OPTIONS.name!, help: 'the name you use with this identity, written into the file so the web app fills it in' },
  'passphrase-file': PASSPHRASE_FILE,
  force: { type: 'boolean', help: 'overwrite FILE given with --out' },
  help: CLIENT_OPTIONS.help!,
};

const IMPORT_OPTIONS: OptionSpecs = {
  identity: { ...CLIENT_OPTIONS.identity!, help: 'where to install the identity (private keys, mode 0600)' },
  'passphrase-file': PASSPHRASE_FILE,
  force: { type: 'boolean', help: 'replace an existing identity (the old file is kept beside it as FILE.replaced-TIME)' },
  help: CLIENT_OPTIONS.help!,
};

const ENVIRONMENT = 'Environment:\n' +
  '  SEALCAST_PASSPHRASE  the passphrase, for scripts (a terminal prompt is used otherwise)\n' +
  '  SEALCAST_HOME        client directory (default: $XDG_CONFIG_HOME/sealcast, else ~/.config/sealcast)';

export const IDENTITY_EXPORT_HELP: CommandHelp = {
  usage: 'sealcast identity export [--identity FILE] [--out FILE] [--name NAME]',
  summary:
    'Writes your identity encrypted under a passphrase (PBKDF2-SHA256, 600,000 rounds, AES-256-GCM), to\n' +
    `move it to a browser (sealcast web app: "Use an identity file") or another machine. The passphrase\n` +
    `needs at least ${MIN_PASSPHRASE_LENGTH} characters; the file is as safe as the passphrase is hard to guess.`,
  options: EXPORT_OPTIONS,
  notes: `${ENVIRONMENT}\n\nExit codes: 0 written · 1 failed · 2 usage error (no identity, no passphrase, --out exists)`,
};

export const IDENTITY_IMPORT_HELP: CommandHelp = {
  usage: 'sealcast identity import FILE [--identity FILE] [--force]',
  summary:
    'Installs an identity from an encrypted identity file (made by "sealcast identity export" or the\n' +
    "web app's Export), so this machine signs in with the same keys: your peers see the same fingerprint.",
  options: IMPORT_OPTIONS,
  notes: `${ENVIRONMENT}\n\nExit codes: 0 installed · 1 failed (wrong passphrase, damaged file) · 2 usage error (an identity\n` +
    '  exists and --force is not given, no passphrase)',
};

const USAGE = `Usage: sealcast identity export [--identity FILE] [--out FILE] [--name NAME]
       sealcast identity import FILE [--identity FILE] [--force]

Moves your identity (private keys) between machines and browsers in a passphrase-encrypted file.
  export   write your identity, encrypted, to a file or standard output
  import   install an identity from such a file

"sealcast identity export --help" and "sealcast identity import --help" list the options.
`;

/** `sealcast identity export|import`: the terminal end of moving an identity between devices. */
export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined) {
    process.stderr.write(USAGE);
    return EXIT.USAGE;
  }
  if (sub === '--help' || sub === '-h') {
    process.stdout.write(USAGE);
    return EXIT.OK;
  }
  if (sub === 'export') return exportCommand(rest);
  if (sub === 'import') return importCommand(rest);
  throw new CliError(`unknown subcommand "${sub}"; use export or import`, EXIT.USAGE);
}

function describe(id: Identity): string {
  return `suite: ${id.suite}\nfingerprint: ${fingerprintDigits(id.bundle.fingerprint)}\nsha256: ${toHex(id.bundle.fingerprint)}\n`;
}

async function exportCommand(argv: string[]): Promise<number> {
  const p = parseCommandLine(argv, EXPORT_OPTIONS);
  if (p.values.help) {
    process.stdout.write(formatHelp(IDENTITY_EXPORT_HELP));
    return EXIT.OK;
  }
  if (p.positionals.length > 0) throw new CliError(`unexpected argument "${p.positionals[0]}"`, EXIT.USAGE);
  const path = identityPath(stringOption(p, 'identity'));
  if (!existsSync(path)) throw new CliError(`there is no identity at ${path}; create one with "sealcast keygen" or pick one with --identity`, EXIT.USAGE);
  let name = stringOption(p, 'name');
  if (name !== undefined) {
    try {
      name = canonicalName(name);
    } catch (e) {
      throw new CliError(`invalid name: ${(e as Error).message}`, EXIT.USAGE);
    }
  }
  const out = stringOption(p, 'out');
  const toFile = out !== undefined && out !== '-';
  if (toFile && existsSync(out) && !flag(p, 'force')) throw new CliError(`${out} exists; use --force to overwrite it`, EXIT.USAGE);
  const identity = await loadIdentity(path);
  const passphrase = await readPassphrase({
    file: stringOption(p, 'passphrase-file'), prompt: 'New passphrase for the exported identity: ', confirm: true, minLength: MIN_PASSPHRASE_LENGTH,
  });
  if (process.stderr.isTTY) process.stderr.write('encrypting (this takes a second)…\n');
  const text = (await sealIdentityFile(identity, passphrase, name)) + '\n';
  if (toFile) {
    writeFileAtomic(out, text, 0o600);
    process.stderr.write(`wrote ${out}\n${describe(identity)}`);
  } else {
    process.stdout.write(text);
  }
  return EXIT.OK;
}

async function importCommand(argv: string[]): Promise<number> {
  const p = parseCommandLine(argv, IMPORT_OPTIONS);
  if (p.values.help) {
    process.stdout.write(formatHelp(IDENTITY_IMPORT_HELP));
    return EXIT.OK;
  }
  const [file, extra] = p.positionals;
  if (file === undefined) throw new CliError('give the identity file to import', EXIT.USAGE);
  if (extra !== undefined) throw new CliError(`unexpected argument "${extra}"`, EXIT.USAGE);
  const text = readIdentityFile(file);
  const path = identityPath(stringOption(p, 'identity'));
  const replacing = existsSync(path);
  if (replacing && !flag(p, 'force')) {
    throw new CliError(`${path} already holds an identity; use --force to replace it (the old file is kept), or --identity OTHER_FILE`, EXIT.USAGE);
  }
  const passphrase = await readPassphrase({ file: stringOption(p, 'passphrase-file'), prompt: 'Passphrase of the identity file: ' });
  let opened;
  try {
    opened = await openIdentityFile(text, passphrase);
  } catch (e) {
    if (isClientError(e)) throw new CliError(`${file}: ${e.message}`, e.code === 'TOO_LARGE' ? EXIT.USAGE : EXIT.FAILED);
    throw e;
  }
  if (replacing) {
    const previous = await loadIdentity(path).catch(() => undefined);
    if (previous && toHex(previous.bundle.fingerprint) === toHex(opened.identity.bundle.fingerprint)) {
      process.stderr.write(`${path} already holds this identity; nothing changed\n`);
      process.stdout.write(describe(opened.identity));
      return EXIT.OK;
    }
    const backup = `${path}.replaced-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}`;
    renameSync(path, backup);
    process.stderr.write(`kept the previous identity as ${backup}\n`);
  }
  await saveIdentity(path, opened.identity);
  process.stdout.write(`identity: ${path}\n${describe(opened.identity)}${opened.name ? `name: ${opened.name}\n` : ''}`);
  if (opened.name) process.stderr.write(`sign in with --name ${opened.name} (or set SEALCAST_NAME=${opened.name})\n`);
  return EXIT.OK;
}

function readIdentityFile(file: string): string {
  try {
    if (statSync(file).size > MAX_IDENTITY_FILE_BYTES) {
      throw new CliError(`${file} is not an identity file (larger than ${MAX_IDENTITY_FILE_BYTES / 1024} KB)`, EXIT.USAGE);
    }
    return readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code ?? (e as Error).message}`, EXIT.USAGE);
  }
}
