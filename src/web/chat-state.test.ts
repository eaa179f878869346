// The chat model behind the web app: unread counts, duplicates, receipts, and what a reload restores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChatState, MAX_LINES_PER_CONVERSATION, type ChatLine, type ChatPersistence } from './chat-state.js';
import { formatDuration } from './videos-view.js';

/** Keeps what ChatState saves, as IndexedDB would (copies, not references). */
class Saved implements ChatPersistence {
  lines = new Map<string, ChatLine[]>();
  unread = new Map<string, number>();
  current: string | undefined;
  async load() {
    const lines = new Map([...this.lines].map(([c, l]) => [c, structuredClone(l)]));
    return this.current ? { lines, unread: new Map(this.unread), current: this.current } : { lines, unread: new Map(this.unread) };
  }
  saveConversation(c: string, l: ChatLine[]) {
    this.lines.set(c, structuredClone(l));
  }
  saveMeta(u: Map<string, number>, current: string) {
    this.unread = new Map(u);
    this.current = current;
  }
}

const theirs = (id: string, from = 'bob'): ChatLine => ({ id, from, text: `text ${id}`, ts: Date.now(), mine: false, status: 'delivered' });
const mine = (id: string, status: ChatLine['status'] = 'sent', ts = Date.now()): ChatLine => ({ id, from: 'alice', text: `mine ${id}`, ts, mine: true, status });

test('unread counts per conversation; opening one clears it; duplicates are not shown twice', () => {
  const chat = new ChatState();
  assert.ok(chat.add('bob', theirs('a')));
  chat.add('bob', theirs('b'));
  chat.add('all', theirs('c'));
  assert.equal(chat.add('bob', theirs('a')), false, 'the same id again');
  assert.equal(chat.unread.get('bob'), 2);
  assert.equal(chat.unread.get('all'), undefined, 'the open conversation does not count');
  chat.add('carol', mine('m'));
  assert.equal(chat.unread.get('carol'), undefined, 'our own lines do not count');
  assert.equal(chat.unreadOutside('all'), 2);
  chat.open('bob');
  assert.equal(chat.unread.get('bob'), undefined);
  assert.equal(chat.unreadOutside(), 0);
});

test('receipts: delivered to whom; after a login, what the server no longer holds was delivered', () => {
  const chat = new ChatState();
  chat.add('all', mine('x'));
  assert.ok(chat.delivered('x', 'bob'));
  chat.delivered('x', 'carol');
  chat.delivered('x', 'bob');
  assert.deepEqual(chat.find('x')!.line.deliveredTo, ['bob', 'carol']);
  assert.equal(chat.delivered('nope', 'bob'), false);
  const old = Date.now() - 40 * 24 * 3600 * 1000;
  chat.add('bob', mine('held'));
  chat.add('bob', mine('opened'));
  chat.add('bob', mine('expired', 'sent', old));
  chat.add('bob', mine('local-1', 'sending'));
  chat.settleSent(new Set(['held']), Date.now() - 30 * 24 * 3600 * 1000);
  const status = (id: string) => chat.find(id)!.line.status;
  assert.equal(status('held'), 'sent');
  assert.equal(status('opened'), 'delivered');
  assert.equal(status('expired'), 'sent', 'too old to tell delivery from expiry');
  assert.equal(status('local-1'), 'sending');
});

test('a reload restores lines, counts and the open conversation; unsent lines become failed', async () => {
  const saved = new Saved();
  const chat = new ChatState(saved);
  chat.add('bob', theirs('a'));
  chat.add('all', mine('local-2', 'sending'));
  chat.open('carol');
  chat.add('bob', theirs('b'));
  await Promise.resolve();
  const again = new ChatState(saved);
  await again.load();
  assert.equal(again.current, 'carol');
  assert.equal(again.unread.get('bob'), 2);
  assert.deepEqual(again.lines.get('bob')!.map((l) => l.id), ['a', 'b']);
  const unsent = again.lines.get('all')![0]!;
  assert.equal(unsent.status, 'failed');
  assert.match(unsent.error!, /closed before/);
});

test('history is capped per conversation, oldest first out', () => {
  const chat = new ChatState();
  for (let i = 0; i < MAX_LINES_PER_CONVERSATION + 5; i++) chat.add('all', theirs(`id${i}`));
  const list = chat.lines.get('all')!;
  assert.equal(list.length, MAX_LINES_PER_CONVERSATION);
  assert.equal(list[0]!.id, 'id5');
});

test('durations read like a player shows them', () => {
  assert.equal(formatDuration(20_000), '0:20');
  assert.equal(formatDuration(65_400), '1:05');
  assert.equal(formatDuration(3_723_000), '1:02:03');
});

test('a rejected receipt marks our line refused, not delivered; one to everyone that someone opened stays delivered', () => {
  const chat = new ChatState();
  chat.add('bob', mine('m1'));
  chat.add('all', mine('m2'));
  assert.equal(chat.refused('m1', 'bob', 'NOT_A_RECIPIENT'), true);
  assert.equal(chat.lines.get('bob')![0]!.status, 'refused');
  assert.deepEqual(chat.lines.get('bob')![0]!.refusedBy, [{ name: 'bob', code: 'NOT_A_RECIPIENT' }]);
  chat.delivered('m2', 'carol');
  chat.refused('m2', 'bob', 'BAD_SIGNATURE');
  const everyone = chat.lines.get('all')![0]!;
  assert.equal(everyone.status, 'delivered');
  assert.deepEqual([everyone.deliveredTo, everyone.refusedBy], [['carol'], [{ name: 'bob', code: 'BAD_SIGNATURE' }]]);
  assert.equal(chat.refused('nope', 'bob', 'REPLAY'), false);
  chat.add('bob', theirs('t1'));
  assert.equal(chat.refused('t1', 'bob', 'REPLAY'), false, 'only our own lines');
});
