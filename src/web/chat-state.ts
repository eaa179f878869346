/** One line in a conversation as the web app shows it. */
export interface ChatLine {
  id: string;
  from: string;
  text: string;
  ts: number;
  mine: boolean;
  status: 'sending' | 'sent' | 'delivered' | 'failed';
  unverified?: boolean;
}

/** Conversations keyed by peer name, plus "all" for the everyone conversation. */
export class ChatState {
  readonly lines = new Map<string, ChatLine[]>();
  readonly unread = new Map<string, number>();
  current = 'all';

  add(conversation: string, line: ChatLine): void {
    const list = this.lines.get(conversation) ?? [];
    list.push(line);
    this.lines.set(conversation, list);
    if (conversation !== this.current && !line.mine) this.unread.set(conversation, (this.unread.get(conversation) ?? 0) + 1);
  }

  open(conversation: string): void {
    this.current = conversation;
    this.unread.delete(conversation);
  }

  /** Updates a sent line's mark wherever it is. */
  mark(id: string, status: ChatLine['status']): void {
    for (const list of this.lines.values()) for (const l of list) if (l.id === id && l.status !== 'delivered') l.status = status;
  }
}
