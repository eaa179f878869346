import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
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

test('fuzz: 100,000 random and mutated frames never throw anything but ProtocolError', () => {
  const seeds = [
    encodeClientFrame({ req: 1, body: { case: 'send', value: { id, to: 'bob', envelope: randomBytes(200) } } }),
    encodeClientFrame({ req: 2, body: { case: 'login', value: { protocolVersion: 1, name: 'alice', bundle: randomBytes(100), signature: randomBytes(64) } } }),
    encodeClientFrame({ req: 3, body: { case: 'play', value: { streamId: 1, title: 'sample', policy: 'abr', initialCredit: 3 } } }),
    encodeClientFrame({ req: 4, body: { case: 'ack', value: { id } } }),
  ];
  let decoded = 0;
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 100_000; i++) {
    let input: Uint8Array;
    if (i % 2 === 0) {
      input = randomBytes(1 + (i % 300));
    } else {
      input = Uint8Array.from(seeds[i % seeds.length]!);
      const flips = 1 + (i % 5);
      for (let k = 0; k < flips; k++) input[(i * 31 + k * 7919) % input.length] = (i * 13 + k) & 0xff;
      if (i % 7 === 0) input = input.subarray(0, (i % input.length) + 1);
    }
    try {
      decodeClientFrame(input);
      decoded++;
    } catch (e) {
      if (!isProtocolError(e)) throw new Error(`non-protocol error on input ${Buffer.from(input).toString('hex')}: ${String(e)}`);
    }
  }
  global.gc?.();
  const growth = process.memoryUsage().heapUsed - before;
  assert.ok(growth < 64 * 1024 * 1024, `heap grew by ${growth} bytes`);
  assert.ok(decoded > 0, 'some mutated frames should still decode');
});
