import type { SealcastClient } from '../client/index.js';
import { toCliError } from './client-session.js';
import { formatTime, parseSeek } from './media-time.js';
import type { ResolvedPlayer } from './player-choice.js';
import { policyName } from './policy-arg.js';
import { terminalSafe } from './sanitize.js';
import type { TerminalPrinter } from './terminal-printer.js';
import { describePlayback, openSink, Playback } from './video-player.js';
import { titleRow } from './video-list.js';

/** The video lines of connect's help. */
export const VIDEO_COMMANDS_HELP = `  /videos            the server's videos: duration, renditions, state
  /play TITLE [POLICY]  play TITLE (policy abr, thirds or fixed:720p) in the --player
  /seek 2:05         jump there while playing; /seek +10 or /seek -10 moves by seconds
  /stop              end the video (chat goes on all along)`;

/** "movie thirds" → movie, thirds; "my film" → "my film"; '"my film" fixed:240p' → quoted title, policy. */
export function parsePlayArgs(rest: string): { title: string; policy: string } | undefined {
  const s = rest.trim();
  if (!s) return undefined;
  const quoted = /^"([^"]+)"\s*(\S*)$/.exec(s);
  if (quoted) {
    const policy = quoted[2] ? policyName(quoted[2]) : 'abr';
    return policy ? { title: quoted[1]!, policy } : undefined;
  }
  const words = s.split(/\s+/);
  const last = words.at(-1)!;
  const policy = words.length > 1 ? policyName(last) : undefined;
  if (policy) return { title: s.slice(0, s.length - last.length).trim(), policy };
  return { title: s, policy: 'abr' };
}

/**
 * connect's /videos, /play, /seek and /stop. One video at a time; it streams on
 * the same connection as chat, its lines go through the same printer, and with
 * the terminal player the picture sits above the chat rows.
 */
export class ConnectVideo {
  private playback: Playback | undefined;

  /** `choice` comes from choosePlayer(), made before login so a player that cannot work is a usage error. */
  constructor(
    private readonly client: SealcastClient,
    private readonly ui: TerminalPrinter,
    private readonly choice: { player: ResolvedPlayer; why?: string },
  ) {}

  /** Handles a video command; false when `cmd` is not one. */
  async handle(cmd: string, line: string): Promise<boolean> {
    const rest = line.replace(/^\/\S+\s*/, '');
    switch (cmd) {
      case '/videos':
        await this.list();
        return true;
      case '/play': {
        const args = parsePlayArgs(rest);
        if (!args) this.ui.line('usage: /play TITLE [abr|thirds|fixed:HEIGHTp]  (see /videos; quote a title ending in a policy-like word)');
        else await this.play(args.title, args.policy);
        return true;
      }
      case '/seek':
        this.seek(rest.trim());
        return true;
      case '/stop':
        if (!this.playback) this.ui.line(this.ui.dim('nothing is playing'));
        else await this.stop();
        return true;
      default:
        return false;
    }
  }

  private async list(): Promise<void> {
    try {
      const titles = await this.client.listVideos();
      if (titles.length === 0) this.ui.line(this.ui.dim('the library is empty'));
      for (const t of titles) this.ui.line(titleRow(t));
    } catch (e) {
      this.ui.line(this.ui.red(`cannot list videos: ${toCliError(e).message}`));
    }
  }

  private async play(title: string, policy: string): Promise<void> {
    if (this.playback) await this.stop();
    const { player, why } = this.choice;
    const shown = terminalSafe(title);
    const sink = openSink(player, {
      title: shown,
      layout: 'above-prompt',
      paced: true,
      onLayout: () => this.ui.redrawPrompt(),
      hint: '/stop ends · /seek ±S',
    });
    let playback: Playback;
    try {
      playback = await Playback.open(this.client, title, {
        policy,
        startMs: 0,
        sink,
        onStart: (s) => {
          const where = player === 'none' ? `receive only (${why ?? '--player none'}): received at its pace and dropped` : `in ${sink.label}`;
          this.ui.line(`${this.ui.sym(this.ui.green('\u25b6 '), '')}playing ${shown} (${formatTime(s.durationMs)}, ${s.renditions.map((r) => `${r.height}p`).join('/')}) ${where}. /seek 2:05 or +10/-10 jumps, /stop ends`);
        },
        onSeeked: (ms) => this.ui.line(this.ui.dim(`  now at ${formatTime(ms)}`)),
        onError: (m) => this.ui.line(this.ui.red(`video: ${m}`)),
        onSinkClosed: (w) => this.ui.line(this.ui.yellow(`${w}: stopping the video`)),
      });
    } catch (e) {
      await sink.close();
      this.ui.line(this.ui.red(`cannot play ${shown}: ${toCliError(e).message}`));
      return;
    }
    this.playback = playback;
    void playback.done.then((r) => {
      if (this.playback === playback) this.playback = undefined;
      const line = `${this.ui.sym('\u25a0 ', '')}video ${shown} ${describePlayback(r)}`;
      this.ui.line(r.reason === 'error' || r.reason === 'lost' ? this.ui.red(line) : this.ui.dim(line));
    });
  }

  private seek(arg: string): void {
    const p = this.playback;
    if (!p) return this.ui.line(this.ui.dim('nothing is playing'));
    const duration = p.info ? formatTime(p.info.durationMs) : '?';
    if (!arg) return this.ui.line(this.ui.dim(`at ${formatTime(p.position())} of ${duration}`));
    const target = parseSeek(arg);
    if (!target) return this.ui.line('usage: /seek M:SS (a position), or /seek +S / -S (seconds from here)');
    const ms = p.seek(target.kind === 'absolute' ? target.ms : p.position() + target.ms);
    this.ui.line(this.ui.dim(`  seeking to ${formatTime(ms)} of ${duration}`));
  }

  /** Stops the video and waits for its summary line (the server confirms within a segment). */
  async stop(): Promise<void> {
    const p = this.playback;
    if (!p) return;
    p.stop();
    await p.done;
  }

  /** The connection dropped: the server forgot the stream. */
  disconnected(why: string): void {
    this.playback?.abandon(why);
  }
}
