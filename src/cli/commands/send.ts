import { readFileSync } from 'node:fs';
import { CliError, EXIT } from '../cli-error.js';
import { CLIENT_OPTIONS_HELP, openSession, parseCommand, toCliError } from '../client-session.js';

export const SEND_HELP = `Usage: sealcast send URL --name ME --to PEER|all TEXT

Encrypts TEXT on this machine to PEER's key (or to every registered user with "all"),
sends it, and exits 0 once the server has stored it, printing the message id.
TEXT "-" reads the message from standard input.
Exit codes: 0 sent, 1 failed, 2 usage, 3 server certificate changed, 4 a recipient's key
changed (accept it in "sealcast connect" first), 5 login refused.
${CLIENT_OPTIONS_HELP}
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { to: { type: 'string', short: 't' } });
  if (values.help) {
    process.stdout.write(SEND_HELP);
    return EXIT.OK;
  }
  // The URL may come from SEALCAST_URL; then every positional is message text.
  const looksLikeUrl = (s: string | undefined) => !!s && /^(wss?|https?):\/\/|^[\w.-]+:\d+$/.test(s);
  const [url, words] = looksLikeUrl(positionals[0]) ? [positionals[0], positionals.slice(1)] : [undefined, positionals];
  if (!values.to) throw new CliError('give the recipient with --to PEER (or --to all)', EXIT.USAGE);
  let text = words.join(' ');
  if (text === '-') text = readFileSync(0, 'utf8').replace(/\n$/, '');
  if (!text) throw new CliError('nothing to send: give the message text', EXIT.USAGE);
  const client = await openSession({ url, name: values.name, identity: values.identity, fingerprint: values.fingerprint, suite: values.suite });
  try {
    const result = await client.send(values.to, text);
    process.stdout.write(`${result.id}\n`);
    const where = result.stored > 0 ? `; kept for ${result.stored} offline recipient(s)` : '';
    process.stderr.write(`sent to ${values.to} (${result.deliveredNow} online${where})\n`);
    return EXIT.OK;
  } catch (e) {
    throw toCliError(e);
  } finally {
    await client.close();
  }
}
