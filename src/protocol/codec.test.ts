import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { decodeClientFrame, decodeServerFrame, encodeClientFrame, encodeServerFrame } from './codec.js';
import { isProtocolError } from './protocol-error.js';
import { LIMITS } from './limits.js';
import { canonicalName } from './names.js';

const id = new Uint8Array(16).fill(7);

test('a client frame round-trips through encode and decode', () => {
  const bytes = encodeClientFrame({ req: 9, body: { case: 'send', value: { id, to: 'bob', envelope: new Uint8Array([1, 2, 3]) } } });
  const frame = decodeClientFrame(bytes);
  assert.equal(frame.req, 9);
  assert.equal(frame.body.case, 'send');
  if (frame.body.case !== 'send') return;
  assert.deepEqual(frame.body.value.id, id);
  assert.equal(frame.body.value.to, 'bob');
});

test('a frame over the limit is refused before decoding with FRAME_TOO_LARGE', () => {
  const big = new Uint8Array(LIMITS.maxClientFrameBytes + 1);
  assert.throws(() => decodeClientFrame(big), (e) => isProtocolError(e, 'FRAME_TOO_LARGE'));
  assert.throws(() => decodeClientFrame(new Uint8Array(100), 50), (e) => isProtocolError(e, 'FRAME_TOO_LARGE'));
});

test('empty, garbage and bodiless frames get stable codes', () => {
  assert.throws(() => decodeClientFrame(new Uint8Array()), (e) => isProtocolError(e, 'BAD_FRAME'));
  assert.throws(() => decodeClientFrame(new Uint8Array([0xff, 0xff, 0xff])), (e) => isProtocolError(e, 'BAD_FRAME'));
  assert.throws(() => decodeClientFrame(encodeClientFrame({ req: 1 })), (e) => isProtocolError(e, 'UNKNOWN_FRAME'));
});

test('field limits are enforced after decoding', () => {
  const cases: [string, Parameters<typeof encodeClientFrame>[0]][] = [
    ['short id', { body: { case: 'send', value: { id: new Uint8Array(15), to: 'bob', envelope: new Uint8Array(1) } } }],
    ['empty envelope', { body: { case: 'send', value: { id, to: 'bob', envelope: new Uint8Array() } } }],
    ['to and to_all', { body: { case: 'send', value: { id, to: 'bob', toAll: true, envelope: new Uint8Array(1) } } }],
    ['long name', { body: { case: 'login', value: { name: 'a'.repeat(33), bundle: new Uint8Array(1), signature: new Uint8Array(1) } } }],
    ['NUL in title', { body: { case: 'play', value: { title: 'a\u0000b', streamId: 1 } } }],
    ['huge credit', { body: { case: 'credit', value: { streamId: 1, segments: 1000 } } }],
    ['big bundle', { body: { case: 'login', value: { name: 'a', bundle: new Uint8Array(5000), signature: new Uint8Array(1) } } }],
  ];
  for (const [label, init] of cases) {
    assert.throws(() => decodeClientFrame(encodeClientFrame(init)), (e) => isProtocolError(e, 'BAD_FRAME'), label);
  }
});

test('server frames are validated on the client side too', () => {
  const ok = encodeServerFrame({ body: { case: 'challenge', value: { nonce: new Uint8Array(32), protocolVersion: 1 } } });
  assert.equal(decodeServerFrame(ok).body.case, 'challenge');
  const bad = encodeServerFrame({ body: { case: 'challenge', value: { nonce: new Uint8Array(8) } } });
  assert.throws(() => decodeServerFrame(bad), (e) => isProtocolError(e, 'BAD_FRAME'));
});

