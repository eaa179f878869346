import type { ChatLine, ChatPersistence } from './chat-state.js';
import type { IdbStore } from './idb.js';

const LINES = 'chat:lines:';
const META = 'chat:meta';

interface Meta {
  unread: [string, number][];
  current: string;
}

/**
 * Chat history in IndexedDB, one record per conversation. Writes go out at the end of the
 * current task (several changes to one conversation cost one write) and never wait for each
 * other; a failed write is reported once, not thrown into the UI.
 */
export class IdbChatHistory implements ChatPersistence {
  private readonly dirty = new Map<string, ChatLine[]>();
  private meta: Meta | undefined;
  private scheduled = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly idb: IdbStore, private readonly onError: (message: string) => void) {}

  async load(): Promise<{ lines: Map<string, ChatLine[]>; unread: Map<string, number>; current?: string }> {
    const lines = new Map<string, ChatLine[]>();
    for (const key of await this.idb.keys(LINES)) {
      const list = await this.idb.get<ChatLine[]>(key);
      if (Array.isArray(list)) lines.set(key.slice(LINES.length), list.filter(isLine));
    }
    const meta = await this.idb.get<Meta>(META);
    const unread = new Map<string, number>((meta?.unread ?? []).filter(([c, n]) => typeof c === 'string' && Number.isInteger(n) && n > 0));
    return meta?.current ? { lines, unread, current: meta.current } : { lines, unread };
  }

  saveConversation(conversation: string, lines: ChatLine[]): void {
    this.dirty.set(conversation, lines);
    this.schedule();
  }

  saveMeta(unread: Map<string, number>, current: string): void {
    this.meta = { unread: [...unread], current };
    this.schedule();
  }

  settled(): Promise<void> {
    return this.writing;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const previous = this.writing;
    let done!: () => void;
    this.writing = new Promise<void>((resolve) => (done = resolve));
    queueMicrotask(() => {
      this.scheduled = false;
      const writes: Promise<void>[] = [];
      // Structured clone copies the lines at put() time, so later edits need a later write.
      for (const [conv, lines] of this.dirty) writes.push(this.idb.put(LINES + conv, lines));
      this.dirty.clear();
      if (this.meta) writes.push(this.idb.put(META, this.meta));
      this.meta = undefined;
      Promise.all(writes)
        .catch((e: unknown) => this.onError(`Chat history could not be saved in this browser: ${e instanceof Error ? e.message : String(e)}`))
        .then(() => previous)
        .then(done);
    });
  }
}

/** Drops records that are not lines (a damaged or foreign store must not break the page). */
function isLine(l: unknown): l is ChatLine {
  const x = l as Partial<ChatLine> | null;
  return !!x && typeof x.id === 'string' && typeof x.from === 'string' && typeof x.text === 'string' && typeof x.ts === 'number' && typeof x.mine === 'boolean';
}
