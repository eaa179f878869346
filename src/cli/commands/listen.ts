import type { ReceivedMessage } from '../../client/index.js';
import { EXIT } from '../cli-error.js';
import { connectSession, createSession, sessionInput, toCliError } from '../client-session.js';
import {
  CLIENT_ENVIRONMENT, CLIENT_OPTIONS, EXIT_CODES_HELP, flag, formatHelp, numberOption, parseCommandLine, type CommandHelp,
} from '../options.js';
import { terminalSafe } from '../sanitize.js';

const OPTIONS = {
  json: { type: 'boolean', help: 'one JSON object per line: id, from, to, text, ts, toAll, verified' },
  count: { type: 'string', value: 'N', help: 'exit 0 after N messages (later ones stay on the server)' },
  timeout: { type: 'string', value: 'SECONDS', help: 'stop after SECONDS: exit 0 without --count, 1 if fewer than N arrived' },
  ...CLIENT_OPTIONS,
} as const;

export const LISTEN_HELP: CommandHelp = {
  usage: 'sealcast listen [URL] --name ME [--json] [--count N] [--timeout SECONDS]',
  summary:
    'Prints each message received, starting with those kept while you were offline, and\n' +
    'reconnects when the connection drops. Each printed message is acknowledged (the server\n' +
    'then forgets it and the sender sees "delivered"); messages not printed stay on the server.\n' +
    'Messages that fail verification are reported on standard error, never printed as text.\n' +
    'A message signed by a changed, not yet accepted key of its sender is printed flagged\n' +
    '(verified: false). Text output replaces control characters; --json escapes them.\n' +
    'Ctrl-C or SIGTERM exits 0.',
  options: OPTIONS,
  notes: `${CLIENT_ENVIRONMENT}\n\n${EXIT_CODES_HELP}`,
};

/** The text form of a message: "YYYY-MM-DD HH:MM:SS alice: text" (times in UTC). */
export function formatMessage(m: ReceivedMessage): string {
  const when = new Date(m.ts).toISOString().replace('T', ' ').slice(0, 19);
  const flagText = m.verified ? '' : ' [UNVERIFIED: sent with a changed key you have not accepted]';
  return `${when} ${m.from}${m.toAll ? ' → all' : ''}: ${terminalSafe(m.text)}${flagText}`;
}

export async function run(argv: string[]): Promise<number> {
  const p = parseCommandLine(argv, OPTIONS);
  if (p.values.help) {
    process.stdout.write(formatHelp(LISTEN_HELP));
    return EXIT.OK;
  }
  const count = numberOption(p, 'count', { integer: true, min: 1 });
  const timeout = numberOption(p, 'timeout', { min: 0.001 });
  const json = flag(p, 'json');
  const session = await createSession(sessionInput(p, p.positionals[0], { autoReconnect: true }));
  const { client } = session;
  let received = 0;
  let done = false;
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((r) => (resolveExit = r));
  const finish = (code: number) => {
    if (done) return;
    done = true;
    // Deliveries after this one are not shown and not acknowledged: they stay on the server.
    client.close().then(
      () => resolveExit(code),
      (e: unknown) => {
        // The state could not be saved (disk full, …): say so, and do not pretend all went well.
        process.stderr.write(`error: ${toCliError(e).message}\n`);
        resolveExit(code === EXIT.OK ? EXIT.FAILED : code);
      },
    );
  };
  // Listeners before connecting: stored messages arrive right after the login.
  client.on('message', (m) => {
    if (done) return;
    const line = json
      ? JSON.stringify({ id: m.id, from: m.from, to: m.to, text: m.text, ts: m.ts, toAll: m.toAll, verified: m.verified })
      : formatMessage(m);
    process.stdout.write(line + '\n');
    received++;
    if (count !== undefined && received >= count) finish(EXIT.OK);
  });
  client.on('rejected', (r) => process.stderr.write(`rejected a message from ${r.from}: ${r.code} (${r.reason})\n`));
  client.on('keyChanged', (k) =>
    process.stderr.write(`WARNING: the key of ${k.name} changed (was ${k.previousDigits}, now ${k.currentDigits}); its messages are flagged until you accept it in "sealcast connect"\n`));
  client.on('disconnected', (d) => {
    if (done) return;
    if (d.willReconnect) process.stderr.write(`connection lost (${d.code}); reconnecting…\n`);
    else {
      process.stderr.write(`disconnected (${d.code}${d.reason ? `: ${d.reason}` : ''})\n`);
      finish(d.reason === 'CERT_CHANGED' ? EXIT.CERT_CHANGED : EXIT.FAILED);
    }
  });
  client.on('error', (e) => {
    if (!done) process.stderr.write(`error: ${e.code}: ${e.message}\n`);
  });
  const timer = timeout !== undefined ? setTimeout(() => finish(count === undefined ? EXIT.OK : EXIT.FAILED), timeout * 1000) : undefined;
  const stop = () => finish(EXIT.OK);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await connectSession(session);
  } catch (e) {
    done = true;
    clearTimeout(timer);
    throw e;
  }
  if (!json) process.stderr.write(`listening as ${client.name}…\n`);
  const code = await exited;
  clearTimeout(timer);
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  return code;
}
