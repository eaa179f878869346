import { CliError, EXIT } from '../cli-error.js';
import { looksLikeUrl } from './send.js';
import { connectSession, createSession, sessionInput, toCliError, type Session } from '../client-session.js';
import { formatTime, parseTime } from '../media-time.js';
import { CLIENT_ENVIRONMENT, CLIENT_OPTIONS, EXIT_CODES_HELP, flag, formatHelp, parseCommandLine, stringOption, type CommandHelp } from '../options.js';
import { pinnedGet } from '../pinned-get.js';
import { terminalSafe } from '../sanitize.js';
import { MAX_SUBTITLE_FETCH, parseSubtitleChoice, pickSubtitle, subtitleArgs, writeSubtitleFiles, type ListedSubtitle, type SubtitleChoice, type SubtitleFiles } from '../subtitle-files.js';
import { WatchReporter } from '../watch-reporter.js';
import { choosePlayer, parsePlayer, PLAYER_HELP, playerContext, type ResolvedPlayer } from '../player-choice.js';
import { POLICY_HELP, policyName } from '../policy-arg.js';
import { describePlayback, openSink, Playback } from '../video-player.js';

const OPTIONS = {
  policy: { type: 'string', value: 'POLICY', help: POLICY_HELP },
  player: { type: 'string', value: 'PLAYER', env: 'SEALCAST_PLAYER', default: 'auto', help: PLAYER_HELP },
  out: { type: 'string', value: 'FILE', help: 'write the received MPEG-TS stream to FILE, or to standard output with -' },
  at: { type: 'string', value: 'TIME', help: 'start at this position (seconds, M:SS or H:MM:SS)' },
  throttle: { type: 'string', value: 'KBPS', help: 'pretend the link is this slow, in kbit/s (to try the ABR policy)' },
  'start-over': { type: 'boolean', help: 'play from the beginning, not from where you stopped last time' },
  subtitles: {
    type: 'string', value: 'LANG', env: 'SEALCAST_SUBTITLES', default: 'auto',
    help: 'subtitles for ffplay/mpv: a language (en, fr…), off, or auto (your locale\'s language, else the\nfirst track); mpv gets every track (j switches), ffplay shows the chosen one',
  },
  ...CLIENT_OPTIONS,
} as const;

export const PLAY_HELP: CommandHelp = {
  usage: 'sealcast play [URL] --name ME TITLE [options]',
  summary:
    'Streams TITLE (a title, or one of its file names) over the authenticated connection (nothing is\n' +
    'saved unless --out says so). It starts where you stopped last time (--start-over, --at say otherwise);\n' +
    'ffplay, mpv and the terminal player keep the server told where you are.\n' +
    '--player terminal draws the video in this terminal (24-bit colour half blocks, no sound);\n' +
    'Ctrl-C stops the stream at once. Messages waiting for you are left on the server.',
  options: OPTIONS,
  notes: `${CLIENT_ENVIRONMENT}\n\n${EXIT_CODES_HELP}`,
};

