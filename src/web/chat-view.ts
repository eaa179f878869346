import type { PeerView, SealcastClient } from '../client/index.js';
import type { ChatLine, ChatState } from './chat-state.js';
import { h, keepFocus } from './dom.js';

/** What the chat view asks of the app. */
export interface ChatActions {
  open(conversation: string): void;
  send(text: string): void;
  retry(conversation: string, line: ChatLine): void;
  acceptKey(name: string): void;
}

const MARKS: Record<ChatLine['status'], [string, string]> = {
  sending: ['…', 'sending'],
  sent: ['✓', 'sent: stored on the server'],
  delivered: ['✓✓', 'delivered'],
  refused: ['✗', 'not read'],
  failed: ['✗', 'not sent'],
};

/** The mark's longer text: who opened it, who rejected it and why, or why it failed. */
function markDetail(l: ChatLine, meaning: string): string {
  const refused = l.refusedBy?.length ? `rejected unread by ${l.refusedBy.map((r) => `${r.name} (${r.code})`).join(', ')}` : '';
  if (l.status === 'delivered' && l.deliveredTo?.length) return [`delivered to ${l.deliveredTo.join(', ')}`, refused].filter(Boolean).join('; ');
  if (l.status === 'refused') return `${meaning}: ${refused}`;
  return l.error ? `${meaning}: ${l.error}` : meaning;
}

/** The roster (conversations with unread counts), and the open conversation with its composer. */
export class ChatView {
  readonly roster: HTMLElement;
  readonly conversation: HTMLElement;
  private readonly title: HTMLElement;
  private readonly verify: HTMLElement;
  private readonly messages: HTMLOListElement;
  private readonly input: HTMLInputElement;
  /** The peer whose safety number is shown, if any. */
  verifying: string | undefined;

  constructor(private readonly chat: ChatState, private readonly actions: ChatActions) {
    this.roster = h('nav', { id: 'roster', 'aria-label': 'Conversations' });
    this.title = h('h2', { id: 'conv-title' });
    this.verify = h('section', { id: 'verify', hidden: true, 'aria-label': 'Verify' });
    // Not a live region: it is rebuilt on every change. New messages are announced by App instead.
    this.messages = h('ol', { id: 'messages', tabindex: '0', 'aria-label': 'Messages' });
    this.input = h('input', { id: 'compose', autocomplete: 'off', placeholder: 'Write a message…', 'aria-label': 'Message', maxlength: '60000' });
    const composer = h('form', { id: 'composer', onsubmit: (ev: Event) => {
      ev.preventDefault();
      const text = this.input.value;
      if (!text.trim()) return;
      this.input.value = '';
      this.actions.send(text);
    } }, this.input, h('button', { type: 'submit', id: 'send' }, 'Send'));
    this.conversation = h('main', { id: 'conversation' }, this.verify, this.title, this.messages, composer);
  }

  focusComposer(): void {
    this.input.focus();
  }

  render(client: SealcastClient): void {
    const peers = client.peerList().filter((p) => !p.isSelf);
    keepFocus(this.roster, () => this.renderRoster(peers));
    const conv = this.chat.current;
    const peer = peers.find((p) => p.name === conv);
    keepFocus(this.title, () => this.title.replaceChildren(
      conv === 'all' ? 'Everyone' : conv, ' ',
      peer ? h('button', { type: 'button', class: 'link', id: 'verify-btn', 'data-focus': 'verify', onclick: () => this.showVerify(client, conv) }, 'verify') : '',
    ));
    this.renderMessages();
  }

  private renderRoster(peers: PeerView[]): void {
    const item = (key: string, label: string, p?: PeerView) => {
      const unread = this.chat.unread.get(key) ?? 0;
      const current = this.chat.current === key;
      return h('li', {},
        h('button', {
          type: 'button', class: `peer${current ? ' active' : ''}`, 'data-peer': key, 'data-focus': `peer:${key}`,
          'aria-current': current ? 'true' : 'false', onclick: () => this.actions.open(key),
        },
          h('span', { class: `dot ${p ? (p.online ? 'on' : 'off') : 'on'}`, 'aria-label': p ? (p.online ? 'online' : 'offline') : '' }), label,
          p && p.trust !== 'trusted' ? h('span', { class: `trust ${p.trust}` }, p.trust === 'changed' ? 'KEY CHANGED' : 'verified') : undefined,
          unread ? h('span', { class: 'badge', 'aria-label': `${unread} unread` }, String(unread)) : undefined,
        ),
        p ? h('small', { class: 'fp' }, p.digits) : undefined,
      );
    };
    // Conversations with history stay listed even when the peer is gone from the roster.
    const names = new Set(peers.map((p) => p.name));
    const past = [...this.chat.lines.keys()].filter((c) => c !== 'all' && !names.has(c)).sort();
    this.roster.replaceChildren(h('ul', {}, item('all', 'Everyone'), ...peers.map((p) => item(p.name, p.name, p)), ...past.map((c) => item(c, c))));
  }

