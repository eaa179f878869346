import { openAccount } from '../account-session.js';
import { CliError, EXIT } from '../cli-error.js';
import { sessionInput, toCliError } from '../client-session.js';
import { CLIENT_ENVIRONMENT, CLIENT_OPTIONS, EXIT_CODES_HELP, flag, formatHelp, parseCommandLine, type CommandHelp } from '../options.js';
import { terminalSafe } from '../sanitize.js';
import type { DeviceView } from '../../client/index.js';

const OPTIONS = {
  json: { type: 'boolean', help: 'one JSON object per line: id, label, addedAt, current' },
  ...CLIENT_OPTIONS,
} as const;

export const DEVICES_HELP: CommandHelp = {
  usage: 'sealcast devices [list] [URL] --name ME [--json]\n       sealcast devices rename ID LABEL [URL] --name ME\n       sealcast devices remove ID [URL] --name ME',
  summary:
    "Lists your account's devices (the list your identity key signed), renames one, or removes one\n" +
    '(its keys stop working at once). The one-shot commands (devices, rooms, room) are one device\n' +
    'of their own, kept beside the identity file (IDENTITY.device-oneshot.json); it is marked "this".',
  options: OPTIONS,
  notes: `${CLIENT_ENVIRONMENT}\n\n${EXIT_CODES_HELP}`,
};

function print(devices: DeviceView[], json: boolean): void {
  for (const d of devices) {
    if (json) process.stdout.write(JSON.stringify({ id: d.id, label: d.label, addedAt: d.addedAt, current: d.current }) + '\n');
    else process.stdout.write(`${d.id}  ${terminalSafe(d.label || '(no label)').padEnd(20)} ${new Date(d.addedAt).toISOString()}${d.current ? '  (this)' : ''}\n`);
  }
}

export async function run(argv: string[]): Promise<number> {
  const p = parseCommandLine(argv, OPTIONS);
  if (p.values.help) {
    process.stdout.write(formatHelp(DEVICES_HELP));
    return EXIT.OK;
  }
  const args = [...p.positionals];
  const sub = args[0] === 'list' || args[0] === 'rename' || args[0] === 'remove' ? args.shift()! : 'list';
  const need = sub === 'rename' ? 2 : sub === 'remove' ? 1 : 0;
  if (args.length < need) throw new CliError(`devices ${sub}: give ${sub === 'rename' ? 'the device ID and its new LABEL' : 'the device ID'}`, EXIT.USAGE);
  const operands = args.splice(0, need);
  if (args.length > 1) throw new CliError(`devices ${sub}: unexpected "${args[1]}"`, EXIT.USAGE);
  const session = await openAccount(sessionInput(p, args[0]));
  try {
    const { account } = session;
    const id = operands[0]?.toLowerCase();
    if (id !== undefined && !account.devices().some((d) => d.id === id)) throw new CliError(`no device "${id}" in your account; "sealcast devices" lists them`, EXIT.USAGE);
    if (sub === 'rename') print(await account.renameDevice(id!, operands[1]!), flag(p, 'json'));
    else if (sub === 'remove') print(await account.removeDevice(id!), flag(p, 'json'));
    else print(account.devices(), flag(p, 'json'));
    return EXIT.OK;
  } catch (e) {
    throw toCliError(e);
  } finally {
    await session.close();
  }
}
