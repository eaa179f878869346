import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { ReceivedSegment } from '../../client/index.js';
import { CliError, EXIT } from '../cli-error.js';
import { looksLikeUrl } from './send.js';
import { connectSession, createSession, sessionInput, toCliError } from '../client-session.js';
import { CLIENT_ENVIRONMENT, CLIENT_OPTIONS, EXIT_CODES_HELP, formatHelp, parseCommandLine, stringOption, type CommandHelp } from '../options.js';

const OPTIONS = {
  policy: { type: 'string', help: 'abr (default) | thirds | fixed:720p' },
  player: { type: 'string', help: 'auto (default: ffplay or mpv when on PATH) | ffplay | mpv | none' },
  out: { type: 'string', help: 'write the received MPEG-TS stream to FILE, or to standard output with -' },
  at: { type: 'string', help: 'start at this position (seconds, or M:SS)' },
  throttle: { type: 'string', help: 'pretend the link is this slow, in kbit/s (to try the ABR policy)' },
  ...CLIENT_OPTIONS,
} as const;

export const PLAY_HELP: CommandHelp = {
  usage: 'sealcast play [URL] --name ME TITLE [options]',
  summary: 'Streams TITLE over the authenticated connection (nothing is saved unless --out says so).\nCtrl-C stops the stream at once. Messages waiting for you are left on the server.',
  options: OPTIONS,
  notes: `${CLIENT_ENVIRONMENT}\n\n${EXIT_CODES_HELP}`,
};

function parsePosition(raw: string): number {
  const m = /^(?:(\d+):)?(\d+(?:\.\d+)?)$/.exec(raw.trim());
  if (!m) throw new CliError(`--at takes seconds or M:SS, not "${raw}"`, EXIT.USAGE);
  return (Number(m[1] ?? 0) * 60 + Number(m[2])) * 1000;
}

function onPath(cmd: string): boolean {
  return spawnSync(cmd, ['-version'], { stdio: 'ignore' }).status === 0 || spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Where segments go: a file, stdout, a player's stdin, or nowhere. */
function openSink(player: string, out: string | undefined): { sink: Writable | undefined; child?: ChildProcess; label: string } {
  if (out === '-') return { sink: process.stdout, label: 'standard output' };
  if (out) return { sink: createWriteStream(out), label: out };
  if (player === 'none') return { sink: undefined, label: 'nowhere (--player none)' };
  const choice = player === 'auto' ? (onPath('ffplay') ? 'ffplay' : onPath('mpv') ? 'mpv' : undefined) : player;
  if (!choice) throw new CliError('no player found: install ffplay (ffmpeg) or mpv, or use --out FILE or --player none', EXIT.USAGE);
  if (choice !== 'ffplay' && choice !== 'mpv') throw new CliError(`unknown player "${choice}": use auto, ffplay, mpv or none`, EXIT.USAGE);
  const args = choice === 'ffplay' ? ['-hide_banner', '-loglevel', 'error', '-autoexit', '-i', '-'] : ['--really-quiet', '-'];
  const child = spawn(choice, args, { stdio: ['pipe', 'ignore', 'inherit'] });
  return { sink: child.stdin!, child, label: choice };
}

function write(sink: Writable, data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (sink.write(data)) resolve();
    else {
      sink.once('drain', resolve);
      sink.once('error', reject);
    }
  });
}

export async function run(argv: string[]): Promise<number> {
  const p = parseCommandLine(argv, OPTIONS);
  if (p.values.help) {
    process.stdout.write(formatHelp(PLAY_HELP));
    return EXIT.OK;
  }
  const values = { policy: stringOption(p, 'policy'), player: stringOption(p, 'player'), out: stringOption(p, 'out'), at: stringOption(p, 'at'), throttle: stringOption(p, 'throttle') };
  const [url, title] = looksLikeUrl(p.positionals[0]) ? [p.positionals[0], p.positionals[1]] : [undefined, p.positionals[0]];
  if (p.positionals.length > (url ? 2 : 1)) throw new CliError(`unexpected argument "${p.positionals.at(-1)}" (quote a title with spaces)`, EXIT.USAGE);
  if (!title) throw new CliError('give the title to play (see "sealcast videos")', EXIT.USAGE);
  const startMs = values.at ? parsePosition(values.at) : 0;
  const throttle = values.throttle ? Number(values.throttle) : undefined;
  if (throttle !== undefined && !(throttle > 0)) throw new CliError('--throttle takes a positive kbit/s figure', EXIT.USAGE);
  const player = values.player ?? 'auto';
  if (!['auto', 'ffplay', 'mpv', 'none'].includes(player)) throw new CliError(`unknown player "${player}": use auto, ffplay, mpv or none`, EXIT.USAGE);
  const session = await createSession(sessionInput(p, url, { receive: false }));
  await connectSession(session);
  const { client } = session;
  let opened: ReturnType<typeof openSink>;
  try {
    opened = openSink(player, values.out);
  } catch (e) {
    await client.close();
    throw e;
  }
  const { sink, child, label } = opened;
  const say = (l: string) => process.stderr.write(l + '\n');
  try {
    const stream = await client.play(title, { policy: values.policy ?? 'abr', startMs, initialCredit: 3 });
    const heights: number[] = [];
    let firstAt = 0;
    let mediaMs = 0;
    let queue = Promise.resolve();
    const done = new Promise<{ reason: string; error?: string }>((resolve) => stream.on('end', resolve));
    stream.on('start', (s) => say(`playing "${title}" (${Math.round(s.durationMs / 1000)} s, ${s.renditions.map((r) => `${r.height}p`).join('/')}) from segment ${s.startSegment} to ${label}`));
    stream.on('error', (e) => say(`stream error: ${e.message}`));
    stream.on('segment', (seg: ReceivedSegment) => {
      queue = queue.then(async () => {
        firstAt ||= Date.now();
        if (sink && !sink.destroyed) await write(sink, seg.data).catch(() => stream.stop());
        let ms = seg.receiveMs;
        if (throttle) {
          const wait = (seg.data.byteLength * 8) / throttle; // ms at the pretend link speed
          await new Promise((r) => setTimeout(r, wait));
          ms += wait;
        }
        heights.push(seg.height);
        mediaMs += seg.durationMs;
        const bufferMs = Math.max(0, mediaMs - (Date.now() - firstAt));
        say(`segment ${seg.index} ${seg.height}p ${(seg.data.byteLength / 1024).toFixed(0)} KiB`);
        stream.credit(1, { throughputKbps: (seg.data.byteLength * 8) / ms, bufferMs });
      });
    });
    const stop = () => {
      say('stopping…');
      stream.stop();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // A player closed by the user (or one that cannot open a display) ends the stream too.
    child?.once('exit', () => stream.stop());
    sink?.on('error', () => stream.stop());
    const end = await done;
    await queue;
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (sink && sink !== process.stdout) await new Promise<void>((r) => sink.end(r));
    const tally = new Map<number, number>();
    for (const h of heights) tally.set(h, (tally.get(h) ?? 0) + 1);
    say(`${end.reason}: ${heights.length} segments (${[...tally].map(([h, n]) => `${h}p×${n}`).join(' ')})${end.error ? `: ${end.error}` : ''}`);
    if (child) await new Promise((r) => child.once('close', r));
    return end.reason === 'error' ? EXIT.FAILED : EXIT.OK;
  } catch (e) {
    child?.kill();
    throw toCliError(e);
  } finally {
    await client.close();
  }
}
