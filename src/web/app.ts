import { fingerprintDigits, isClientError, SealcastClient } from '../client/index.js';
import { CLOSE_CODES } from '../protocol/index.js';
import { browserConnector } from './browser-connector.js';
import {
  forgetBrowserIdentity, IdbClientStorage, IdbRetiredIdentities, loadBrowserIdentity, pendingRotation, saveBrowserIdentity, type BrowserIdentity,
} from './browser-storage.js';
import { IdbChatHistory } from './chat-history.js';
import { ChatState, type ChatLine } from './chat-state.js';
import { ChatView } from './chat-view.js';
import { h, keepFocus } from './dom.js';
import type { IdbStore } from './idb.js';
import { checkExportPassphrase, createBrowserIdentity } from './identity-setup.js';
import { renderIdentityView } from './identity-view.js';
import { renderSignIn } from './signin-view.js';
import { VideosView } from './videos-view.js';

const WS_URL = `wss://${location.host}/ws`;
/** The server's default mailbox lifetime; see ChatState.settleSent. */
const DEFAULT_MAILBOX_TTL_MS = 30 * 24 * 3600 * 1000;

type View = 'chat' | 'videos' | 'identity';
type Status = 'connecting' | 'online' | 'offline' | 'stopped';

function errorText(e: unknown): string {
  return isClientError(e) || e instanceof Error ? e.message : String(e);
}

/**
 * The web app: sign-in (new or imported identity), chat per peer and with everyone (history,
 * unread counts, sent/delivered marks), key verification, the video library and player, and the
 * identity page. The connection heals itself; what is wrong is said in one place (#notices).
 */
export class App {
  private client: SealcastClient | undefined;
  private me: BrowserIdentity | undefined;
  private readonly chat: ChatState;
  private readonly chatView: ChatView;
  private readonly videos: VideosView;
  private status: Status = 'connecting';
  /** Why the connection is not up (or '' when it is). */
  private connectionNotice = '';
  /** The last send or receive problem, until the next success. */
  private alert = '';
  private readonly keyBanners = new Map<string, string>();
  private view: View = 'chat';
  /** The last error the client reported, to explain a disconnection that will not heal. */
  private lastError = '';
  /** Screen-reader announcements of incoming messages (the message list itself is rebuilt, so not live). */
  private readonly announcer = h('div', { class: 'sr-only', role: 'status', 'aria-live': 'polite' });
  private shell: { layout: HTMLElement; notices: HTMLElement; identity: HTMLElement; tabs: HTMLElement; me: HTMLElement; status: HTMLElement } | undefined;

  constructor(private readonly root: HTMLElement, private readonly idb: IdbStore, opts: { preferHlsJs: boolean }) {
    this.chat = new ChatState(new IdbChatHistory(idb, (m) => this.showAlert(m)));
    this.chatView = new ChatView(this.chat, {
      open: (c) => this.open(c),
      send: (t) => void this.send(t),
      retry: (c, l) => this.retry(c, l),
      acceptKey: (n) => this.acceptKey(n),
    });
    this.videos = new VideosView(() => this.client, opts.preferHlsJs);
  }

  async start(): Promise<void> {
    const saved = await loadBrowserIdentity(this.idb);
    if (!saved) return renderSignIn(this.root, (b) => this.signIn(b));
    await this.chat.load();
    const pending = await pendingRotation.load(this.idb);
    this.begin(saved);
    this.renderShell();
    const refused = await this.connectUntilUp();
    if (!pending) return;
    if (!refused) {
      // The old key still signs in: the interrupted rotation never took effect.
      await pendingRotation.clear(this.idb);
    } else if (isClientError(refused, 'NAME_TAKEN')) {
      // The server took the new key before the page closed: it is ours now.
      await saveBrowserIdentity(this.idb, pending);
      await pendingRotation.clear(this.idb);
      await this.client?.close();
      this.begin(pending);
      this.renderShell();
      await this.connectUntilUp();
    }
  }

  /** First sign-in: the identity is kept only once the server accepted it (a taken name keeps the form). */
  private async signIn(b: BrowserIdentity): Promise<void> {
    const client = this.begin(b);
    try {
      await client.connect();
    } catch (e) {
      this.client = undefined;
      throw e;
    }
    await saveBrowserIdentity(this.idb, b);
    this.renderShell();
    this.setStatus('online');
  }

