import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CliError } from './cli-error.js';
import { choosePlayer, parsePlayer, type PlayerContext } from './player-choice.js';

const ctx = (installed: string[], tty: boolean, display: boolean): PlayerContext => ({ onPath: (c) => installed.includes(c), tty, display });

test('auto: a real player when one is installed and has a display, else the terminal, else nothing', () => {
  assert.deepEqual(choosePlayer('auto', ctx(['ffplay', 'mpv'], true, true)), { player: 'ffplay' });
  assert.deepEqual(choosePlayer('auto', ctx(['mpv'], false, true)), { player: 'mpv' });
  const headless = choosePlayer('auto', ctx(['ffplay'], true, false));
  assert.equal(headless.player, 'terminal');
  assert.match(headless.why!, /no display for ffplay/);
  const bare = choosePlayer('auto', ctx([], true, true));
  assert.equal(bare.player, 'terminal');
  assert.match(bare.why!, /neither ffplay nor mpv/);
  const pipe = choosePlayer('auto', ctx([], false, false));
  assert.equal(pipe.player, 'none');
  assert.match(pipe.why!, /not a terminal/);
});

test('an explicit player that cannot work here is a usage error (exit 2)', () => {
  assert.throws(() => choosePlayer('mpv', ctx(['ffplay'], true, true)), (e: unknown) => e instanceof CliError && e.exitCode === 2 && /mpv is not on PATH/.test(e.message));
  assert.throws(() => choosePlayer('terminal', ctx([], false, true)), /not one/);
  assert.deepEqual(choosePlayer('terminal', ctx([], true, false)), { player: 'terminal' });
  assert.deepEqual(choosePlayer('none', ctx([], false, false)), { player: 'none' });
  assert.deepEqual(choosePlayer('ffplay', ctx(['ffplay'], false, false)), { player: 'ffplay' }, 'asked for: tried even without a display');
});

test('parsePlayer accepts the documented names only', () => {
  assert.equal(parsePlayer(undefined), 'auto');
  assert.equal(parsePlayer('Terminal'), 'terminal');
  assert.throws(() => parsePlayer('vlc'), /unknown player "vlc": use auto, ffplay, mpv, terminal, none/);
});
