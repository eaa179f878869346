import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeServerFrame, RosterUpdate_Event } from '../protocol/index.js';
import { RosterBroadcast, rosterBatchDelayMs, type RosterRecipient } from './roster-broadcast.js';

/** A recipient that keeps what it was sent (the real sendEncoded writes to a socket). */
class Inbox implements RosterRecipient {
  frames: Uint8Array[] = [];
  constructor(private open = true) {}
  sendEncoded(bytes: Uint8Array): boolean {
    if (!this.open) return false;
    this.frames.push(bytes);
    return true;
  }
  names(): string[][] {
    return this.frames.map((f) => {
      const frame = decodeServerFrame(f);
      assert.equal(frame.body.case, 'rosterUpdates');
      return frame.body.case === 'rosterUpdates' ? frame.body.value.updates.map((u) => `${u.event}:${u.peer!.name}`) : [];
    });
  }
}

const peer = (name: string) => ({ name, bundle: new Uint8Array([1, 2, 3]), online: true });

test('roster changes of one window go out as one frame, in order, to everyone online', async () => {
  const a = new Inbox();
  const b = new Inbox();
  const roster = new RosterBroadcast(() => [a, b], () => 20);
  roster.add({ event: RosterUpdate_Event.JOINED, peer: peer('carol') });
  roster.add({ event: RosterUpdate_Event.LEFT, peer: peer('dave') });
  roster.add({ event: RosterUpdate_Event.JOINED, peer: peer('dave') });
  assert.equal(a.frames.length, 0, 'nothing before the window ends');
  await new Promise((r) => setTimeout(r, 60));
  for (const inbox of [a, b]) assert.deepEqual(inbox.names(), [['1:carol', '2:dave', '1:dave']]);
  assert.equal(a.frames[0], b.frames[0], 'encoded once for all');
  assert.equal(roster.size, 0);
});

test('flush sends at once (before a message is routed); stop drops what is pending', async () => {
  const a = new Inbox();
  const roster = new RosterBroadcast(() => [a], () => 1000);
  roster.add({ event: RosterUpdate_Event.JOINED, peer: peer('erin') });
  roster.flush();
  assert.deepEqual(a.names(), [['1:erin']]);
  roster.flush();
  assert.equal(a.frames.length, 1, 'an empty flush sends nothing');
  roster.add({ event: RosterUpdate_Event.LEFT, peer: peer('erin') });
  roster.stop();
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(a.frames.length, 1);
});

test('a large batch is split into frames of at most 500 changes; a closed recipient is skipped', () => {
  const a = new Inbox();
  const closed = new Inbox(false);
  const roster = new RosterBroadcast(() => [closed, a], () => 1000);
  for (let i = 0; i < 1201; i++) roster.add({ event: RosterUpdate_Event.JOINED, peer: peer(`u${i}`) });
  roster.flush();
  const names = a.names();
  assert.deepEqual(names.map((n) => n.length), [500, 500, 201]);
  assert.equal(names.flat()[1200], '1:u1200');
  assert.equal(closed.frames.length, 0);
});

test('the window grows with the clients online, within 20 ms – 1 s by default', () => {
  assert.equal(rosterBatchDelayMs(0, 20), 20);
  assert.equal(rosterBatchDelayMs(200, 20), 20);
  assert.equal(rosterBatchDelayMs(2000, 20), 200);
  assert.equal(rosterBatchDelayMs(10_000, 20), 1000);
  assert.equal(rosterBatchDelayMs(1_000_000, 20), 1000);
  assert.equal(rosterBatchDelayMs(10, 5), 5);
});

test('a send that throws in the batch timer is reported, not thrown (an uncaught timer error ends the process)', async () => {
  const failures: Error[] = [];
  const broken: RosterRecipient = {
    sendEncoded: () => {
      throw new Error('socket state broken');
    },
  };
  const roster = new RosterBroadcast(() => [broken], () => 5, (e) => failures.push(e));
  roster.add({ event: RosterUpdate_Event.JOINED, peer: peer('erin') });
  for (let i = 0; i < 100 && failures.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(failures.map((e) => e.message), ['socket state broken']);
  // The next window works as before.
  const a = new Inbox();
  const healthy = new RosterBroadcast(() => [a], () => 5, (e) => failures.push(e));
  healthy.add({ event: RosterUpdate_Event.JOINED, peer: peer('finn') });
  for (let i = 0; i < 100 && a.frames.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(a.names(), [['1:finn']]);
});
