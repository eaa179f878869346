import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutboundWatch, type CutReason } from './outbound-watch.js';

/** A connection's outgoing side as the watch sees it, moved by hand; the clock is the test's. */
function fakeOutbound(queued = 0) {
  const o = { queued, drained: 0, cuts: [] as CutReason[] };
  return { o, out: { queued: () => o.queued, drained: () => o.drained, cut: (why: CutReason) => void o.cuts.push(why) } };
}

test('a queue that takes nothing for the drain timeout is cut; one that drains, however slowly, is not', () => {
  let now = 0;
  const watch = new OutboundWatch({ budgetBytes: 0, drainTimeoutMs: 1000, now: () => now });
  const stuck = fakeOutbound(5000);
  const slow = fakeOutbound(5000);
  const idle = fakeOutbound(0);
  watch.add('stuck', stuck.out);
  watch.add('slow', slow.out);
  watch.add('idle', idle.out);
  for (now = 100; now <= 3000; now += 100) {
    slow.o.drained += 1; // one byte taken per sweep
    slow.o.queued += 50; // while more is queued than drains
    watch.sweep();
  }
  assert.deepEqual(stuck.o.cuts, ['stalled'], 'cut once, at the timeout');
  assert.deepEqual(slow.o.cuts, [], 'a queue that moves is not stalled');
  assert.deepEqual(idle.o.cuts, [], 'an empty queue is not stalled');
});

test('the timeout counts from the last time the queue moved or was empty', () => {
  let now = 0;
  const watch = new OutboundWatch({ budgetBytes: 0, drainTimeoutMs: 1000, now: () => now });
  const c = fakeOutbound(0);
  watch.add('c', c.out);
  now = 5000;
  c.o.queued = 100; // bytes queued after a long idle time: not stalled yet
  watch.sweep();
  assert.deepEqual(c.o.cuts, []);
  now = 5900;
  watch.sweep();
  assert.deepEqual(c.o.cuts, []);
  now = 6000;
  watch.sweep();
  assert.deepEqual(c.o.cuts, ['stalled']);
});

test('past the budget the largest queues are cut first, until the total fits; small ones are kept', () => {
  const watch = new OutboundWatch({ budgetBytes: 10_000, drainTimeoutMs: 0 });
  const sizes = [1000, 6000, 500, 4000, 3000];
  const conns = sizes.map((q) => fakeOutbound(q));
  conns.forEach((c, i) => watch.add(i, c.out));
  // 14,500 queued: cutting the 6,000 leaves 8,500, under the budget.
  assert.deepEqual(conns.map((c) => c.o.cuts.length), [0, 1, 0, 0, 0]);
  assert.equal(watch.queuedBytes, 8500, 'a cut queue leaves the total at once');
  // A send counts at once (note), not at the next sweep.
  conns[4]!.o.queued = 9000;
  watch.note(4);
  assert.deepEqual(conns.map((c) => c.o.cuts.length), [0, 1, 0, 0, 1]);
  assert.ok(watch.queuedBytes <= 10_000);
  watch.sweep();
  assert.deepEqual(conns.map((c) => c.o.cuts.length), [0, 1, 0, 0, 1], 'nobody is cut twice');
});

test('removing a connection takes its bytes out of the total; a key added again replaces its entry', () => {
  const watch = new OutboundWatch({ budgetBytes: 0, drainTimeoutMs: 0 });
  const a = fakeOutbound(700);
  watch.add('a', a.out);
  watch.add('a', fakeOutbound(300).out); // the HTTP socket that became a WebSocket
  assert.equal(watch.queuedBytes, 300);
  watch.remove('a');
  assert.equal(watch.queuedBytes, 0);
  assert.equal(watch.size, 0);
});
