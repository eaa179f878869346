import { CliError, EXIT } from '../cli-error.js';
import { CLIENT_OPTIONS_HELP, openSession, parseCommand } from '../client-session.js';
import type { ReceivedMessage } from '../../client/index.js';

export const LISTEN_HELP = `Usage: sealcast listen URL --name ME [--json] [--count N] [--timeout SECONDS]

Prints each message received (including those kept while you were offline).
  --json          one JSON object per line: id, from, to, text, ts, toAll, verified
  --count N       exit 0 after N messages
  --timeout S     exit after S seconds: 0 if no --count was given, 1 if fewer than N arrived
Messages that fail verification are reported on standard error, never printed as text.
${CLIENT_OPTIONS_HELP}
`;

function formatLine(m: ReceivedMessage): string {
  const when = new Date(m.ts).toISOString().replace('T', ' ').slice(0, 19);
  const flag = m.verified ? '' : ' [UNVERIFIED: sender key changed]';
  return `${when} ${m.from}${m.toAll ? ' → all' : ''}: ${m.text}${flag}`;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    json: { type: 'boolean' },
    count: { type: 'string' },
    timeout: { type: 'string' },
  });
  if (values.help) {
    process.stdout.write(LISTEN_HELP);
    return EXIT.OK;
  }
  const count = values.count === undefined ? undefined : Number(values.count);
  if (count !== undefined && (!Number.isInteger(count) || count < 1)) throw new CliError('--count must be a positive whole number', EXIT.USAGE);
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeout !== undefined && !(timeout > 0)) throw new CliError('--timeout must be a positive number of seconds', EXIT.USAGE);
  const client = await openSession({
    url: positionals[0], name: values.name, identity: values.identity, fingerprint: values.fingerprint, suite: values.suite, autoReconnect: true,
  });
  if (!values.json) process.stderr.write(`listening as ${client.name}…\n`);
  let received = 0;
  return new Promise<number>((resolve) => {
    let done = false;
    const finish = (code: number) => {
      if (done) return;
      done = true;
      void client.close().then(() => resolve(code));
    };
    client.on('message', (m) => {
      process.stdout.write(values.json ? JSON.stringify(m) + '\n' : formatLine(m) + '\n');
      received++;
      if (count !== undefined && received >= count) finish(EXIT.OK);
    });
    client.on('rejected', (r) => process.stderr.write(`rejected a message from ${r.from}: ${r.code} (${r.reason})\n`));
    client.on('keyChanged', (k) => process.stderr.write(`WARNING: the key of ${k.name} changed (was ${k.previous.slice(0, 16)}…, now ${k.current.slice(0, 16)}…)\n`));
    client.on('disconnected', (d) => {
      if (!d.willReconnect) {
        process.stderr.write(`disconnected (${d.code}${d.reason ? `: ${d.reason}` : ''})\n`);
        finish(EXIT.FAILED);
      }
    });
    if (timeout !== undefined) setTimeout(() => finish(count === undefined ? EXIT.OK : EXIT.FAILED), timeout * 1000);
    const stop = () => finish(EXIT.OK);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
