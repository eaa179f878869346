import { isClientError, SealcastClient, type PeerView } from '../client/index.js';
import { DEFAULT_SUITE, fingerprintDigits, generateIdentity, type Identity } from '../crypto/index.js';
import { canonicalName } from '../protocol/index.js';
import { browserConnector } from './browser-connector.js';
import { IdbClientStorage, loadBrowserIdentity, saveBrowserIdentity } from './browser-storage.js';
import { ChatState, type ChatLine } from './chat-state.js';
import { h } from './dom.js';
import { IdbStore } from './idb.js';

const WS_URL = `wss://${location.host}/ws`;

/** The web app: sign-in, roster with fingerprints and verification, chat per peer and with everyone. */
export class App {
  private client: SealcastClient | undefined;
  private readonly chat = new ChatState();
  private status: 'connecting' | 'online' | 'offline' = 'connecting';
  private readonly banners = new Map<string, string>();
  private verifying: string | undefined;
  private notice = '';

  constructor(private readonly root: HTMLElement, private readonly idb: IdbStore) {}

  async start(): Promise<void> {
    const saved = await loadBrowserIdentity(this.idb);
    if (!saved) return this.renderSignIn();
    await this.connect(saved.name, saved.identity);
  }

  private renderSignIn(error = ''): void {
    const input = h('input', { id: 'name', name: 'name', autocomplete: 'username', required: true, maxlength: '32', placeholder: 'your name', 'aria-label': 'Your name' });
    const form = h('form', { class: 'signin', onsubmit: (ev: Event) => {
      ev.preventDefault();
      void this.createIdentity(input.value);
    } },
      h('h1', {}, 'sealcast'),
      h('p', {}, 'End-to-end encrypted chat. Your keys are created in this browser and never leave it.'),
      input,
      h('button', { type: 'submit', id: 'join' }, 'Create my keys and join'),
      error ? h('p', { class: 'error', role: 'alert' }, error) : undefined,
    );
    this.root.replaceChildren(form);
    input.focus();
  }

  private async createIdentity(rawName: string): Promise<void> {
    let name: string;
    try {
      name = canonicalName(rawName);
    } catch (e) {
      return this.renderSignIn((e as Error).message);
    }
    // Non-extractable: script in this page can use the private keys but never read them out.
    const identity = await generateIdentity(DEFAULT_SUITE, { extractable: false });
    try {
      await this.connect(name, identity, true);
    } catch (e) {
      return this.renderSignIn(isClientError(e) ? e.message : String(e));
    }
    await saveBrowserIdentity(this.idb, name, identity);
  }

