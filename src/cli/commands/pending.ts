import { EXIT } from '../cli-error.js';
import { CLIENT_OPTIONS_HELP, openSession, parseCommand, toCliError } from '../client-session.js';

export const PENDING_HELP = `Usage: sealcast pending URL --name ME [--json]

Lists your messages the server still holds: recipients who have not come online
(or not acknowledged yet), with when each expires.
${CLIENT_OPTIONS_HELP}
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { json: { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(PENDING_HELP);
    return EXIT.OK;
  }
  const client = await openSession({ url: positionals[0], name: values.name, identity: values.identity, fingerprint: values.fingerprint, suite: values.suite });
  try {
    const items = await client.pending();
    for (const p of items) {
      if (values.json) process.stdout.write(JSON.stringify(p) + '\n');
      else process.stdout.write(`${p.id}  to ${p.to.padEnd(20)} stored ${new Date(p.storedAt).toISOString()}  expires ${new Date(p.expiresAt).toISOString()}\n`);
    }
    if (!values.json && items.length === 0) process.stdout.write('nothing pending: every message was delivered\n');
    return EXIT.OK;
  } catch (e) {
    throw toCliError(e);
  } finally {
    await client.close();
  }
}
