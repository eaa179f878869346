import { openAccount } from '../account-session.js';
import { CliError, EXIT } from '../cli-error.js';
import { sessionInput, toCliError } from '../client-session.js';
import { CLIENT_ENVIRONMENT, CLIENT_OPTIONS, EXIT_CODES_HELP, flag, formatHelp, parseCommandLine, type CommandHelp } from '../options.js';
import { terminalSafe } from '../sanitize.js';

const OPTIONS = {
  json: { type: 'boolean', help: 'one JSON object per line: id, kind, title, creator, admin, members' },
  ...CLIENT_OPTIONS,
} as const;

export const ROOMS_HELP: CommandHelp = {
  usage: 'sealcast rooms [URL] --name ME [--json]',
  summary:
    "Lists the conversations of the CLI's one-shot device (rooms and direct conversations): id,\n" +
    'title and members. Invitations that waited on the server are taken first.',
  options: OPTIONS,
  notes: `${CLIENT_ENVIRONMENT}\n\n${EXIT_CODES_HELP}`,
};

export async function run(argv: string[]): Promise<number> {
  const p = parseCommandLine(argv, OPTIONS);
  if (p.values.help) {
    process.stdout.write(formatHelp(ROOMS_HELP));
    return EXIT.OK;
  }
  if (p.positionals.length > 1) throw new CliError(`unexpected "${p.positionals[1]}"`, EXIT.USAGE);
  const session = await openAccount(sessionInput(p, p.positionals[0]));
  try {
    const { account } = session;
    for (const c of account.conversations()) {
      const members = account.members(c.id).map((m) => m.name);
      const title = c.kind === 'direct' ? `@${c.peer}` : c.kind === 'everyone' ? 'Everyone' : `#${c.title}`;
      if (flag(p, 'json')) {
        process.stdout.write(JSON.stringify({ id: c.id, kind: c.kind, title: c.title, creator: c.creator, admin: c.admin, members }) + '\n');
      } else {
        process.stdout.write(`${c.id}  ${terminalSafe(title).padEnd(24)} ${terminalSafe(members.join(', '))}${c.admin ? '  (admin)' : ''}\n`);
      }
    }
    return EXIT.OK;
  } catch (e) {
    throw toCliError(e);
  } finally {
    await session.close();
  }
}
