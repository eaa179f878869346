import { spawn, type ChildProcess } from 'node:child_process';
import { writeTo, type VideoSink } from './video-sink.js';

/** A player's command line; `extra` (subtitle files) goes before the input. */
export function playerArgs(name: 'ffplay' | 'mpv', extra: readonly string[] = []): string[] {
  return name === 'ffplay' ? ['-hide_banner', '-loglevel', 'error', '-autoexit', ...extra, '-i', '-'] : ['--really-quiet', ...extra, '-'];
}

interface Player {
  child: ChildProcess;
  exited: Promise<void>;
  /** We ended or killed it: its exit is expected, not the user closing it. */
  ours: boolean;
}

/**
 * ffplay or mpv reading the stream on its standard input. The player starts with
 * the first segment (so an unknown title opens no window) and paces the stream:
 * its pipe fills, our writes wait, credit stops. A seek restarts it, since what it
 * has buffered is from before the jump. When it exits on its own (window closed,
 * no display), `closed` says so and the playback stops.
 */
export function externalPlayerSink(name: 'ffplay' | 'mpv', extraArgs: readonly string[] = []): VideoSink {
  let player: Player | undefined;
  let shut = false;
  let closedBy: (why: string) => void = () => {};
  const closed = new Promise<string>((r) => (closedBy = r));

  const launch = (): Player => {
    const child = spawn(name, playerArgs(name, extraArgs), { stdio: ['pipe', 'ignore', 'inherit'] });
    const p: Player = { child, ours: false, exited: new Promise((resolve) => child.once('close', () => resolve())) };
    child.once('error', (e) => closedBy(`cannot run ${name}: ${e.message}`));
    child.once('exit', (code, signal) => {
      if (!p.ours) closedBy(`${name} exited${signal ? ` (${signal})` : code ? ` with status ${code}` : ''}`);
    });
    child.stdin!.on('error', () => undefined); // EPIPE once it is gone: reported through `closed`
    return p;
  };
  const kill = (p: Player | undefined) => {
    if (!p) return;
    p.ours = true;
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill();
  };

  return {
    label: name,
    start() {},
    write(seg) {
      if (shut) return Promise.resolve();
      player ??= launch();
      return writeTo(player.child.stdin!, seg.data);
    },
    seeked() {
      kill(player);
      player = undefined;
    },
    async drain() {
      const p = player;
      if (!p || shut) return;
      p.ours = true;
      p.child.stdin!.end();
      await p.exited; // it shows what it has buffered, then exits (ffplay -autoexit; mpv does at EOF)
    },
    async close() {
      shut = true;
      kill(player);
      await player?.exited;
    },
    closed,
  };
}
