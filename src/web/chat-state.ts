/** One line in a conversation as the web app shows it. */
export interface ChatLine {
  /** Message id (32 hex digits) once the server accepted it; `local-…` before. */
  id: string;
  from: string;
  text: string;
  ts: number;
  mine: boolean;
  /**
   * sending → sent (stored by the server) → delivered (a recipient opened it), or refused (the
   * recipients it reached rejected it unread); failed: not sent.
   */
  status: 'sending' | 'sent' | 'delivered' | 'refused' | 'failed';
  unverified?: boolean;
  /** Recipients that opened it (for messages to everyone, more than one). */
  deliveredTo?: string[];
  /** Recipients that rejected it unread, with their reason (a stable code such as NOT_A_RECIPIENT). */
  refusedBy?: { name: string; code: string }[];
  /** Why a line failed. */
  error?: string;
}

/** Where conversations are kept between visits (IndexedDB in the app, nothing in tests of the logic). */
export interface ChatPersistence {
  load(): Promise<{ lines: Map<string, ChatLine[]>; unread: Map<string, number>; current?: string }>;
  saveConversation(conversation: string, lines: ChatLine[]): void;
  saveMeta(unread: Map<string, number>, current: string): void;
  /** Resolves once every change made so far is written (or its failure reported). */
  settled?(): Promise<void>;
}

/** Most lines kept per conversation; older ones are dropped from the history. */
export const MAX_LINES_PER_CONVERSATION = 500;

/**
 * Conversations keyed by peer name, plus "all" for the everyone conversation: lines,
 * unread counts and the open conversation, saved on every change so a reload shows the same.
 */
export class ChatState {
  readonly lines = new Map<string, ChatLine[]>();
  readonly unread = new Map<string, number>();
  current = 'all';

  constructor(private readonly persistence?: ChatPersistence) {}

  /** Resolves once the history holds every line added so far: the client acks a message only then. */
  settled(): Promise<void> {
    return this.persistence?.settled?.() ?? Promise.resolve();
  }

  /**
   * Restores the saved conversations. Lines still "sending" belonged to a page that closed
   * before the server took them: they were not sent.
   */
  async load(): Promise<void> {
    if (!this.persistence) return;
    const saved = await this.persistence.load();
    for (const [conv, lines] of saved.lines) {
      for (const l of lines) {
        if (l.status === 'sending') {
          l.status = 'failed';
          l.error = 'the page closed before the server took it';
        }
      }
      this.lines.set(conv, lines);
    }
    for (const [conv, n] of saved.unread) this.unread.set(conv, n);
    if (saved.current) this.current = saved.current;
  }

  /** Adds a line; false (and nothing changes) when a line with this id is already there. */
  add(conversation: string, line: ChatLine): boolean {
    const list = this.lines.get(conversation) ?? [];
    if (!line.id.startsWith('local-') && list.some((l) => l.id === line.id)) return false;
    list.push(line);
    if (list.length > MAX_LINES_PER_CONVERSATION) list.splice(0, list.length - MAX_LINES_PER_CONVERSATION);
    this.lines.set(conversation, list);
    if (conversation !== this.current && !line.mine) {
      this.unread.set(conversation, (this.unread.get(conversation) ?? 0) + 1);
      this.saveMeta();
    }
    this.changed(conversation);
    return true;
  }

  /** Opens a conversation: its unread count goes to zero. */
  open(conversation: string): void {
    this.current = conversation;
    this.unread.delete(conversation);
    this.saveMeta();
  }

  /** Unread lines in every conversation but the given one. */
  unreadOutside(conversation?: string): number {
    let n = 0;
    for (const [c, k] of this.unread) if (c !== conversation) n += k;
    return n;
  }

  /** The conversation and line with a message id. */
  find(id: string): { conversation: string; line: ChatLine } | undefined {
    for (const [conversation, list] of this.lines) {
      const line = list.find((l) => l.id === id);
      if (line) return { conversation, line };
    }
    return undefined;
  }

  /** A recipient opened a message we sent. */
  delivered(id: string, by: string): boolean {
    const found = this.find(id);
    if (!found || !found.line.mine) return false;
    const l = found.line;
    l.status = 'delivered';
    if (by && !(l.deliveredTo ?? []).includes(by)) l.deliveredTo = [...(l.deliveredTo ?? []), by];
    this.changed(found.conversation);
    return true;
  }

  /** A recipient rejected a message we sent, unread; a line someone else opened stays delivered. */
  refused(id: string, by: string, code: string): boolean {
    const found = this.find(id);
    if (!found || !found.line.mine) return false;
    const l = found.line;
    if (l.status !== 'delivered') l.status = 'refused';
    if (!(l.refusedBy ?? []).some((r) => r.name === by)) l.refusedBy = [...(l.refusedBy ?? []), { name: by, code }];
    this.changed(found.conversation);
    return true;
  }

  /**
   * After a login: our "sent" lines the server no longer holds for anyone were opened while we
   * were away (receipts only reach an online sender). Lines older than `newerThan` are left
   * alone: the server also drops messages that expire unread.
   */
  settleSent(stillPending: Set<string>, newerThan: number): void {
    for (const [conversation, list] of this.lines) {
      let touched = false;
      for (const l of list) {
        if (l.mine && l.status === 'sent' && l.ts > newerThan && !stillPending.has(l.id)) {
          l.status = 'delivered';
          touched = true;
        }
      }
      if (touched) this.changed(conversation);
    }
  }

  /** Saves a conversation after one of its lines changed in place. */
  changed(conversation: string): void {
    this.persistence?.saveConversation(conversation, this.lines.get(conversation) ?? []);
  }

  /** Removes a line (a failed one the user sends again). */
  remove(conversation: string, line: ChatLine): void {
    const list = this.lines.get(conversation);
    const i = list?.indexOf(line) ?? -1;
    if (!list || i < 0) return;
    list.splice(i, 1);
    this.changed(conversation);
  }

  private saveMeta(): void {
    this.persistence?.saveMeta(this.unread, this.current);
  }
}
