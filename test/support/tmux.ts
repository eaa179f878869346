import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** tmux is there (the terminal tests are skipped without it). */
export const hasTmux = spawnSync('tmux', ['-V']).status === 0;

/**
 * A private tmux server (its own socket) for one test file: sessions of other test
 * files running at the same time cannot touch it, and a keep-alive session stops
 * it from exiting, and racing the next new-session, whenever a test kills the
 * last of its sessions. `kill()` when the file is done.
 */
export class TmuxServer {
  readonly socket = `sealcast-test-${randomBytes(4).toString('hex')}`;

  constructor() {
    this.run('new-session', '-d', '-s', 'keep-alive', 'sleep 86400');
  }

  run(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  /** A value of a pane's format variables, e.g. "#{alternate_on}". */
  format(session: string, format: string): string {
    return this.run('display-message', '-p', '-t', session, format).trim();
  }

  /** Polls the visible screen until `pred` holds; throws with the last screen otherwise. */
  async screenShows(session: string, pred: (screen: string) => boolean, ms = 20_000): Promise<string> {
    const deadline = Date.now() + ms;
    let screen = '';
    while (Date.now() < deadline) {
      screen = this.run('capture-pane', '-p', '-t', session);
      if (pred(screen)) return screen;
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`screen never matched; last screen:\n${screen}`);
  }

  killSession(session: string): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-session', '-t', session]);
  }

  kill(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
  }
}
