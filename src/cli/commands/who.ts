import { toHex } from '../../client/index.js';
import { EXIT } from '../cli-error.js';
import { connectSession, createSession, sessionInput, toCliError } from '../client-session.js';
import { CLIENT_ENVIRONMENT, CLIENT_OPTIONS, EXIT_CODES_HELP, flag, formatHelp, parseCommandLine, type CommandHelp } from '../options.js';

const OPTIONS = {
  json: { type: 'boolean', help: 'one JSON object per line: name, online, fingerprint (hex), digits, trust, self' },
  ...CLIENT_OPTIONS,
} as const;

export const WHO_HELP: CommandHelp = {
  usage: 'sealcast who [URL] --name ME [--json]',
  summary:
    'Lists every registered user: online or not, key fingerprint (30 digits), and trust state\n' +
    '(trusted on first use, verified, or CHANGED: a new key you have not accepted).\n' +
    'Messages waiting for you on the server are left there.',
  options: OPTIONS,
  notes: `${CLIENT_ENVIRONMENT}\n\n${EXIT_CODES_HELP}`,
};

export async function run(argv: string[]): Promise<number> {
  const p = parseCommandLine(argv, OPTIONS);
  if (p.values.help) {
    process.stdout.write(formatHelp(WHO_HELP));
    return EXIT.OK;
  }
  const session = await createSession(sessionInput(p, p.positionals[0], { receive: false }));
  await connectSession(session);
  const { client } = session;
  try {
    const peers = await client.who();
    for (const v of peers) {
      if (flag(p, 'json')) {
        process.stdout.write(JSON.stringify({
          name: v.name, online: v.online, fingerprint: toHex(v.fingerprint), digits: v.digits, trust: v.trust, self: v.isSelf,
          ...(v.trustedFingerprint ? { trustedFingerprint: v.trustedFingerprint } : {}),
        }) + '\n');
      } else {
        const state = v.isSelf ? '(you)' : v.trust === 'changed' ? 'KEY CHANGED (not accepted)' : v.trust;
        process.stdout.write(`${v.online ? 'online ' : 'offline'}  ${v.name.padEnd(20)} ${v.digits}  ${state}\n`);
      }
    }
    return EXIT.OK;
  } catch (e) {
    throw toCliError(e);
  } finally {
    await client.close();
  }
}
