import { readFileSync } from 'node:fs';
import { CliError, EXIT } from './cli-error.js';

const USAGE = `sealcast: end-to-end-encrypted messaging and adaptive video streaming

Usage: sealcast COMMAND [options]

Server:
  serve        run the server (HTTPS + WebSocket on one TLS port)
  admin        operator commands on the data directory (list, reset-name)
Client:
  connect      interactive client: chat, roster, key verification
  send         send one message and exit once the server stored it
  listen       print received messages (--json for scripts)
  who          list users with their key fingerprints
  pending      your messages the server still holds for offline recipients
  videos       list the server's videos
  play         stream a video over the socket (to ffplay/mpv, a file, or standard output)
  keygen       create your identity

Run "sealcast COMMAND --help" for a command's options.
`;

type Runner = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<{ run: Runner }>> = {
  serve: () => import('./commands/serve.js'),
  admin: () => import('./commands/admin.js'),
  connect: () => import('./commands/connect.js'),
  send: () => import('./commands/send.js'),
  listen: () => import('./commands/listen.js'),
  who: () => import('./commands/who.js'),
  keygen: () => import('./commands/keygen.js'),
  pending: () => import('./commands/pending.js'),
  videos: () => import('./commands/videos.js'),
  play: () => import('./commands/play.js'),
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Entry point of the `sealcast` command; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command ? EXIT.OK : EXIT.USAGE;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`sealcast ${version()}\n`);
    return EXIT.OK;
  }
  const load = COMMANDS[command];
  if (!load) {
    process.stderr.write(`sealcast: unknown command "${command}"\n\n${USAGE}`);
    return EXIT.USAGE;
  }
  try {
    const { run } = await load();
    return await run(rest);
  } catch (e) {
    const err = e instanceof CliError ? e : new CliError(e instanceof Error ? e.message : String(e));
    process.stderr.write(`sealcast ${command}: ${err.message}\n`);
    if (err.exitCode === EXIT.USAGE) process.stderr.write(`Run "sealcast ${command} --help" for usage.\n`);
    return err.exitCode;
  }
}
