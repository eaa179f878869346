import { readFileSync } from 'node:fs';
import type { ConversationMeta, SealcastAccount } from '../../client/index.js';
import { openAccount } from '../account-session.js';
import { CliError, EXIT } from '../cli-error.js';
import { sessionInput, toCliError } from '../client-session.js';
import { CLIENT_ENVIRONMENT, CLIENT_OPTIONS, EXIT_CODES_HELP, flag, formatHelp, parseCommandLine, stringOption, type CommandHelp } from '../options.js';
import { terminalSafe } from '../sanitize.js';

const OPTIONS = {
  invite: { type: 'string', value: 'A,B', help: 'room create: members to invite at once (comma-separated names)' },
  url: { type: 'string', value: 'URL', help: 'the server address (else SEALCAST_URL)' },
  json: { type: 'boolean', help: 'room read: one JSON object per line' },
  ...CLIENT_OPTIONS,
} as const;

export const ROOM_HELP: CommandHelp = {
  usage:
    'sealcast room create TITLE [--invite A,B] --name ME [--url URL]\n' +
    '       sealcast room invite ROOM NAME...    room remove ROOM NAME...\n' +
    '       sealcast room leave ROOM             room rename ROOM TITLE\n' +
    '       sealcast room send ROOM TEXT...      (TEXT "-": read standard input)\n' +
    '       sealcast room read ROOM [--json]     messages that waited for this device',
  summary:
    'Rooms end-to-end encrypted with MLS, as the CLI\'s one-shot device of your account. ROOM is a\n' +
    'room id, its title (with or without "#"), or a peer\'s name for a direct conversation.\n' +
    'The creator administers a room (invite, remove, rename). Server URL: --url or SEALCAST_URL.',
  options: OPTIONS,
  notes: `${CLIENT_ENVIRONMENT}\n\n${EXIT_CODES_HELP}`,
};

/** Operands each subcommand needs, and whether it takes more. */
const ARITY: Record<string, { min: number; rest: boolean; what: string }> = {
  create: { min: 1, rest: false, what: 'TITLE' },
  invite: { min: 2, rest: true, what: 'ROOM NAME...' },
  remove: { min: 2, rest: true, what: 'ROOM NAME...' },
  leave: { min: 1, rest: false, what: 'ROOM' },
  rename: { min: 2, rest: false, what: 'ROOM TITLE' },
  send: { min: 2, rest: true, what: 'ROOM TEXT... (or -)' },
  read: { min: 1, rest: false, what: 'ROOM' },
};

/** A room by id, "#title", title or peer name, like findConversation. */
function findRoom(account: SealcastAccount, ref: string): ConversationMeta {
  const found = account.findConversation(ref) ?? (ref.startsWith('#') ? undefined : account.findConversation(`#${ref}`));
  if (!found) throw new CliError(`no room "${terminalSafe(ref)}" on this device; "sealcast rooms" lists them`, EXIT.USAGE);
  return found;
}

function names(list: string[]): string[] {
  return list.flatMap((n) => n.split(',')).map((n) => n.trim()).filter(Boolean);
}

export async function run(argv: string[]): Promise<number> {
  const p = parseCommandLine(argv, OPTIONS);
  if (p.values.help) {
    process.stdout.write(formatHelp(ROOM_HELP));
    return EXIT.OK;
  }
  const [sub, ...ops] = p.positionals;
  if (sub === undefined) throw new CliError(`give a subcommand: ${Object.keys(ARITY).join(', ')}`, EXIT.USAGE);
  const arity = Object.hasOwn(ARITY, sub) ? ARITY[sub] : undefined;
  if (!arity) throw new CliError(`unknown subcommand "${terminalSafe(sub)}"; choose ${Object.keys(ARITY).join(', ')}`, EXIT.USAGE);
  if (ops.length < arity.min) throw new CliError(`room ${sub}: give ${arity.what}`, EXIT.USAGE);
  if (!arity.rest && ops.length > arity.min) throw new CliError(`room ${sub}: unexpected "${terminalSafe(ops[arity.min]!)}" (quote a title with spaces)`, EXIT.USAGE);
  let text: string | undefined;
  if (sub === 'send') {
    text = ops.length === 2 && ops[1] === '-' ? readFileSync(0, 'utf8').replace(/\n$/, '') : ops.slice(1).join(' ');
    if (text === '') throw new CliError('room send: the message is empty', EXIT.USAGE);
  }
  const session = await openAccount(sessionInput(p, stringOption(p, 'url')));
  try {
    const { account } = session;
    switch (sub) {
      case 'create': {
        const room = await account.createRoom(ops[0]!, names([stringOption(p, 'invite') ?? '']));
        process.stdout.write(`created #${terminalSafe(room.title)} ${room.id}\n`);
        break;
      }
      case 'invite':
        await account.invite(findRoom(account, ops[0]!).id, names(ops.slice(1)));
        break;
      case 'remove':
        await account.removeMembers(findRoom(account, ops[0]!).id, names(ops.slice(1)));
        break;
      case 'leave':
        await account.leave(findRoom(account, ops[0]!).id);
        break;
      case 'rename':
        await account.rename(findRoom(account, ops[0]!).id, ops[1]!);
        break;
      case 'send':
        await account.send(findRoom(account, ops[0]!).id, text!);
        break;
      case 'read': {
        const room = findRoom(account, ops[0]!);
        for (const m of session.received.filter((r) => r.conversation?.id === room.id)) {
          if (flag(p, 'json')) process.stdout.write(JSON.stringify({ id: m.id, from: m.from, device: m.device, ts: m.ts, text: m.text }) + '\n');
          else process.stdout.write(`[${new Date(m.ts).toISOString()}] ${m.from}: ${terminalSafe(m.text)}\n`);
        }
        break;
      }
    }
    return EXIT.OK;
  } catch (e) {
    throw toCliError(e);
  } finally {
    await session.close();
  }
}
