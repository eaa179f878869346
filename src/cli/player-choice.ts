import { spawnSync } from 'node:child_process';
import { CliError, EXIT } from './cli-error.js';

/** What `--player` accepts. */
export const PLAYER_NAMES = ['auto', 'ffplay', 'mpv', 'terminal', 'none'] as const;
export type PlayerName = (typeof PLAYER_NAMES)[number];
/** A player that was actually chosen. */
export type ResolvedPlayer = Exclude<PlayerName, 'auto'>;

/** Help text of `--player`, shared by play and connect. */
export const PLAYER_HELP = 'auto | ffplay | mpv | terminal | none\n(auto: ffplay or mpv with a display, else this terminal)';

/** What the choice depends on; the real one is `playerContext()`. */
export interface PlayerContext {
  onPath(cmd: string): boolean;
  /** Standard output (and, for connect, input) is a terminal we may draw in. */
  tty: boolean;
  /** A graphical session exists for a player window. */
  display: boolean;
}

/** `--player` checked: a usage error names the accepted values. */
export function parsePlayer(raw: string | undefined): PlayerName {
  const v = (raw ?? 'auto').trim().toLowerCase();
  if ((PLAYER_NAMES as readonly string[]).includes(v)) return v as PlayerName;
  throw new CliError(`unknown player "${raw}": use ${PLAYER_NAMES.join(', ')}`, EXIT.USAGE);
}

/**
 * The player to use. auto prefers a real player (with sound) when one is installed
 * and can open a window, then the terminal renderer, then nothing (receive only);
 * `why` says why auto settled for less. An explicit choice that cannot work here
 * is a usage error rather than a surprise later.
 */
export function choosePlayer(requested: PlayerName, ctx: PlayerContext): { player: ResolvedPlayer; why?: string } {
  switch (requested) {
    case 'ffplay':
    case 'mpv':
      if (!ctx.onPath(requested)) {
        throw new CliError(`${requested} is not on PATH: install it${requested === 'ffplay' ? ' (it comes with ffmpeg)' : ''}, or use --player terminal or none`, EXIT.USAGE);
      }
      return { player: requested };
    case 'terminal':
      if (!ctx.tty) throw new CliError('--player terminal draws in the terminal, but this is not one (output is redirected)', EXIT.USAGE);
      return { player: 'terminal' };
    case 'none':
      return { player: 'none' };
    case 'auto': {
      const installed = ctx.onPath('ffplay') ? 'ffplay' : ctx.onPath('mpv') ? 'mpv' : undefined;
      if (installed && ctx.display) return { player: installed };
      const missing = installed ? `no display for ${installed}` : 'neither ffplay nor mpv is installed';
      if (ctx.tty) return { player: 'terminal', why: `${missing}: drawing in the terminal` };
      return { player: 'none', why: `${missing} and this is not a terminal` };
    }
  }
}

function commandWorks(cmd: string): boolean {
  return spawnSync(cmd, ['-version'], { stdio: 'ignore' }).status === 0 || spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** The real context: PATH lookups (cached), the terminal flag given, a display from the environment. */
export function playerContext(tty: boolean, env: NodeJS.ProcessEnv = process.env): PlayerContext {
  const seen = new Map<string, boolean>();
  return {
    onPath: (cmd) => {
      if (!seen.has(cmd)) seen.set(cmd, commandWorks(cmd));
      return seen.get(cmd)!;
    },
    tty,
    // macOS and Windows always have a window system; elsewhere it is X11 or Wayland.
    display: process.platform === 'darwin' || process.platform === 'win32' || !!env.DISPLAY || !!env.WAYLAND_DISPLAY,
  };
}