  /** Builds the client for an identity and listens to it; nothing is sent yet. */
  private begin(b: BrowserIdentity): SealcastClient {
    this.me = b;
    const client = new SealcastClient({
      url: WS_URL, name: b.name, identity: b.identity, connector: browserConnector, storage: new IdbClientStorage(this.idb),
      retiredStore: new IdbRetiredIdentities(this.idb), autoReconnect: true, clientName: 'sealcast-web/0.2',
      // The server forgets a message once acked: ack only after it is in this browser's history.
      beforeAck: () => this.chat.settled(),
    });
    this.client = client;
    client.on('message', (m) => {
      const added = this.chat.add(m.toAll ? 'all' : m.from, {
        id: m.id, from: m.from, text: m.text, ts: m.ts, mine: false, status: 'delivered', ...(m.verified ? {} : { unverified: true }),
      });
      if (added) this.announcer.textContent = `${m.from}${m.toAll ? ' to everyone' : ''}: ${m.text}`;
      this.render();
    });
    client.on('error', (e) => void (this.lastError = e.message));
    client.on('delivered', (d) => {
      if (this.chat.delivered(d.id, d.by)) this.render();
    });
    client.on('refused', (r) => {
      if (this.chat.refused(r.id, r.by, r.code)) this.showAlert(`${r.by} received your message but rejected it unread (${r.code}).`);
    });
    client.on('rejected', (r) => this.showAlert(`A message from ${r.from} failed its checks and was dropped (${r.code}: ${r.reason}).`));
    client.on('roster', () => this.render());
    client.on('keyChanged', (k) => {
      this.keyBanners.set(k.name, `The key of ${k.name} has changed. Someone may be impersonating ${k.name}, or ${k.name} set up a new device. ` +
        `Sending to ${k.name} is blocked until you compare safety numbers and accept the new key.`);
      this.render();
    });
    client.on('connected', () => {
      this.lastError = '';
      this.setStatus('online');
      void this.settleDelivered(client);
      this.videos.refreshIfShown();
    });
    client.on('disconnected', (d) => {
      if (d.willReconnect) {
        this.setStatus('offline', 'The server is unreachable. sealcast reconnects by itself; messages you write meanwhile are sent once it is back.');
      } else if (d.code === CLOSE_CODES.REPLACED) {
        this.setStatus('stopped', 'You signed in with this identity somewhere else (another tab, browser or the terminal), so this tab was disconnected.');
      } else {
        this.setStatus('stopped', `Disconnected: ${this.lastError || d.reason || `code ${d.code}`}.`);
      }
    });
    return client;
  }