  private renderMessages(): void {
    const list = this.messages;
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const conv = this.chat.current;
    keepFocus(list, () => list.replaceChildren(...(this.chat.lines.get(conv) ?? []).map((l) => {
      const [mark, meaning] = MARKS[l.status];
      const detail = markDetail(l, meaning);
      return h('li', { class: l.mine ? 'mine' : 'theirs', 'data-id': l.id },
        h('span', { class: 'who' }, l.mine ? 'you' : l.from),
        h('span', { class: 'text' }, l.text),
        h('time', { datetime: new Date(l.ts).toISOString(), title: new Date(l.ts).toLocaleString() }, new Date(l.ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })),
        l.mine ? h('span', { class: `mark ${l.status}`, title: detail, 'aria-label': detail }, mark) : undefined,
        l.status === 'failed' ? h('button', { type: 'button', class: 'link retry', 'data-focus': `retry:${l.id}`, onclick: () => this.actions.retry(conv, l) }, 'send again') : undefined,
        l.unverified ? h('span', { class: 'trust changed' }, 'unverified sender key') : undefined,
      );
    })));
    if (atBottom || list.dataset.conv !== conv) list.scrollTop = list.scrollHeight;
    list.dataset.conv = conv;
  }

  /** Banners for peers whose key changed and is not accepted yet. */
  banners(client: SealcastClient, texts: Map<string, string>): HTMLElement[] {
    return [...texts.entries()].filter(([n]) => client.isBlocked(n)).map(([n, text]) =>
      h('div', { class: 'banner', role: 'alert', 'data-banner': n }, h('strong', {}, '⚠ '), text, ' ',
        h('button', { type: 'button', 'data-focus': `compare:${n}`, onclick: () => this.showVerify(client, n) }, 'Compare safety numbers'), ' ',
        h('button', { type: 'button', class: 'accept', 'data-focus': `accept:${n}`, onclick: () => this.actions.acceptKey(n) }, 'Accept new key')));
  }

  showVerify(client: SealcastClient, name: string): void {
    this.verifying = name;
    this.renderVerify(client);
  }

  closeVerify(): void {
    this.verifying = undefined;
    this.verify.hidden = true;
  }

  /** The safety number to compare out of band, and "mark verified" once it matches. */
  renderVerify(client: SealcastClient): void {
    const name = this.verifying;
    if (!name) return this.closeVerify();
    this.verify.hidden = false;
    void client.verification(name).then((v) => {
      if (this.verifying !== name) return;
      this.verify.replaceChildren(
        h('h3', {}, `Verify ${name}`),
        h('p', {}, `Compare this safety number with ${name} in person or on a call:`),
        h('p', { class: 'safety', id: 'safety-number' }, v.safetyNumber),
        h('p', {}, h('small', {}, `Your fingerprint ${v.mine}`), h('br'), h('small', {}, `${name}: ${v.theirs}${v.pendingChange ? ' (new, not accepted)' : ''}`)),
        h('button', { type: 'button', id: 'mark-verified', disabled: v.pendingChange, onclick: () => {
          client.markVerified(name);
          this.closeVerify();
        } }, 'They match: mark verified'), ' ',
        h('button', { type: 'button', id: 'close-verify', onclick: () => {
          this.closeVerify();
          this.focusComposer();
        } }, 'Close'),
      );
      (this.verify.querySelector('#mark-verified:not([disabled])') as HTMLElement | null ?? this.verify.querySelector('#close-verify') as HTMLElement).focus();
    }, (e: unknown) => {
      this.verify.replaceChildren(h('p', { class: 'error' }, `Cannot verify ${name}: ${e instanceof Error ? e.message : String(e)}`));
    });
  }
}
