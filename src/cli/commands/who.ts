import { EXIT } from '../cli-error.js';
import { CLIENT_OPTIONS_HELP, openSession, parseCommand, toCliError } from '../client-session.js';
import { toHex } from '../../crypto/index.js';

export const WHO_HELP = `Usage: sealcast who URL --name ME [--json]

Lists every registered user: online or not, key fingerprint, and trust state
(trusted on first use, verified, or CHANGED).
${CLIENT_OPTIONS_HELP}
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { json: { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(WHO_HELP);
    return EXIT.OK;
  }
  const client = await openSession({ url: positionals[0], name: values.name, identity: values.identity, fingerprint: values.fingerprint, suite: values.suite });
  try {
    const peers = await client.refreshRoster();
    if (values.json) {
      for (const p of peers) {
        process.stdout.write(JSON.stringify({ name: p.name, online: p.online, fingerprint: toHex(p.fingerprint), digits: p.digits, trust: p.trust, self: p.isSelf }) + '\n');
      }
    } else {
      for (const p of peers) {
        const state = p.trust === 'changed' ? 'KEY CHANGED' : p.trust;
        process.stdout.write(`${p.online ? '●' : '○'} ${p.name.padEnd(20)} ${p.digits}  ${p.isSelf ? '(you)' : state}\n`);
      }
    }
    return EXIT.OK;
  } catch (e) {
    throw toCliError(e);
  } finally {
    await client.close();
  }
}
