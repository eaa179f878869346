import { readFileSync, statSync } from 'node:fs';
import { CliError, EXIT } from './cli-error.js';

/** Where a passphrase may come from, most explicit first. */
export interface PassphraseSources {
  /** --passphrase-file: the first line of the file. */
  file?: string | undefined;
  /** Environment holding SEALCAST_PASSPHRASE. */
  env?: NodeJS.ProcessEnv;
  /** Prompt shown on the terminal (stderr). */
  prompt: string;
  /** Ask a second time and compare (for a new passphrase). */
  confirm?: boolean;
  /** Shortest acceptable passphrase (new passphrases only). */
  minLength?: number;
}

/**
 * The passphrase for an identity file: --passphrase-file, else SEALCAST_PASSPHRASE, else typed on
 * the terminal without echo. With no terminal and neither of the others, a usage error says how to
 * give one: a script must never hang waiting for input nobody can type.
 */
export async function readPassphrase(src: PassphraseSources): Promise<string> {
  const env = src.env ?? process.env;
  let value: string | undefined;
  if (src.file !== undefined) value = fromFile(src.file);
  else if (env.SEALCAST_PASSPHRASE) value = env.SEALCAST_PASSPHRASE;
  if (value !== undefined) {
    checkLength(value, src.minLength);
    return value;
  }
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new CliError('no passphrase: run this in a terminal, set SEALCAST_PASSPHRASE, or give --passphrase-file FILE', EXIT.USAGE);
  }
  for (let attempt = 1; ; attempt++) {
    const first = await askHidden(src.prompt);
    try {
      checkLength(first, src.minLength);
      if (src.confirm && (await askHidden('Repeat it: ')) !== first) throw new CliError('the two passphrases differ');
      return first;
    } catch (e) {
      if (attempt >= 3) throw e;
      process.stderr.write(`${(e as Error).message}; try again.\n`);
    }
  }
}

function checkLength(value: string, min: number | undefined): void {
  if (value === '') throw new CliError('the passphrase is empty', EXIT.USAGE);
  if (min !== undefined && value.length < min) throw new CliError(`the passphrase needs at least ${min} characters`, EXIT.USAGE);
}

/** The first line of a passphrase file (a trailing newline is not part of the passphrase). */
function fromFile(path: string): string {
  let text: string;
  try {
    if (statSync(path).size > 4096) throw new CliError(`${path} is too large for a passphrase file (at most 4 KB)`, EXIT.USAGE);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read the passphrase file ${path}: ${code === 'ENOENT' ? 'no such file' : code ?? (e as Error).message}`, EXIT.USAGE);
  }
  if ((statSync(path).mode & 0o077) !== 0) process.stderr.write(`warning: ${path} is readable by others; chmod 600 it\n`);
  return text.split(/\r?\n/)[0]!;
}

/** Terminal escape sequences (arrow keys, bracketed-paste markers): never part of a passphrase. */
const ESCAPES = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b./g;

/** Reads one line from the terminal in raw mode, echoing nothing; Ctrl-C cancels. */
function askHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk.replace(ESCAPES, '')) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new CliError('cancelled', EXIT.FAILED));
        if (ch === '\u0004') return value ? finish() : finish(new CliError('cancelled', EXIT.FAILED));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch === '\u0015') value = '';
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.setEncoding('utf8');
    stdin.setRawMode(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}