export async function run(argv: string[]): Promise<number> {
  const p = parseCommandLine(argv, OPTIONS);
  if (p.values.help) {
    process.stdout.write(formatHelp(PLAY_HELP));
    return EXIT.OK;
  }
  const out = stringOption(p, 'out');
  const [url, title] = looksLikeUrl(p.positionals[0]) ? [p.positionals[0], p.positionals[1]] : [undefined, p.positionals[0]];
  if (p.positionals.length > (url ? 2 : 1)) throw new CliError(`unexpected argument "${p.positionals.at(-1)}" (quote a title with spaces)`, EXIT.USAGE);
  if (!title) throw new CliError('give the title to play (see "sealcast videos")', EXIT.USAGE);
  const at = stringOption(p, 'at');
  const startMs = at === undefined ? 0 : parseTime(at);
  if (startMs === undefined) throw new CliError(`--at takes seconds, M:SS or H:MM:SS, not "${at}"`, EXIT.USAGE);
  const throttleRaw = stringOption(p, 'throttle');
  const throttle = throttleRaw === undefined ? undefined : Number(throttleRaw);
  if (throttle !== undefined && !(throttle > 0)) throw new CliError('--throttle takes a positive kbit/s figure', EXIT.USAGE);
  const policyRaw = stringOption(p, 'policy') ?? 'abr';
  const policy = policyName(policyRaw);
  if (!policy) throw new CliError(`unknown policy "${policyRaw}": use ${POLICY_HELP}`, EXIT.USAGE);
  const requested = parsePlayer(stringOption(p, 'player'));
  const say = (l: string) => process.stderr.write(l + '\n');
  // Decided before connecting, so a player that cannot work is a usage error with nothing started.
  // --out takes the stream instead of any player.
  let player: ResolvedPlayer = 'none';
  if (!out) {
    const chosen = choosePlayer(requested, playerContext(!!process.stdout.isTTY && process.env.TERM !== 'dumb'));
    if (chosen.player === 'none' && requested === 'auto') {
      throw new CliError(`no player: ${chosen.why}. Install ffplay (ffmpeg) or mpv, or use --out FILE or --player none`, EXIT.USAGE);
    }
    player = chosen.player;
  }

  const subtitleChoice = parseSubtitleChoice(stringOption(p, 'subtitles'));
  if (!subtitleChoice) throw new CliError(`--subtitles takes a language such as en, or auto or off, not "${stringOption(p, 'subtitles')}"`, EXIT.USAGE);

  const session = await createSession(sessionInput(p, url, { receive: false }));
  await connectSession(session);
  const { client } = session;
  const listed = (await client.listVideos().catch(() => [])).find((t) => t.name === title || t.files.includes(title));
  // Past the end would play nothing and exit 0 as if it had worked.
  if (at !== undefined && listed && listed.durationMs > 0 && startMs >= listed.durationMs) {
    await client.close();
    throw new CliError(`--at ${at} is past the end of "${listed.name}" (${formatTime(listed.durationMs)})`, EXIT.USAGE);
  }
  let from = startMs;
  if (at === undefined && !flag(p, 'start-over') && listed && !listed.watched && listed.positionMs > 0) {
    from = listed.positionMs;
    say(`resuming at ${formatTime(from)} (--start-over plays it from the beginning)`);
  }
  const subs = player === 'ffplay' || player === 'mpv' ? await fetchSubtitles(session, listed?.subtitles ?? [], subtitleChoice, player, say) : undefined;
  const sink = openSink(player, { ...(out ? { out } : {}), title, layout: 'fullscreen', paced: false, hint: 'Ctrl-C stops', playerArgs: player === 'ffplay' || player === 'mpv' ? subtitleArgs(player, subs) : [] });
  const drawing = player === 'terminal' && !out;
  // Where you are is kept for the players that show the video; --out and none only receive it.
  let reporter: WatchReporter | undefined;
  try {
    const playback: Playback = await Playback.open(client, title, {
      policy,
      startMs: from,
      sink,
      ...(throttle ? { throttleKbps: throttle } : {}),
      onStart: (s) => {
        if (!drawing) say(`playing "${title}" (${formatTime(s.durationMs)}, ${s.renditions.map((r) => `${r.height}p`).join('/')}) from segment ${s.startSegment} to ${sink.label}`);
        if (!out && player !== 'none') {
          reporter = new WatchReporter(client, listed?.name ?? title, () => playback.position());
          reporter.start();
        }
      },
      // The picture owns the terminal while it is drawn: no per-segment lines then.
      onSegment: (seg) => {
        if (!drawing) say(`segment ${seg.index} ${seg.height}p ${(seg.data.byteLength / 1024).toFixed(0)} KiB`);
      },
      onError: (m) => {
        if (!drawing) say(`stream error: ${m}`);
      },
      onSinkClosed: (why) => say(`${why}: stopping`),
    });
    const stop = () => playback.stop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const result = await playback.done;
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    reporter?.finish(result.reason === 'finished');
    say(describePlayback(result));
    return result.reason === 'error' ? EXIT.FAILED : EXIT.OK;
  } catch (e) {
    throw toCliError(e);
  } finally {
    await sink.close(); // the terminal is restored before any error is printed
    subs?.remove();
    await client.close();
  }
}

/**
 * The title's subtitles for an external player, fetched over HTTPS from the same server with the
 * pinned certificate; a track that cannot be fetched is reported and left out, the video plays anyway.
 */
async function fetchSubtitles(
  session: Session,
  tracks: readonly ListedSubtitle[],
  choice: SubtitleChoice,
  player: 'ffplay' | 'mpv',
  say: (line: string) => void,
): Promise<SubtitleFiles | undefined> {
  const selected = pickSubtitle(tracks, choice);
  if (selected === undefined) {
    if (choice.kind === 'language' && tracks.length) say(`no ${choice.language} subtitles (there are: ${tracks.map((t) => t.language || t.label).join(', ')})`);
    return undefined;
  }
  const fingerprint = session.client.certFingerprint;
  if (!fingerprint) return undefined;
  const hex = Buffer.from(fingerprint).toString('hex');
  const wanted = player === 'mpv' ? tracks.map((_, i) => i) : [selected];
  const texts: string[] = [];
  let shown = 0;
  for (const i of wanted) {
    try {
      texts.push((await pinnedGet(`https://${session.hostPort}${tracks[i]!.path}`, hex, MAX_SUBTITLE_FETCH)).toString('utf8'));
      if (i === selected) shown = texts.length - 1;
    } catch (e) {
      say(`subtitles "${terminalSafe(tracks[i]!.label)}" left out: ${(e as Error).message}`);
    }
  }
  if (texts.length === 0) return undefined;
  say(`subtitles: ${terminalSafe(tracks[selected]!.label)}${player === 'mpv' && texts.length > 1 ? ` (${texts.length} tracks; j switches)` : ''}`);
  return writeSubtitleFiles(texts, shown);
}
