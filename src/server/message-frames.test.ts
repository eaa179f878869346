import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decodeServerFrame, encodeServerFrame } from '../protocol/index.js';
import { encodeAcceptedFrame, encodeDeliveredFrame, encodeDeliverFrame } from './message-frames.js';

// Sizes on both sides of every varint boundary that matters: lengths of 127/128 and 16383/16384 bytes.
const envelopes = [0, 1, 127, 128, 1307, 16_383, 16_384, 300_000].map((n) => new Uint8Array(randomBytes(n)));
const names = ['a', 'alice', 'zoë-ünïcode', 'x'.repeat(64), ''];
const ids = [new Uint8Array(16).fill(9), new Uint8Array(0)];
const times = [0, 1, 127, 128, 1_764_000_000_000, 2 ** 53 - 1];

test('Deliver frames are byte for byte what protobuf-es writes', () => {
  for (const envelope of envelopes) for (const from of names) for (const id of ids) for (const toAll of [false, true]) for (const serverTs of times) {
    const fast = encodeDeliverFrame({ id, from, toAll, envelope, serverTs });
    const reference = encodeServerFrame({ body: { case: 'deliver', value: { id, from, toAll, envelope, serverTs: BigInt(serverTs) } } });
    assert.deepEqual(fast, reference, `envelope ${envelope.byteLength} B, from "${from}", toAll ${toAll}, ts ${serverTs}`);
  }
  const decoded = decodeServerFrame(encodeDeliverFrame({ id: ids[0]!, from: 'alice', toAll: true, envelope: envelopes[4]!, serverTs: 5 }));
  assert.equal(decoded.body.case, 'deliver');
  if (decoded.body.case === 'deliver') assert.deepEqual(decoded.body.value.envelope, envelopes[4]);
});

test('Accepted and Delivered frames are byte for byte what protobuf-es writes', () => {
  for (const req of [0, 1, 127, 128, 2 ** 32 - 1]) for (const id of ids) for (const deliveredNow of [0, 1, 199, 300]) for (const stored of [0, 2, 128]) {
    assert.deepEqual(
      encodeAcceptedFrame(req, id, deliveredNow, stored),
      encodeServerFrame({ req, body: { case: 'accepted', value: { id, deliveredNow, stored } } }),
      `req ${req}, now ${deliveredNow}, stored ${stored}`,
    );
  }
  for (const id of ids) for (const by of names) for (const rejected of ['', 'NOT_A_RECIPIENT', 'R'.repeat(32)]) {
    assert.deepEqual(
      encodeDeliveredFrame(id, by, rejected), encodeServerFrame({ body: { case: 'delivered', value: { id, by, rejected } } }), `by "${by}", rejected "${rejected}"`,
    );
  }
});
