import { existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { checkTitleName, MediaLibrary, type MediaLogger, type TitleFailure } from '../../media/index.js';
import { CliError, EXIT } from '../cli-error.js';
import { ingestProgressPrinter } from '../ingest-progress.js';
import { formatHelp, parseCommandLine, stringOption, type CommandHelp } from '../options.js';
import { terminalSafe } from '../sanitize.js';

/** Exit status after Ctrl-C, as shells report a SIGINT death. */
const INTERRUPTED = 130;

const OPTIONS = {
  videos: { type: 'string', value: 'DIR', env: 'SEALCAST_VIDEOS', default: './videos', help: 'the video library (as for serve --videos)' },
  data: { type: 'string', value: 'DIR', env: 'SEALCAST_DATA', default: './data', help: 'data directory: ladders go to DIR/media, where serve looks for them' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
} as const;

export const INGEST_HELP: CommandHelp = {
  usage: 'sealcast ingest [--videos DIR] [--data DIR] [TITLE...]',
  summary:
    'Transcodes titles into their HLS ladder ahead of time, locally, into the cache the server\n' +
    'uses: a later "sealcast serve" with the same --videos and --data starts with them ready.\n' +
    'Without TITLE, every file in the library (TITLE is the file name without extension).\n' +
    'Titles already in the cache (same files, sizes and times) are skipped. A broken file is\n' +
    'reported with the reason and the others go on. It may run beside a server: a title one\n' +
    'of them is transcoding is locked, and the other waits for that result instead of redoing it.',
  options: OPTIONS,
  notes: 'Exit codes: 0 every title ready · 1 a file failed or a TITLE is not in the library · 2 usage error · 130 interrupted',
};

type Outcome = 'transcoded' | 'cached' | 'failed' | 'skipped';

export async function run(argv: string[]): Promise<number> {
  const p = parseCommandLine(argv, OPTIONS);
  if (p.values.help) {
    process.stdout.write(formatHelp(INGEST_HELP));
    return EXIT.OK;
  }
  // Resolved like serve does: the cache key includes each source's absolute path.
  const videosDir = resolve(stringOption(p, 'videos') ?? './videos');
  const dataDir = resolve(stringOption(p, 'data') ?? './data');
  if (!existsSync(videosDir) || !statSync(videosDir).isDirectory()) {
    throw new CliError(`no video library at ${videosDir} (give it with --videos DIR)`, EXIT.USAGE);
  }
  const names = [...new Set(p.positionals)];
  for (const n of names) {
    try {
      checkTitleName(n);
    } catch (e) {
      throw new CliError(`"${terminalSafe(n)}" cannot be a title: ${(e as Error).message}`, EXIT.USAGE);
    }
  }

  const say = (line: string) => process.stderr.write(line + '\n');
  const print = ingestProgressPrinter();
  const problems: string[] = [];
  const logger: MediaLogger = {
    info() {},
    warn(obj, msg) {
      const o = obj as { title?: string; file?: string };
      // Titles report through 'failed'; a warning about a bare file is a name that cannot be a title.
      if (!o.title && o.file) {
        problems.push(o.file);
        say(`skipped ${basename(o.file)}: ${msg ?? 'unusable'}`);
      } else if (!o.title) say(`warning: ${msg ?? ''} ${JSON.stringify(obj)}`);
    },
    error(obj, msg) {
      say(`error: ${msg ?? ''} ${JSON.stringify(obj)}`);
    },
  };
  const library = new MediaLibrary({ videosDir, cacheDir: join(dataDir, 'media'), logger, ...(names.length ? { titles: names } : {}) });
  const outcomes = new Map<string, Outcome>();
  const transcoding = new Set<string>();
  let settle: () => void = () => {};
  const allSettled = new Promise<void>((r) => (settle = r));
  let expected = Infinity;
  const record = (name: string, outcome: Outcome) => {
    outcomes.set(name, outcome);
    if (outcomes.size >= expected) settle();
  };
  library.on('progress', (e: { name: string; percent: number; speed?: number }) => {
    transcoding.add(e.name);
    print(e);
  });
  library.on('ready', (name: string) => {
    print({ name, percent: 100, done: true });
    record(name, transcoding.has(name) ? 'transcoded' : 'cached');
  });
  library.on('failed', (f: TitleFailure) => {
    if (f.hidden) {
      say(`skipped ${f.error.replace(/: not a readable media file:.*$/, '')}: not a video`);
      record(f.name, 'skipped');
      return;
    }
    print({ name: f.name, percent: 0, done: true, error: f.error });
    record(f.name, 'failed');
  });

  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    say('\ninterrupted: the title being transcoded is discarded and redone next time');
    settle();
  };
  process.once('SIGINT', onSigint);
  try {
    await library.start();
    const titles = library.list().map((t) => t.name);
    for (const n of names.filter((n) => !titles.includes(n))) {
      problems.push(n);
      say(`no video called "${terminalSafe(n)}" in ${videosDir}`);
    }
    if (titles.length === 0 && names.length === 0) say(`no videos in ${videosDir}`);
    expected = titles.length;
    if (outcomes.size >= expected) settle();
    await allSettled;
  } finally {
    process.off('SIGINT', onSigint);
    await library.close();
  }
  if (interrupted) return INTERRUPTED;
  const count = (o: Outcome) => [...outcomes.values()].filter((x) => x === o).length;
  const failed = count('failed') + problems.length;
  const summary = [`${count('transcoded')} transcoded`, `${count('cached')} up to date`, ...(failed ? [`${failed} failed`] : [])];
  const titles = outcomes.size - count('skipped');
  process.stdout.write(`${titles} title${titles === 1 ? '' : 's'}: ${summary.join(', ')} (cache: ${join(dataDir, 'media')})\n`);
  return failed > 0 ? EXIT.FAILED : EXIT.OK;
}
