import { parseArgs } from 'node:util';
import { DEFAULT_SUITE, SUITES } from '../client/suites.js';
import { CliError, EXIT } from './cli-error.js';

/**
 * One command-line option. The same table drives parsing, the SEALCAST_* variable
 * fallback and the --help text, so help can never forget an option, its variable
 * or its default.
 */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Placeholder shown in help ("NAME", "FILE"). */
  value?: string;
  /** Environment variable read when the flag is absent. */
  env?: string;
  /** Default as shown in help (the code applies it). */
  default?: string;
  help: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** What a command's help shows. */
export interface CommandHelp {
  usage: string;
  summary: string;
  options: OptionSpecs;
  /** Free text after the options (exit codes, examples). */
  notes?: string;
}

export interface ParsedCommand {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Options of every command that talks to a server. */
export const CLIENT_OPTIONS: OptionSpecs = {
  name: { type: 'string', short: 'n', value: 'NAME', env: 'SEALCAST_NAME', help: 'your name on the server' },
  identity: {
    type: 'string', value: 'FILE', env: 'SEALCAST_IDENTITY', default: '$SEALCAST_HOME/identity.json',
    help: 'your identity (private keys, mode 0600); created on first use',
  },
  suite: { type: 'string', value: 'SUITE', env: 'SEALCAST_SUITE', default: DEFAULT_SUITE, help: `suite of a new identity: ${SUITES.join(' | ')}` },
  fingerprint: {
    type: 'string', value: 'HEX', env: 'SEALCAST_FINGERPRINT',
    help: "the server certificate's SHA-256 (64 hex digits); pinned on first use when not given",
  },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

/** The environment every client command reads, for help texts. */
export const CLIENT_ENVIRONMENT = `Environment:
  SEALCAST_URL    server address when URL is not given (wss://HOST:PORT or https://HOST:PORT)
  SEALCAST_HOME   client directory: identity, known_servers.json, peer keys
                  (default: $XDG_CONFIG_HOME/sealcast, else ~/.config/sealcast)
  NO_COLOR        no colours in output`;

/** Exit codes, for help texts. */
export const EXIT_CODES_HELP = `Exit codes: 0 ok · 1 failed · 2 usage error · 3 server certificate differs from the pinned one ·
  4 a recipient's key changed (accept it in "sealcast connect") · 5 login refused (name taken, bad key) ·
  6 server unreachable`;

/**
 * Parses `argv` strictly (unknown options are usage errors, exit 2) and fills
 * absent options from their SEALCAST_* variables.
 */
export function parseCommandLine(argv: string[], specs: OptionSpecs, env: NodeJS.ProcessEnv = process.env): ParsedCommand {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, s] of Object.entries(specs)) options[name] = s.short ? { type: s.type, short: s.short } : { type: s.type };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CliError(e instanceof Error ? e.message.replace(/\. To specify a positional.*$/s, '') : String(e), EXIT.USAGE);
  }
  const values: Record<string, string | boolean | undefined> = { ...(parsed.values as Record<string, string | boolean | undefined>) };
  for (const [name, s] of Object.entries(specs)) {
    if (values[name] !== undefined || !s.env) continue;
    const raw = env[s.env];
    if (raw === undefined || raw === '') continue;
    if (s.type === 'string') values[name] = raw;
    else if (/^(1|true|yes|on)$/i.test(raw)) values[name] = true;
    else if (/^(0|false|no|off)$/i.test(raw)) values[name] = false;
    else throw new CliError(`${s.env} must be true or false, got "${raw}"`, EXIT.USAGE);
  }
  return { values, positionals: parsed.positionals };
}

/** A string option's value (after the environment fallback). */
export function stringOption(p: ParsedCommand, name: string): string | undefined {
  const v = p.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A boolean option's value. */
export function flag(p: ParsedCommand, name: string): boolean {
  return p.values[name] === true;
}

/** A number option of at least `min` (a usage error otherwise), or undefined when absent. */
export function numberOption(p: ParsedCommand, name: string, opts: { integer?: boolean; min?: number } = {}): number | undefined {
  const raw = stringOption(p, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  const min = opts.min ?? 0;
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || (opts.integer && !Number.isInteger(n))) {
    throw new CliError(`--${name} must be ${opts.integer ? 'a whole number' : 'a number'} of at least ${min}, got "${raw}"`, EXIT.USAGE);
  }
  return n;
}

/** Renders a command's help: usage, summary, then one line per option with its variable and default. */
export function formatHelp(h: CommandHelp): string {
  const rows = Object.entries(h.options).map(([name, s]) => {
    const left = `${s.short ? `-${s.short}, ` : '    '}--${name}${s.value ? ` ${s.value}` : ''}`;
    const extra = [s.env ? `env ${s.env}` : '', s.default ? `default ${s.default}` : ''].filter(Boolean).join('; ');
    return { left, help: s.help, extra };
  });
  const width = Math.max(...rows.map((r) => r.left.length)) + 2;
  const lines = rows.map((r) => {
    // Help may span lines: continuation lines align under the first.
    const head = `  ${r.left.padEnd(width)}${r.help.split('\n').join(`\n  ${' '.repeat(width)}`)}`;
    return r.extra ? `${head}\n  ${' '.repeat(width)}(${r.extra})` : head;
  });
  return `Usage: ${h.usage}\n\n${h.summary}\n\nOptions:\n${lines.join('\n')}\n${h.notes ? `\n${h.notes}\n` : ''}`;
}
