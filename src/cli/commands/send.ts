import { readFileSync } from 'node:fs';
import { isClientError } from '../../client/index.js';
import { openAccount } from '../account-session.js';
import { CliError, EXIT } from '../cli-error.js';
import { connectSession, createSession, sessionInput, toCliError } from '../client-session.js';
import { schemeTypo } from '../node-connector.js';
import { CLIENT_ENVIRONMENT, CLIENT_OPTIONS, EXIT_CODES_HELP, formatHelp, parseCommandLine, stringOption, type CommandHelp } from '../options.js';

const OPTIONS = {
  to: { type: 'string', short: 't', value: 'PEER|all|#ROOM', help: 'the recipient: a name, "all" for every registered user, or #ROOM (MLS)' },
  ...CLIENT_OPTIONS,
} as const;

export const SEND_HELP: CommandHelp = {
  usage: 'sealcast send [URL] --name ME --to PEER|all|#ROOM TEXT…',
  summary:
    "Encrypts TEXT on this machine to PEER's key (or to every registered user with \"all\"),\n" +
    'sends it, and exits 0 once the server has stored it, printing the message id (32 hex digits)\n' +
    'on standard output. TEXT "-" reads the message from standard input. Messages waiting for\n' +
    'you on the server are left there (read them with listen or connect).\n' +
    '--to #ROOM sends to one of your rooms (end-to-end encrypted with MLS), as "room send" does.',
  options: OPTIONS,
  notes: `${CLIENT_ENVIRONMENT}\n\n${EXIT_CODES_HELP}`,
};

/** True for what can only be a server address, so the URL may also come from SEALCAST_URL. */
export function looksLikeUrl(s: string | undefined): boolean {
  // A mistyped scheme counts as an address too, so that it is reported as one (not taken for a title or text).
  return !!s && (/^(wss|https):\/\/\S+$/i.test(s) || schemeTypo(s));
}

export async function run(argv: string[]): Promise<number> {
  const p = parseCommandLine(argv, OPTIONS);
  if (p.values.help) {
    process.stdout.write(formatHelp(SEND_HELP));
    return EXIT.OK;
  }
  const [url, words] = looksLikeUrl(p.positionals[0]) ? [p.positionals[0], p.positionals.slice(1)] : [undefined, p.positionals];
  const to = stringOption(p, 'to');
  if (!to) throw new CliError('give the recipient with --to PEER (or --to all)', EXIT.USAGE);
  let text = words.join(' ');
  if (text === '-') text = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  if (!text) throw new CliError('nothing to send: give the message text', EXIT.USAGE);
  if (to.startsWith('#')) return sendToRoom(sessionInput(p, url), to, text);
  const session = await createSession(sessionInput(p, url, { receive: false }));
  await connectSession(session);
  const { client } = session;
  try {
    const result = await client.send(to, text);
    process.stdout.write(`${result.id}\n`);
    const where = result.stored > 0 ? `; kept for ${result.stored} offline recipient(s)` : '';
    process.stderr.write(`sent to ${to} (${result.deliveredNow} online${where})\n`);
    return EXIT.OK;
  } catch (e) {
    throw toCliError(e);
  } finally {
    await client.close();
  }
}

/** `--to #ROOM`: through the account's one-shot device, as `sealcast room send` does. */
async function sendToRoom(input: ReturnType<typeof sessionInput>, room: string, text: string): Promise<number> {
  const session = await openAccount(input);
  try {
    const result = await session.account.send(room, text);
    process.stdout.write(`${result.id}\n`);
    const where = result.stored > 0 ? `; kept for ${result.stored} offline device(s)` : '';
    process.stderr.write(`sent to ${room} (${result.deliveredNow} device(s) online${where})\n`);
    return EXIT.OK;
  } catch (e) {
    if (isClientError(e, 'UNKNOWN_CONVERSATION')) throw new CliError(`${e.message}; "sealcast rooms" lists them`, EXIT.USAGE);
    throw toCliError(e);
  } finally {
    await session.close();
  }
}