  private async connect(name: string, identity: Identity, firstTime = false): Promise<void> {
    const client = new SealcastClient({
      url: WS_URL, name, identity, connector: browserConnector, storage: new IdbClientStorage(this.idb), autoReconnect: true, clientName: 'sealcast-web/0.1',
    });
    this.client = client;
    client.on('message', (m) => {
      const conv = m.toAll ? 'all' : m.from;
      this.chat.add(conv, { id: m.id, from: m.from, text: m.text, ts: m.ts, mine: false, status: 'delivered', unverified: !m.verified });
      this.render();
    });
    client.on('delivered', (d) => {
      this.chat.mark(d.id, 'delivered');
      this.render();
    });
    client.on('roster', () => this.render());
    client.on('keyChanged', (k) => {
      this.banners.set(k.name, `The key of ${k.name} has changed. Someone may be impersonating ${k.name}, or ${k.name} set up a new device. Sending to ${k.name} is blocked until you compare safety numbers and accept the new key.`);
      this.render();
    });
    client.on('disconnected', () => {
      this.status = 'offline';
      this.render();
    });
    client.on('reconnected', () => {
      this.status = 'online';
      this.render();
    });
    this.status = 'connecting';
    this.renderShell();
    for (let attempt = 0; ; attempt++) {
      try {
        await client.connect();
        break;
      } catch (e) {
        if (firstTime || (isClientError(e) && e.code !== 'CONNECT_FAILED' && e.code !== 'TIMEOUT')) throw e;
        this.status = 'offline';
        this.notice = 'The server is unreachable. Retrying…';
        this.render();
        await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2)));
      }
    }
    this.notice = '';
    this.status = 'online';
    this.render();
  }

  private renderShell(): void {
    this.root.replaceChildren(
      h('header', { class: 'top' }, h('strong', {}, 'sealcast'), h('span', { id: 'me' }), h('span', { id: 'status', role: 'status' })),
      h('div', { class: 'layout' },
        h('nav', { id: 'roster', 'aria-label': 'Conversations' }),
        h('main', { id: 'conversation' },
          h('div', { id: 'banners' }),
          h('section', { id: 'verify', hidden: true }),
          h('h2', { id: 'conv-title' }),
          h('ol', { id: 'messages', 'aria-live': 'polite' }),
          this.composer(),
        ),
      ),
    );
  }

  private composer(): HTMLFormElement {
    const input = h('input', { id: 'compose', autocomplete: 'off', placeholder: 'Write a message…', 'aria-label': 'Message', maxlength: '60000' });
    return h('form', { id: 'composer', onsubmit: (ev: Event) => {
      ev.preventDefault();
      const text = input.value;
      if (!text.trim()) return;
      input.value = '';
      void this.send(text);
    } }, input, h('button', { type: 'submit', id: 'send' }, 'Send'));
  }

  private async send(text: string): Promise<void> {
    const client = this.client!;
    const conv = this.chat.current;
    const line: ChatLine = { id: `local-${Date.now()}`, from: client.name, text, ts: Date.now(), mine: true, status: 'sending' };
    this.chat.add(conv, line);
    this.render();
    try {
      const r = await client.send(conv, text);
      line.id = r.id;
      line.status = 'sent';
    } catch (e) {
      line.status = 'failed';
      this.notice = isClientError(e, 'KEY_CHANGED')
        ? `Not sent: ${e.message}. Use "Compare safety numbers" above, then "Accept new key".`
        : `Not sent: ${isClientError(e) ? e.message : String(e)}`;
    }
    this.render();
  }

  private render(): void {
    const client = this.client;
    if (!client || !document.getElementById('roster')) return;
    const me = document.getElementById('me')!;
    me.textContent = `${client.name} · ${fingerprintDigits(client.identity.bundle.fingerprint).slice(0, 11)}…`;
    const status = document.getElementById('status')!;
    status.textContent = this.status === 'online' ? 'connected' : this.status === 'connecting' ? 'connecting…' : 'offline: reconnecting…';
    status.className = this.status;

    const peers = client.peerList().filter((p) => !p.isSelf);
    const item = (key: string, label: string, p?: PeerView) => {
      const unread = this.chat.unread.get(key) ?? 0;
      return h('li', {},
        h('button', { class: `peer${this.chat.current === key ? ' active' : ''}`, 'data-peer': key, onclick: () => {
          this.chat.open(key);
          this.verifying = undefined;
          this.render();
          (document.getElementById('compose') as HTMLInputElement | null)?.focus();
        } },
          h('span', { class: `dot ${p ? (p.online ? 'on' : 'off') : 'on'}` }), label,
          p && p.trust !== 'trusted' ? h('span', { class: `trust ${p.trust}` }, p.trust === 'changed' ? 'KEY CHANGED' : 'verified') : undefined,
          unread ? h('span', { class: 'badge', 'aria-label': `${unread} unread` }, String(unread)) : undefined,
        ),
        p ? h('small', { class: 'fp' }, p.digits) : undefined,
      );
    };
    document.getElementById('roster')!.replaceChildren(
      h('ul', {}, item('all', 'Everyone'), ...peers.map((p) => item(p.name, p.name, p))),
    );

    const banners = document.getElementById('banners')!;
    banners.replaceChildren(
      ...(this.notice ? [h('div', { class: 'notice', role: 'alert' }, this.notice)] : []),
      ...[...this.banners.entries()].filter(([n]) => client.isBlocked(n)).map(([n, text]) =>
        h('div', { class: 'banner', role: 'alert', 'data-banner': n }, h('strong', {}, '⚠ '), text, ' ',
          h('button', { onclick: () => this.showVerify(n) }, 'Compare safety numbers'), ' ',
          h('button', { class: 'accept', onclick: () => {
            client.acceptKey(n);
            this.banners.delete(n);
            this.notice = '';
            this.render();
          } }, 'Accept new key'))),
    );

    const conv = this.chat.current;
    const peer = peers.find((p) => p.name === conv);
    const title = document.getElementById('conv-title')!;
    title.replaceChildren(conv === 'all' ? 'Everyone' : conv, ' ',
      peer ? h('button', { class: 'link', id: 'verify-btn', onclick: () => this.showVerify(conv) }, 'verify') : '');
    const list = document.getElementById('messages')!;
    list.replaceChildren(...(this.chat.lines.get(conv) ?? []).map((l) =>
      h('li', { class: l.mine ? 'mine' : 'theirs', 'data-id': l.id },
        h('span', { class: 'who' }, l.mine ? 'you' : l.from),
        h('span', { class: 'text' }, l.text),
        h('time', {}, new Date(l.ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })),
        l.mine ? h('span', { class: `mark ${l.status}`, title: l.status }, l.status === 'delivered' ? '✓✓' : l.status === 'sent' ? '✓' : l.status === 'failed' ? '✗' : '…') : undefined,
        l.unverified ? h('span', { class: 'trust changed' }, 'unverified sender key') : undefined,
      )));
    list.scrollTop = list.scrollHeight;
    this.renderVerify();
  }

  private showVerify(name: string): void {
    this.verifying = name;
    this.render();
  }

  private renderVerify(): void {
    const section = document.getElementById('verify')!;
    const name = this.verifying;
    if (!name || !this.client) {
      section.hidden = true;
      return;
    }
    section.hidden = false;
    void this.client.verification(name).then((v) => {
      section.replaceChildren(
        h('h3', {}, `Verify ${name}`),
        h('p', {}, `Compare this safety number with ${name} in person or on a call:`),
        h('p', { class: 'safety', id: 'safety-number' }, v.safetyNumber),
        h('p', {}, h('small', {}, `Your fingerprint ${v.mine}`), h('br'), h('small', {}, `${name}: ${v.theirs}${v.pendingChange ? ' (new, not accepted)' : ''}`)),
        h('button', { id: 'mark-verified', disabled: v.pendingChange, onclick: () => {
          this.client!.markVerified(name);
          this.verifying = undefined;
          this.render();
        } }, 'They match: mark verified'), ' ',
        h('button', { onclick: () => {
          this.verifying = undefined;
          this.render();
        } }, 'Close'),
      );
    });
  }
}
