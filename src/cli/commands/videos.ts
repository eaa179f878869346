import { EXIT } from '../cli-error.js';
import { connectSession, createSession, sessionInput, toCliError } from '../client-session.js';
import { titleRow } from '../video-list.js';
import { CLIENT_ENVIRONMENT, CLIENT_OPTIONS, EXIT_CODES_HELP, flag, formatHelp, parseCommandLine, type CommandHelp } from '../options.js';

const OPTIONS = {
  json: { type: 'boolean', help: 'one JSON object per line: name, durationMs, state, progress, error, renditions' },
  ...CLIENT_OPTIONS,
} as const;

export const VIDEOS_HELP: CommandHelp = {
  usage: 'sealcast videos [URL] --name ME [--json]',
  summary: "Lists the server's videos: duration, renditions (height, bitrate) and state\n(ready, transcoding N%, queued, failed: reason). Messages waiting for you are left on the server.",
  options: OPTIONS,
  notes: `${CLIENT_ENVIRONMENT}\n\n${EXIT_CODES_HELP}`,
};

export async function run(argv: string[]): Promise<number> {
  const p = parseCommandLine(argv, OPTIONS);
  if (p.values.help) {
    process.stdout.write(formatHelp(VIDEOS_HELP));
    return EXIT.OK;
  }
  const session = await createSession(sessionInput(p, p.positionals[0], { receive: false }));
  await connectSession(session);
  const { client } = session;
  const json = flag(p, 'json');
  try {
    const titles = await client.listVideos();
    for (const t of titles) {
      const renditions = t.renditions.map((r) => ({ height: r.height, width: r.width, bandwidth: r.bandwidth }));
      if (json) {
        process.stdout.write(JSON.stringify({ name: t.name, durationMs: t.durationMs, state: t.state, progress: t.progress, error: t.error || undefined, renditions }) + '\n');
        continue;
      }
      process.stdout.write(titleRow(t) + '\n');
    }
    if (!json && titles.length === 0) process.stdout.write('the library is empty\n');
    return EXIT.OK;
  } catch (e) {
    throw toCliError(e);
  } finally {
    await client.close();
  }
}
