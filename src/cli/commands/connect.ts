import { renameSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { generateIdentity, isClientError, type PeerView, type SealcastClient } from '../../client/index.js';
import { EXIT } from '../cli-error.js';
import { connectSession, createSession, sessionInput, toCliError } from '../client-session.js';
import { pendingRotationPath, saveIdentity } from '../identity-file.js';
import { ConnectVideo, VIDEO_COMMANDS_HELP } from '../connect-video.js';
import { askForName } from '../name-prompt.js';
import { CLIENT_ENVIRONMENT, CLIENT_OPTIONS, EXIT_CODES_HELP, formatHelp, parseCommandLine, stringOption, type CommandHelp } from '../options.js';
import { choosePlayer, parsePlayer, PLAYER_HELP, playerContext } from '../player-choice.js';
import { terminalSafe } from '../sanitize.js';
import { TerminalPrinter } from '../terminal-printer.js';

const OPTIONS = {
  player: { type: 'string', value: 'PLAYER', env: 'SEALCAST_PLAYER', default: 'auto', help: `for /play: ${PLAYER_HELP.replace(')', ', else receive only)')}` },
  ...CLIENT_OPTIONS,
} as const;

export const CONNECT_HELP: CommandHelp = {
  usage: 'sealcast connect [URL] [--name NAME] [--player PLAYER]   (on a terminal, asks for NAME when not given)',
  summary: `Interactive client: the roster, messages as they arrive, and these commands:
  text               send to the last peer (the last one you wrote to or who wrote to you)
  /msg NAME text     send to NAME                 /all text        send to everyone
  /who               who is registered, online, and their key fingerprints
  /verify NAME       both fingerprints and the safety number to compare with NAME out of band
  /verify NAME yes   mark NAME verified after comparing
  /accept NAME       accept NAME's changed key (sending to NAME is refused until then)
  /rotate            replace your own key (peers are told, signed by your old key)
${VIDEO_COMMANDS_HELP}
  /help              this list                    /quit            leave (also Ctrl-D, Ctrl-C)
Incoming lines are printed above the prompt and leave what you are typing intact; with the
terminal player the video is drawn above the chat rows.
Without a terminal (a pipe) it reads commands line by line and prints without escape codes;
with no player there a video is received at its pace and dropped (receive only).`,
  options: OPTIONS,
  notes: `${CLIENT_ENVIRONMENT}\n\n${EXIT_CODES_HELP}`,
};

const COMMAND_HELP =
  'commands: /msg NAME text · /all text · /who · /verify NAME [yes] · /accept NAME · /rotate · ' +
  '/videos · /play TITLE [POLICY] · /seek 2:05|+10|-10 · /stop · /help · /quit';

function clock(ts: number): string {
  return new Date(ts).toTimeString().slice(0, 5);
}

export async function run(argv: string[]): Promise<number> {
  const p = parseCommandLine(argv, OPTIONS);
  if (p.values.help) {
    process.stdout.write(formatHelp(CONNECT_HELP));
    return EXIT.OK;
  }
  const interactive = !!process.stdout.isTTY && !!process.stdin.isTTY;
  // Before login: a player that cannot work here is a usage error with nothing started.
  const player = choosePlayer(parsePlayer(stringOption(p, 'player')), playerContext(interactive && process.env.TERM !== 'dumb'));
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: interactive });
  // Hold input until the line handler exists: piped commands (and an early EOF) would
  // otherwise be read, and lost, while we are still logging in.
  rl.pause();
  const ui = new TerminalPrinter(rl);
  rl.setPrompt(interactive ? '> ' : '');
  let session;
  try {
    const base = sessionInput(p, p.positionals[0], { autoReconnect: true, note: (l) => ui.line(ui.dim(l)) });
    // On a terminal without --name, ask for one (and again while it is taken); scripts keep --name.
    const name = base.name ?? (interactive ? await askForName(rl, base, (l) => ui.line(ui.yellow(l))) : undefined);
    session = await createSession({ ...base, name });
  } catch (e) {
    rl.close();
    throw e;
  }
  const { client, identityFile } = session;
  const video = new ConnectVideo(client, ui, player);
  let lastPeer: string | undefined;

  const trustLabel = (v: PeerView) =>
    v.isSelf ? ui.dim('(you)') : v.trust === 'changed' ? ui.red('KEY CHANGED, not accepted') : v.trust === 'verified' ? ui.green('verified') : ui.dim('unverified');
  const showWho = (peers: PeerView[]) => {
    if (peers.length === 0) ui.line(ui.dim('nobody is registered yet'));
    for (const v of peers) {
      const dot = v.online ? ui.green(ui.sym('●', '*')) : ui.dim(ui.sym('○', '-'));
      ui.line(`${dot} ${v.name.padEnd(16)} ${v.digits}  ${trustLabel(v)}`);
    }
  };

  client.on('message', (m) => {
    if (!m.toAll) lastPeer = m.from;
    const who = m.toAll ? `${ui.cyan(m.from)} ${ui.dim(ui.sym('→', '->') + ' all')}` : ui.cyan(m.from);
    const flagText = m.verified ? '' : ' ' + ui.red(`[UNVERIFIED: ${m.from}'s key changed; /verify ${m.from}]`);
    ui.line(`${ui.dim(clock(m.ts))} ${who}: ${terminalSafe(m.text)}${flagText}`);
  });
  client.on('delivered', (d) => {
    ui.line(ui.dim(`  ${ui.sym('✓', '+')} delivered to ${d.by} (${d.id.slice(0, 8)})`));
  });
  client.on('refused', (r) => {
    ui.line(ui.red(`  ${ui.sym('✗', 'x')} ${r.by} rejected your message ${r.id.slice(0, 8)} unread (${r.code})`));
  });
  client.on('joined', (j) => ui.line(ui.dim(`${ui.sym('→', '+')} ${j.name} joined`)));
  client.on('left', (l) => ui.line(ui.dim(`${ui.sym('←', '-')} ${l.name} left`)));
  client.on('rejected', (r) => ui.line(ui.red(`${ui.sym('✗', 'x')} rejected a message claiming to be from ${r.from}: ${r.code} (${r.reason})`)));
  client.on('keyChanged', (k) => {
    ui.line(ui.red([
      `!!! WARNING: THE KEY OF ${k.name.toUpperCase()} HAS CHANGED !!!`,
      `    trusted key: ${k.previousDigits}`,
      `    new key:     ${k.currentDigits}`,
      `    ${k.name} may have a new key (rotation, new device, lost key), or someone is impersonating ${k.name}.`,
      `    Refusing to send to ${k.name} until /accept ${k.name}.`,
      `    First compare safety numbers with ${k.name} in person or on a call: /verify ${k.name}`,
    ].join('\n')));
  });
  client.on('disconnected', (d) => {
    video.disconnected(`connection lost (${d.code})`);
    if (d.willReconnect) ui.line(ui.yellow(`connection lost (${d.code}); reconnecting…`));
    else {
      const why = d.code === 4011 ? 'you logged in elsewhere' : d.reason || String(d.code);
      ui.line(ui.red(`disconnected: ${why}`));
      exitCode = EXIT.FAILED;
      rl.close();
    }
  });
  client.on('reconnected', () => ui.line(ui.green('reconnected')));
  client.on('error', (e) => {
    // A seek or stop racing the end of a stream the server already finished: the playback copes.
    if (e.code === 'UNKNOWN_STREAM') return;
    ui.line(ui.red(`error: ${e.code}: ${e.message}`));
  });

  let exitCode: number = EXIT.OK;
  try {
    await connectSession(session);
  } catch (e) {
    rl.close();
    throw e;
  }
  ui.line(`${ui.bold('sealcast')}: signed in as ${ui.cyan(client.name)}. ${COMMAND_HELP}`);
  showWho(client.peerList());

  const sendTo = async (to: string, text: string) => {
    if (!text.trim()) return ui.line(ui.dim('nothing to send'));
    try {
      const r = await client.send(to, text);
      if (to !== 'all') lastPeer = to.toLowerCase();
      const offline = r.stored > 0 ? ` (${r.stored} offline: kept until they log in)` : '';
      ui.line(ui.dim(`  sent ${r.id.slice(0, 8)} to ${to}${offline}`));
    } catch (e) {
      const peers = isClientError(e, 'KEY_CHANGED') ? ((e.detail?.peers as string[] | undefined) ?? []) : [];
      if (peers.length > 0) {
        ui.line(ui.red(`not sent: the key of ${peers.join(', ')} changed. Refusing to send to ${peers.join(', ')} until ` +
          `${peers.map((n) => `/accept ${n}`).join(', ')} (compare safety numbers first: ${peers.map((n) => `/verify ${n}`).join(', ')}).`));
      } else ui.line(ui.red(`not sent: ${toCliError(e).message}`));
    }
  };

  const verify = async (name: string, confirm: boolean) => {
    try {
      const v = await client.verification(name);
      const rows: [string, string][] = [
        ...(v.pendingChange && v.trusted ? [[`${name}'s trusted key`, v.trusted] as [string, string]] : []),
        ['your key', v.mine],
        [`${name}'s ${v.pendingChange ? 'NEW key (not accepted)' : 'key'}`, v.theirs],
        ['safety number', ui.bold(v.safetyNumber)],
      ];
      const w = Math.max(...rows.map(([label]) => label.length)) + 2;
      for (const [label, value] of rows) ui.line(`${(label + ':').padEnd(w)}${value}`);
      if (confirm) {
        if (v.pendingChange) ui.line(ui.red(`accept the new key first: /accept ${name}`));
        else ui.line(client.markVerified(name) ? ui.green(`${name} marked verified`) : ui.red(`cannot mark ${name} verified`));
      } else {
        ui.line(ui.dim(`compare the safety number with ${name} in person or on a call; if it matches: ` +
          (v.pendingChange ? `/accept ${name}, then /verify ${name} yes` : `/verify ${name} yes`)));
      }
    } catch (e) {
      ui.line(ui.red(toCliError(e).message));
    }
  };

  const handle = async (input: string): Promise<boolean> => {
    const line = input.trim();
    if (!line) return true;
    if (!line.startsWith('/')) {
      if (!lastPeer) ui.line(ui.dim('no last peer yet: use /msg NAME text or /all text'));
      else await sendTo(lastPeer, line);
      return true;
    }
    const [cmd = '', arg1, arg2] = line.split(/\s+/);
    if (await video.handle(cmd.toLowerCase(), line)) return true;
    switch (cmd.toLowerCase()) {
      case '/quit':
      case '/exit':
      case '/q':
        return false;
      case '/help':
        ui.line(COMMAND_HELP);
        return true;
      case '/who':
        try {
          showWho(await client.who());
        } catch {
          showWho(client.peerList());
        }
        return true;
      case '/msg':
      case '/m': {
        const m = /^\/\S+\s+(\S+)\s+([\s\S]+)$/.exec(line);
        if (!m) ui.line('usage: /msg NAME text');
        else await sendTo(m[1]!, m[2]!);
        return true;
      }
      case '/all':
        await sendTo('all', line.replace(/^\/\S+\s*/, ''));
        return true;
      case '/verify':
        if (!arg1) ui.line('usage: /verify NAME [yes]');
        else await verify(arg1, arg2 === 'yes');
        return true;
      case '/accept':
        if (!arg1) ui.line('usage: /accept NAME');
        else if (client.acceptKey(arg1)) ui.line(ui.green(`accepted the new key of ${arg1}; compare safety numbers to mark it verified: /verify ${arg1}`));
        else ui.line(ui.dim(`no changed key pending for ${arg1}`));
        return true;
      case '/rotate':
        await rotate(client, identityFile, ui);
        return true;
      default:
        ui.line(`unknown command ${cmd}. ${COMMAND_HELP}`);
        return true;
    }
  };

  return new Promise<number>((resolve) => {
    let queue = Promise.resolve(true);
    rl.on('line', (l) => {
      queue = queue.then(async (go) => (go ? handle(l) : false)).then((go) => {
        if (!go) rl.close();
        return go;
      });
    });
    rl.on('SIGINT', () => rl.close());
    // A stuck scroll region or hidden cursor would outlive us: leave through close.
    const term = () => rl.close();
    process.once('SIGTERM', term);
    rl.on('close', () => {
      process.off('SIGTERM', term);
      void video.stop();
      void queue
        .then(() => video.stop())
        .then(() => client.close())
        .catch((e: unknown) => {
          // The last save of peer keys and replay window failed (disk full, …): say so on the way out.
          process.stderr.write(`error: ${toCliError(e).message}\n`);
          exitCode = EXIT.FAILED;
        })
        .then(() => resolve(exitCode));
    });
    rl.resume();
    rl.prompt();
  });
}

