import { CliError, EXIT } from '../cli-error.js';
import { connectSession, createSession, sessionInput, toCliError } from '../client-session.js';
import { LIBRARY_SORTS as SORTS, libraryView, type LibrarySort } from '../../client/index.js';
import { titleRow } from '../video-list.js';
import { CLIENT_ENVIRONMENT, CLIENT_OPTIONS, EXIT_CODES_HELP, flag, formatHelp, parseCommandLine, stringOption, type CommandHelp } from '../options.js';

const OPTIONS = {
  json: {
    type: 'boolean',
    help: 'one JSON object per line: name, durationMs, state, progress, error, renditions, addedAt,\n' +
      'posterUrl, thumbnailsUrl, subtitles [{language, label, url}], positionMs, watched, files',
  },
  sort: { type: 'string', value: 'ORDER', default: 'title', help: `${SORTS.join(' | ')} (added: newest first; duration: longest first)` },
  search: { type: 'string', value: 'TEXT', help: 'only titles whose name contains TEXT (any case)' },
  rescan: { type: 'boolean', help: 'ask the server to read its video directory again first' },
  ...CLIENT_OPTIONS,
} as const;

export const VIDEOS_HELP: CommandHelp = {
  usage: 'sealcast videos [URL] --name ME [--json] [--sort title|added|duration] [--search TEXT] [--rescan]',
  summary:
    "Lists the server's videos: duration, state (ready, transcoding N%, queued, failed: reason),\n" +
    'renditions (height, bitrate) and where you are in each (at 1:05, watched). URLs in --json carry\n' +
    'a token valid for about an hour. Messages waiting for you are left on the server.',
  options: OPTIONS,
  notes: `${CLIENT_ENVIRONMENT}\n\n${EXIT_CODES_HELP}`,
};

export async function run(argv: string[]): Promise<number> {
  const p = parseCommandLine(argv, OPTIONS);
  if (p.values.help) {
    process.stdout.write(formatHelp(VIDEOS_HELP));
    return EXIT.OK;
  }
  const sort = stringOption(p, 'sort') ?? 'title';
  if (!(SORTS as readonly string[]).includes(sort)) throw new CliError(`--sort takes ${SORTS.join(', ')}, not "${sort}"`, EXIT.USAGE);
  const session = await createSession(sessionInput(p, p.positionals[0], { receive: false }));
  await connectSession(session);
  const { client } = session;
  const json = flag(p, 'json');
  const origin = `https://${session.hostPort}`;
  try {
    const titles = libraryView(await client.listVideos({ rescan: flag(p, 'rescan') }), { sort: sort as LibrarySort, search: stringOption(p, 'search') ?? '' });
    for (const t of titles) {
      if (json) {
        process.stdout.write(JSON.stringify({
          name: t.name,
          durationMs: t.durationMs,
          state: t.state,
          progress: t.progress,
          error: t.error || undefined,
          renditions: t.renditions.map((r) => ({ height: r.height, width: r.width, bandwidth: r.bandwidth })),
          addedAt: Number(t.addedAt),
          posterUrl: t.posterPath ? origin + t.posterPath : undefined,
          thumbnailsUrl: t.thumbnailsPath ? origin + t.thumbnailsPath : undefined,
          subtitles: t.subtitles.map((s) => ({ language: s.language || undefined, label: s.label, url: origin + s.path })),
          positionMs: t.positionMs,
          watched: t.watched,
          files: t.files,
        }) + '\n');
        continue;
      }
      process.stdout.write(titleRow(t) + '\n');
    }
    if (!json && titles.length === 0) process.stdout.write(stringOption(p, 'search') ? 'no title matches\n' : 'the library is empty\n');
    return EXIT.OK;
  } catch (e) {
    throw toCliError(e);
  } finally {
    await client.close();
  }
}
