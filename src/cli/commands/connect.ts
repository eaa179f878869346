import { renameSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { generateIdentity } from '../../crypto/index.js';
import type { SealcastClient } from '../../client/index.js';
import { EXIT } from '../cli-error.js';
import { CLIENT_OPTIONS_HELP, openSession, parseCommand, toCliError } from '../client-session.js';
import { identityPath } from '../home.js';
import { saveIdentity } from '../identity-file.js';
import { TerminalPrinter } from '../terminal-printer.js';

export const CONNECT_HELP = `Usage: sealcast connect URL --name NAME

Interactive client: roster, messages as they arrive, commands:
  text               send to the last peer (the last one you wrote to or who wrote to you)
  /msg NAME text     send to NAME                /all text        send to everyone
  /who               who is registered, online, and their key fingerprints
  /verify NAME       fingerprints and the safety number to compare with NAME out of band
  /verify NAME yes   mark NAME verified after comparing
  /accept NAME       accept NAME's changed key (sending to NAME is blocked until then)
  /rotate            replace your own key (your peers are told, signed by your old key)
  /help              this list                   /quit            leave
${CLIENT_OPTIONS_HELP}
`;

const COMMAND_HELP = `commands: /msg NAME text · /all text · /who · /verify NAME [yes] · /accept NAME · /rotate · /help · /quit`;

function time(ts: number): string {
  return new Date(ts).toTimeString().slice(0, 5);
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {});
  if (values.help) {
    process.stdout.write(CONNECT_HELP);
    return EXIT.OK;
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: !!process.stdout.isTTY && !!process.stdin.isTTY });
  const ui = new TerminalPrinter(rl);
  rl.setPrompt(ui.tty ? '> ' : '');
  const client = await openSession({
    url: positionals[0], name: values.name, identity: values.identity, fingerprint: values.fingerprint, suite: values.suite,
    autoReconnect: true, note: (l) => ui.line(ui.dim(l)),
  }).catch((e: unknown) => {
    rl.close();
    throw e;
  });
  const idFile = identityPath(values.identity);
  let lastPeer: string | undefined;

  const showWho = () => {
    for (const p of client.peerList()) {
      const state = p.isSelf ? ui.dim('(you)') : p.trust === 'changed' ? ui.red('KEY CHANGED') : p.trust === 'verified' ? ui.green('verified') : ui.dim('unverified');
      ui.line(`${p.online ? ui.green('●') : ui.dim('○')} ${p.name.padEnd(16)} ${ui.dim(p.digits)} ${state}`);
    }
  };

  client.on('message', (m) => {
    if (!m.toAll) lastPeer = m.from;
    const who = m.toAll ? `${ui.cyan(m.from)} ${ui.dim('→ all')}` : ui.cyan(m.from);
    ui.line(`${ui.dim(time(m.ts))} ${who}: ${m.text}${m.verified ? '' : ' ' + ui.red('[sender key changed: not verified]')}`);
  });
  client.on('delivered', (d) => ui.line(ui.dim(`  ✓ delivered to ${d.by} (${d.id.slice(0, 8)})`)));
  client.on('joined', (j) => ui.line(ui.dim(`→ ${j.name} joined`)));
  client.on('left', (l) => ui.line(ui.dim(`← ${l.name} left`)));
  client.on('rejected', (r) => ui.line(ui.red(`✗ rejected a message claiming to be from ${r.from}: ${r.code} (${r.reason})`)));
  client.on('keyChanged', (k) => {
    ui.line(ui.red('!!! WARNING: THE KEY OF ' + k.name.toUpperCase() + ' HAS CHANGED !!!'));
    ui.line(ui.red(`    was ${k.previous.slice(0, 32)}…`));
    ui.line(ui.red(`    now ${k.current.slice(0, 32)}…`));
    ui.line(ui.red(`    Someone may be impersonating ${k.name}, or ${k.name} got a new key.`));
    ui.line(ui.red(`    Refusing to send to ${k.name} until you compare safety numbers (/verify ${k.name}) and /accept ${k.name}.`));
  });
  client.on('disconnected', (d) => ui.line(ui.red(`connection lost (${d.code})${d.willReconnect ? '; reconnecting…' : ''}`)));
  client.on('reconnected', () => ui.line(ui.green('reconnected')));
  client.on('error', (e) => ui.line(ui.red(`error: ${e.code}: ${e.message}`)));

  ui.line(`${ui.bold('sealcast')}: signed in as ${ui.cyan(client.name)}. ${COMMAND_HELP}`);
  showWho();

  const sendTo = async (to: string, text: string) => {
    if (!text.trim()) return ui.line(ui.dim('nothing to send'));
    try {
      const r = await client.send(to, text);
      if (to !== 'all') lastPeer = to;
      ui.line(ui.dim(`  sent ${r.id.slice(0, 8)} to ${to}${r.stored > 0 ? ` (${r.stored} offline: kept for them)` : ''}`));
    } catch (e) {
      ui.line(ui.red(`not sent: ${toCliError(e).message}`));
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
    const [cmd, arg1, ...rest] = line.split(/\s+/);
    switch (cmd) {
      case '/quit':
      case '/exit':
        return false;
      case '/help':
        ui.line(COMMAND_HELP);
        return true;
      case '/who':
        await client.refreshRoster().catch(() => undefined);
        showWho();
        return true;
      case '/msg':
        if (!arg1) ui.line('usage: /msg NAME text');
        else await sendTo(arg1.toLowerCase(), line.slice(line.indexOf(arg1) + arg1.length + 1));
        return true;
      case '/all':
        await sendTo('all', line.slice(4).trim());
        return true;
      case '/verify':
        if (!arg1) {
          ui.line('usage: /verify NAME [yes]');
          return true;
        }
        try {
          const v = await client.verification(arg1);
          ui.line(`your fingerprint:      ${v.mine}`);
          ui.line(`${arg1}'s fingerprint: ${v.theirs}${v.pendingChange ? ui.red(' (NEW, not accepted)') : ''}`);
          ui.line(`safety number: ${ui.bold(v.safetyNumber)}`);
          if (rest[0] === 'yes' || arg1 === 'yes') {
            ui.line(client.markVerified(arg1) ? ui.green(`${arg1} marked verified`) : ui.red('accept the changed key first'));
          } else ui.line(ui.dim(`compare it with ${arg1} in person or on a call; if it matches: /verify ${arg1} yes`));
        } catch (e) {
          ui.line(ui.red(toCliError(e).message));
        }
        return true;
      case '/accept':
        if (!arg1) ui.line('usage: /accept NAME');
        else ui.line(client.acceptKey(arg1) ? ui.green(`accepted the new key of ${arg1}`) : ui.dim(`no changed key pending for ${arg1}`));
        return true;
      case '/rotate':
        await rotate(client, idFile, ui);
        return true;
      default:
        ui.line(`unknown command ${cmd}. ${COMMAND_HELP}`);
        return true;
    }
  };

  return new Promise<number>((resolve) => {
    let queue = Promise.resolve(true);
    const quit = () => {
      rl.close();
    };
    rl.on('line', (l) => {
      queue = queue.then(async (go) => (go ? handle(l) : false)).then((go) => {
        if (!go) quit();
        return go;
      });
    });
    rl.on('SIGINT', quit);
    rl.on('close', () => {
      void queue.then(() => client.close()).then(() => resolve(EXIT.OK));
    });
    rl.prompt();
  });
}

async function rotate(client: SealcastClient, idFile: string, ui: TerminalPrinter): Promise<void> {
  try {
    const next = await generateIdentity(client.identity.suite);
    // Keep the new key on disk before the server switches to it, so a crash cannot lock us out.
    const pendingFile = `${idFile}.new`;
    await saveIdentity(pendingFile, next);
    await client.rotateKey(next);
    renameSync(pendingFile, idFile);
    ui.line(ui.green('your key was replaced; your peers are told, signed by your old key'));
  } catch (e) {
    ui.line(ui.red(`rotation failed: ${toCliError(e).message}`));
  }
}