test('batched roster updates: every entry needs a peer with a valid name', () => {
  const peer = { name: 'bob', bundle: new Uint8Array(1), online: true };
  const ok = encodeServerFrame({ body: { case: 'rosterUpdates', value: { updates: [{ event: 1, peer }, { event: 2, peer }] } } });
  const frame = decodeServerFrame(ok);
  assert.equal(frame.body.case === 'rosterUpdates' && frame.body.value.updates.length, 2);
  const bad: Parameters<typeof encodeServerFrame>[0][] = [
    { body: { case: 'rosterUpdates', value: { updates: [] } } },
    { body: { case: 'rosterUpdates', value: { updates: [{ event: 1, peer }, { event: 1 }] } } },
    { body: { case: 'rosterUpdates', value: { updates: [{ event: 1, peer: { ...peer, name: 'x'.repeat(LIMITS.maxNameChars + 1) } }] } } },
  ];
  for (const init of bad) assert.throws(() => decodeServerFrame(encodeServerFrame(init)), (e) => isProtocolError(e, 'BAD_FRAME'));
});

test('names: canonical lower case, clear reasons for refusals', () => {
  assert.equal(canonicalName('Alice'), 'alice');
  assert.equal(canonicalName('bob.smith-2_x'), 'bob.smith-2_x');
  for (const bad of ['', ' alice', 'al ice', '-alice', 'a'.repeat(33), 'all', 'élodie', 'a/b', 'a\u0000']) {
    assert.throws(() => canonicalName(bad), (e) => isProtocolError(e, 'NAME_INVALID') && e.message.length > 5, JSON.stringify(bad));
  }
});

/** Memory retained after a full collection (JS heap and buffers): gc is exposed at run time, so no node flag is needed. */
function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Retained heap may grow this much at most over 100,000 frames: far below what keeping each input would take. */
const FUZZ_HEAP_BOUND = 4 * 1024 * 1024;

test('fuzz: 100,000 random and mutated frames never throw anything but ProtocolError, and retain no memory', () => {
  const seeds = [
    encodeClientFrame({ req: 1, body: { case: 'send', value: { id, to: 'bob', envelope: randomBytes(200) } } }),
    encodeClientFrame({ req: 2, body: { case: 'login', value: { protocolVersion: 1, name: 'alice', bundle: randomBytes(100), signature: randomBytes(64) } } }),
    encodeClientFrame({ req: 3, body: { case: 'play', value: { streamId: 1, title: 'sample', policy: 'abr', initialCredit: 3 } } }),
    encodeClientFrame({ req: 4, body: { case: 'ack', value: { id } } }),
  ];
  const input = (i: number): Uint8Array => {
    if (i % 2 === 0) return randomBytes(1 + (i % 300));
    let m = Uint8Array.from(seeds[i % seeds.length]!);
    const flips = 1 + (i % 5);
    for (let k = 0; k < flips; k++) m[(i * 31 + k * 7919) % m.length] = (i * 13 + k) & 0xff;
    if (i % 7 === 0) m = m.subarray(0, (i % m.length) + 1);
    return m;
  };
  // Positive control: a decoder that kept what it was given (one in two inputs) is over the bound.
  const kept: Uint8Array[] = [];
  const controlBefore = heapAfterGc();
  for (let i = 0; i < 100_000; i += 2) kept.push(input(i));
  const keptGrowth = heapAfterGc() - controlBefore;
  assert.ok(keptGrowth > 2 * FUZZ_HEAP_BOUND, `the measurement sees inputs that are kept (${keptGrowth} bytes)`);
  kept.length = 0;

  let decoded = 0;
  const before = heapAfterGc();
  for (let i = 0; i < 100_000; i++) {
    const bytes = input(i);
    try {
      decodeClientFrame(bytes);
      decoded++;
    } catch (e) {
      if (!isProtocolError(e)) throw new Error(`non-protocol error on input ${Buffer.from(bytes).toString('hex')}: ${String(e)}`);
    }
  }
  const growth = heapAfterGc() - before;
  assert.ok(growth < FUZZ_HEAP_BOUND, `heap grew by ${growth} bytes`);
  assert.ok(decoded > 0, 'some mutated frames should still decode');
});
