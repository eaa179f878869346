import { EXIT } from '../cli-error.js';
import { connectSession, createSession, sessionInput, toCliError } from '../client-session.js';
import { CLIENT_ENVIRONMENT, CLIENT_OPTIONS, EXIT_CODES_HELP, flag, formatHelp, parseCommandLine, type CommandHelp } from '../options.js';

const OPTIONS = {
  json: { type: 'boolean', help: 'one JSON object per line: id, to, storedAt, expiresAt (ms)' },
  ...CLIENT_OPTIONS,
} as const;

export const PENDING_HELP: CommandHelp = {
  usage: 'sealcast pending [URL] --name ME [--json]',
  summary:
    'Lists your messages the server still holds: recipients who have not come online (or not\n' +
    'acknowledged yet), with when each expires. Messages waiting for you are left on the server.',
  options: OPTIONS,
  notes: `${CLIENT_ENVIRONMENT}\n\n${EXIT_CODES_HELP}`,
};

export async function run(argv: string[]): Promise<number> {
  const p = parseCommandLine(argv, OPTIONS);
  if (p.values.help) {
    process.stdout.write(formatHelp(PENDING_HELP));
    return EXIT.OK;
  }
  const session = await createSession(sessionInput(p, p.positionals[0], { receive: false }));
  await connectSession(session);
  const { client } = session;
  try {
    const items = await client.pending();
    for (const item of items) {
      if (flag(p, 'json')) process.stdout.write(JSON.stringify(item) + '\n');
      else process.stdout.write(`${item.id}  to ${item.to.padEnd(20)} stored ${new Date(item.storedAt).toISOString()}  expires ${new Date(item.expiresAt).toISOString()}\n`);
    }
    if (!flag(p, 'json') && items.length === 0) process.stdout.write('nothing pending: every message was delivered\n');
    return EXIT.OK;
  } catch (e) {
    throw toCliError(e);
  } finally {
    await client.close();
  }
}