  /** A returning visitor: keep trying (with backoff) until the server answers; returns a refusal that retrying cannot fix. */
  private async connectUntilUp(): Promise<unknown> {
    const client = this.client!;
    for (let attempt = 0; ; attempt++) {
      try {
        await client.connect();
        return undefined;
      } catch (e) {
        const transient = isClientError(e) && ['CONNECT_FAILED', 'TIMEOUT', 'CLOSED', 'CONNECTING'].includes(e.code);
        if (!transient) {
          this.setStatus('stopped', `Cannot sign in: ${errorText(e)}`);
          return e;
        }
        this.setStatus('offline', 'The server is unreachable. Retrying by itself…');
        await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2)));
      }
    }
  }

  /** Receipts only reach an online sender: what the server no longer holds was opened meanwhile. */
  private async settleDelivered(client: SealcastClient): Promise<void> {
    try {
      const items = await client.pending();
      const ttl = Math.min(DEFAULT_MAILBOX_TTL_MS, ...items.map((i) => i.expiresAt - i.storedAt));
      this.chat.settleSent(new Set(items.map((i) => i.id)), Date.now() - ttl);
      this.render();
    } catch {
      // Not connected any more: the next login settles them.
    }
  }

  private setStatus(status: Status, notice = ''): void {
    this.status = status;
    this.connectionNotice = notice;
    this.render();
  }

  private showAlert(text: string): void {
    this.alert = text;
    this.render();
  }

  private renderShell(): void {
    const tab = (v: View, label: string) => h('button', { type: 'button', class: 'tab', 'data-view': v, 'data-focus': `tab:${v}`, onclick: () => this.setView(v) }, label);
    const tabs = h('nav', { class: 'tabs', 'aria-label': 'Views' }, tab('chat', 'Chat'), tab('videos', 'Videos'), tab('identity', 'Identity'));
    const me = h('span', { id: 'me' });
    const status = h('span', { id: 'status', role: 'status' });
    const notices = h('div', { id: 'notices' });
    const identity = h('section', { id: 'identity', 'aria-label': 'Identity' });
    const layout = h('div', { class: 'layout', 'data-view': this.view }, this.videos.element, this.chatView.roster, identity, this.chatView.conversation);
    this.root.replaceChildren(
      h('a', { class: 'skip', href: '#compose' }, 'Skip to the message box'),
      h('header', { class: 'top' }, h('strong', { class: 'brand' }, 'sealcast'), tabs, me, status),
      notices,
      layout,
      this.announcer,
    );
    this.root.classList.add('shell');
    this.shell = { layout, notices, identity, tabs, me, status };
    this.setView(this.view);
  }

  private setView(view: View): void {
    this.view = view;
    const shell = this.shell!;
    shell.layout.dataset.view = view;
    if (view === 'videos') this.videos.show();
    else this.videos.hide();
    if (view === 'identity' && this.me) {
      renderIdentityView(shell.identity, this.me, { onForget: () => this.forget(), onRotate: (p) => this.rotate(p) });
    }
    this.render();
  }

  /**
   * Replaces this browser's key: the new identity is kept as pending before the server is
   * asked (the client core keeps the old one for mail still sealed to it), and becomes the
   * identity once the server agreed.
   */
  private async rotate(passphrase?: string): Promise<BrowserIdentity> {
    const client = this.client;
    const me = this.me;
    if (!client || !me) throw new Error('not signed in');
    if (me.exportFile) await checkExportPassphrase(me.exportFile, passphrase ?? '');
    const next = await createBrowserIdentity(me.name, me.exportFile ? passphrase : undefined, me.identity.suite);
    await pendingRotation.save(this.idb, next);
    try {
      await client.rotateKey(next.identity);
    } catch (e) {
      // A definite refusal leaves the old key in force; otherwise the server may have switched (see start()).
      if (isClientError(e) && ['BAD_ROTATION', 'NOT_CONNECTED', 'RATE_LIMITED', 'STORAGE_FAILED'].includes(e.code)) await pendingRotation.clear(this.idb);
      throw e;
    }
    await saveBrowserIdentity(this.idb, next);
    await pendingRotation.clear(this.idb);
    this.me = next;
    this.render();
    return next;
  }

  private async forget(): Promise<void> {
    await this.client?.close();
    this.client = undefined;
    await forgetBrowserIdentity(this.idb);
    location.reload();
  }

  private open(conversation: string): void {
    this.chat.open(conversation);
    this.chatView.closeVerify();
    this.render();
    this.chatView.focusComposer();
  }

  private async send(text: string): Promise<void> {
    const client = this.client;
    if (!client) return;
    const conv = this.chat.current;
    const line: ChatLine = { id: `local-${crypto.randomUUID()}`, from: client.name, text, ts: Date.now(), mine: true, status: 'sending' };
    this.chat.add(conv, line);
    this.render();
    try {
      const r = await client.send(conv, text);
      line.id = r.id;
      line.status = 'sent';
      this.alert = '';
    } catch (e) {
      line.status = 'failed';
      line.error = errorText(e);
      this.alert = isClientError(e, 'KEY_CHANGED')
        ? `Not sent: the key of ${((e.detail?.peers as string[] | undefined) ?? [conv]).join(', ')} changed. Use "Compare safety numbers" below, then "Accept new key".`
        : `Not sent: ${errorText(e)}`;
    }
    this.chat.changed(conv);
    this.render();
  }

  private retry(conversation: string, line: ChatLine): void {
    this.chat.remove(conversation, line);
    this.chat.open(conversation);
    void this.send(line.text);
  }

  private acceptKey(name: string): void {
    this.client?.acceptKey(name);
    this.keyBanners.delete(name);
    this.alert = '';
    this.render();
  }

  private reconnectHere(): void {
    const client = this.client;
    if (!client) return;
    this.setStatus('connecting');
    client.connect().catch((e: unknown) => this.setStatus('stopped', `Cannot reconnect: ${errorText(e)}`));
  }

  private render(): void {
    const client = this.client;
    const shell = this.shell;
    if (!client || !shell) return;
    shell.me.textContent = `${client.name} · ${fingerprintDigits(client.identity.bundle.fingerprint).slice(0, 11)}…`;
    shell.status.textContent = { online: 'connected', connecting: 'connecting…', offline: 'offline: reconnecting…', stopped: 'disconnected' }[this.status];
    shell.status.className = this.status;
    const unread = this.chat.unreadOutside(this.view === 'identity' ? undefined : this.chat.current);
    document.title = unread ? `(${unread}) sealcast` : 'sealcast';
    shell.tabs.querySelectorAll<HTMLButtonElement>('.tab').forEach((b) => {
      const v = b.dataset.view as View;
      b.setAttribute('aria-current', v === this.view ? 'page' : 'false');
      b.querySelector('.badge')?.remove();
      if (v === 'chat' && this.view !== 'chat' && unread) b.append(h('span', { class: 'badge', 'aria-label': `${unread} unread` }, String(unread)));
    });
    keepFocus(shell.notices, () => shell.notices.replaceChildren(
      ...(this.connectionNotice ? [h('div', { class: `notice ${this.status}`, role: 'alert', id: 'connection-notice' }, this.connectionNotice,
        this.status === 'stopped' ? h('button', { type: 'button', id: 'reconnect', 'data-focus': 'reconnect', onclick: () => this.reconnectHere() }, 'Reconnect here') : undefined)] : []),
      ...(this.alert ? [h('div', { class: 'notice', role: 'alert', id: 'alert' }, this.alert,
        h('button', { type: 'button', class: 'link dismiss', 'aria-label': 'Dismiss', onclick: () => this.showAlert('') }, '✕'))] : []),
      ...this.chatView.banners(client, this.keyBanners),
    ));
    this.chatView.render(client);
  }
}
