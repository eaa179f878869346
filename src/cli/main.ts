import { readFileSync } from 'node:fs';
import { CliError, EXIT } from './cli-error.js';
import { CLIENT_ENVIRONMENT, CLIENT_OPTIONS, EXIT_CODES_HELP, formatHelp } from './options.js';

type Runner = (argv: string[]) => Promise<number>;

interface CommandEntry {
  summary: string;
  load: () => Promise<{ run: Runner }>;
}

const COMMANDS: Record<string, CommandEntry> = {
  serve: { summary: 'run the server (HTTPS + WebSocket on one TLS port)', load: () => import('./commands/serve.js') },
  admin: { summary: 'operator commands on the data directory (list, reset-name)', load: () => import('./commands/admin.js') },
  ingest: { summary: "transcode the library's videos ahead of time, into the server's cache", load: () => import('./commands/ingest.js') },
  connect: { summary: 'interactive client: chat, roster, key verification, video', load: () => import('./commands/connect.js') },
  send: { summary: 'send one message and exit once the server stored it', load: () => import('./commands/send.js') },
  listen: { summary: 'print received messages (--json for scripts)', load: () => import('./commands/listen.js') },
  who: { summary: 'list users with their key fingerprints', load: () => import('./commands/who.js') },
  rooms: { summary: 'list your rooms and conversations (MLS, protocol v2)', load: () => import('./commands/rooms.js') },
  room: { summary: 'create a room, invite, remove, leave, rename, send, read', load: () => import('./commands/room.js') },
  devices: { summary: "list, rename or remove your account's devices", load: () => import('./commands/devices.js') },
  pending: { summary: 'your messages the server still holds for offline recipients', load: () => import('./commands/pending.js') },
  keygen: { summary: 'create your identity', load: () => import('./commands/keygen.js') },
  identity: { summary: 'export / import your identity in a passphrase-encrypted file (to a browser or machine)', load: () => import('./commands/identity.js') },
  videos: { summary: "list the server's videos", load: () => import('./commands/videos.js') },
  play: { summary: 'stream a video over the socket (to ffplay/mpv, the terminal, a file, or standard output)', load: () => import('./commands/play.js') },
};

const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length)) + 3;
const list = (names: string[]) => names.map((n) => `  ${n.padEnd(width)}${COMMANDS[n]!.summary}`).join('\n');

/** `sealcast --help`. */
export const USAGE = `sealcast: end-to-end-encrypted messaging and adaptive video streaming

Usage: sealcast COMMAND [options]
       sealcast COMMAND --help     options of one command
       sealcast --version

Server:
${list(['serve', 'admin', 'ingest'])}
Client:
${list(['connect', 'send', 'listen', 'who', 'rooms', 'room', 'devices', 'pending', 'keygen', 'identity', 'videos', 'play'])}

${formatHelp({ usage: 'sealcast connect|send|listen|who [URL] [options]', summary: 'Options of the client commands:', options: CLIENT_OPTIONS })
  .replace(/^Usage: .*\n\n/, '')}
${CLIENT_ENVIRONMENT}

${EXIT_CODES_HELP}
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Entry point of the `sealcast` command; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    process.stderr.write(USAGE);
    return EXIT.USAGE;
  }
  if (command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return EXIT.OK;
  }
  if (command === 'help') {
    if (rest[0] === undefined) {
      process.stdout.write(USAGE);
      return EXIT.OK;
    }
    return main([rest[0], '--help']);
  }
  if (command === '--version' || command === '-V' || command === '-v') {
    process.stdout.write(`sealcast ${version()}\n`);
    return EXIT.OK;
  }
  const entry = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!entry) {
    const hint = command.startsWith('-') ? `unknown option "${command}"` : `unknown command "${command}"`;
    process.stderr.write(`sealcast: ${hint}\nRun "sealcast --help" for the commands.\n`);
    return EXIT.USAGE;
  }
  try {
    const { run } = await entry.load();
    return await run(rest);
  } catch (e) {
    const err = e instanceof CliError ? e : (await import('./client-session.js')).toCliError(e);
    process.stderr.write(`sealcast ${command}: ${err.message}\n`);
    if (err.exitCode === EXIT.USAGE) process.stderr.write(`Run "sealcast ${command} --help" for usage.\n`);
    return err.exitCode;
  }
}