/**
 * Key rotation that cannot lock us out: the new identity is written next to the old
 * one first; only when the server confirmed the rotation does it replace the old file.
 */
async function rotate(client: SealcastClient, idFile: string, ui: TerminalPrinter): Promise<void> {
  const pendingFile = pendingRotationPath(idFile);
  try {
    const next = await generateIdentity(client.identity.suite);
    await saveIdentity(pendingFile, next);
    await client.rotateKey(next);
    renameSync(pendingFile, idFile);
    ui.line(ui.green('your key was replaced; your peers are told, signed by your old key (they must /accept it). ' +
      'The old key is kept (identity.retired.json beside your identity) for messages still sealed to it.'));
  } catch (e) {
    // Only a definite refusal proves the server kept the old key; after a timeout or a
    // dropped connection it may have switched, so the new key must survive.
    if (isClientError(e) && (e.code === 'BAD_ROTATION' || e.code === 'NOT_CONNECTED' || e.code === 'RATE_LIMITED' || e.code === 'STORAGE_FAILED')) {
      rmSync(pendingFile, { force: true });
      ui.line(ui.red(`rotation refused: ${toCliError(e).message}`));
    } else {
      ui.line(ui.red(`rotation outcome unknown (${toCliError(e).message}). The new key is kept in ${pendingFile}; ` +
        `if your next login fails with NAME_TAKEN, move it over ${idFile}.`));
    }
  }
}
