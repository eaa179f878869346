// The delivery service's MLS framing reader: against the messages the MLS adapter makes, byte
// strings built by hand for every error (each with its exact message), the working group's length
// headers, and a fuzz loop (random, truncated and bit-flipped inputs only ever raise BAD_FRAME,
// and every call returns). The working group's own messages are read in
// crypto/mls/vectors/vectors-messages.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceDirectory, makeDevice } from '../../test/support/mls-devices.js';
import { hexBytes, readMlsVectors } from '../../test/support/mls-vectors.js';
import { MAX_MLS_GROUP_ID_BYTES, readMlsFraming } from './mls-framing.js';
import { isProtocolError } from './protocol-error.js';
import { MAX_GROUP_ID_BYTES } from '../crypto/mls/group-create.js';

const text = (s: string) => new TextEncoder().encode(s);

/** A variable-length vector header in its shortest form (RFC 9420 §2.1.2). */
function vlen(n: number): Uint8Array {
  if (n < 64) return Uint8Array.of(n);
  if (n < 16384) return Uint8Array.of(0x40 | (n >> 8), n & 0xff);
  return Uint8Array.of(0x80 | (n >>> 24), (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}
const u16 = (n: number) => Uint8Array.of(n >> 8, n & 0xff);
const u64 = (n: number | bigint) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
};
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
const vec = (b: Uint8Array) => cat(vlen(b.length), b);

/** A PrivateMessage (version mls10, wire format 2) with the given fields. */
function privateMessage(groupId: Uint8Array, epoch: number | bigint, contentType: number, aad = new Uint8Array(0), tail = cat(vec(new Uint8Array(8)), vec(new Uint8Array(40)))): Uint8Array {
  return cat(u16(1), u16(2), vec(groupId), u64(epoch), Uint8Array.of(contentType), vec(aad), tail);
}

function refuses(bytes: Uint8Array, message: RegExp | string) {
  assert.throws(() => readMlsFraming(bytes), (e: unknown) => {
    assert.ok(isProtocolError(e, 'BAD_FRAME'), `expected ProtocolError BAD_FRAME, got ${String(e)}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

test('reads what the MLS adapter sends: commits, messages, proposals, external commits, Welcome, GroupInfo, KeyPackage', async () => {
  const dir = new DeviceDirectory();
  const [alice, bob, carol] = await Promise.all([makeDevice('alice'), makeDevice('bob'), makeDevice('carol')]);
  for (const d of [alice, bob, carol]) dir.add(d);
  const mls = dir.client();
  const gid = text('framing-room-001');
  const [kp] = await mls.generateKeyPackages(bob, 1);
  assert.deepEqual(readMlsFraming(kp!.publicBytes), { wireFormat: 'key_package', cipherSuite: 1 });
  const added = await mls.addMembers(await mls.createGroup(gid, alice), [kp!.publicBytes]);
  assert.deepEqual(readMlsFraming(added.commit), { wireFormat: 'private_message', groupId: gid, epoch: 0, contentType: 'commit' });
  assert.deepEqual(readMlsFraming(added.welcome), { wireFormat: 'welcome', cipherSuite: 1 });
  assert.deepEqual(readMlsFraming(added.groupInfo), { wireFormat: 'group_info', cipherSuite: 1, groupId: gid, epoch: 1 });
  const sealed = await mls.encrypt(added.state, text('hi'), text('clear aad'));
  assert.deepEqual(readMlsFraming(sealed.message), { wireFormat: 'private_message', groupId: gid, epoch: 1, contentType: 'application' });
  const b = await mls.joinFromWelcome(added.welcome, kp!.privateBytes);
  const leave = await mls.proposeLeave(b);
  assert.deepEqual(readMlsFraming(leave.proposal), { wireFormat: 'private_message', groupId: gid, epoch: 1, contentType: 'proposal' });
  const external = await mls.joinExternal(added.groupInfo, carol);
  assert.deepEqual(readMlsFraming(external.commit), { wireFormat: 'public_message', groupId: gid, epoch: 1, senderType: 'new_member_commit', contentType: 'commit' });
  assert.equal(MAX_MLS_GROUP_ID_BYTES, MAX_GROUP_ID_BYTES, 'the server and the adapter bound group ids alike');
});

test('every malformed input gets BAD_FRAME with the exact reason and position', () => {
  const gid = text('g');
  refuses(new Uint8Array(0), 'MLS message: truncated version: needs 2 bytes, 0 left (at byte 0)');
  refuses(Uint8Array.of(0), 'MLS message: truncated version: needs 2 bytes, 1 left (at byte 0)');
  refuses(cat(u16(2), u16(2)), 'MLS message: unsupported protocol version 0x0002 (only mls10 = 0x0001) (at byte 0)');
  refuses(cat(u16(1), u16(6)), 'MLS message: unknown wire_format 0x0006 (at byte 2)');
  refuses(cat(u16(1), u16(0)), 'MLS message: unknown wire_format 0x0000 (at byte 2)');
  refuses(cat(u16(1), u16(2)), 'MLS message: truncated group_id length: needs 1 bytes, 0 left (at byte 4)');
  refuses(cat(u16(1), u16(2), Uint8Array.of(5, 1, 2)), 'MLS message: truncated group_id: needs 5 bytes, 2 left (at byte 5)');
  refuses(cat(u16(1), u16(2), Uint8Array.of(0x40, 0x05), new Uint8Array(5)), 'MLS message: group_id length 5 is not in its shortest form (at byte 4)');
  refuses(cat(u16(1), u16(2), Uint8Array.of(0x80, 0, 0, 0x40)), 'MLS message: group_id length 64 is not in its shortest form (at byte 4)');
  refuses(cat(u16(1), u16(2), Uint8Array.of(0xc0, 0, 0, 0, 0, 0, 0, 1)), 'MLS message: group_id length uses the invalid 0b11 prefix (at byte 4)');
  refuses(cat(u16(1), u16(2), vlen(256), new Uint8Array(256)), `MLS message: group_id of 256 bytes is over the ${MAX_MLS_GROUP_ID_BYTES}-byte limit (at byte 4)`);
  refuses(cat(u16(1), u16(2), vec(gid), new Uint8Array(7)), 'MLS message: truncated epoch: needs 4 bytes, 3 left (at byte 10)');
  refuses(privateMessage(gid, 2n ** 53n, 1), 'MLS message: epoch is 2^53 or more (at byte 6)');
  refuses(privateMessage(gid, 1, 0), 'MLS message: unknown content_type 0 (at byte 14)');
  refuses(privateMessage(gid, 1, 4), 'MLS message: unknown content_type 4 (at byte 14)');
  refuses(privateMessage(gid, 1, 1, new Uint8Array(0), vec(new Uint8Array(8))), 'MLS message: truncated ciphertext length: needs 1 bytes, 0 left (at byte 25)');
  refuses(cat(privateMessage(gid, 1, 1), Uint8Array.of(0)), 'MLS message: 1 trailing bytes after the PrivateMessage (at byte 66)');
  // A declared length far beyond the input: refused at once (nothing is allocated or read past the end).
  refuses(cat(u16(1), u16(2), vec(gid), u64(1), Uint8Array.of(1), Uint8Array.of(0xbf, 0xff, 0xff, 0xff)), 'MLS message: truncated authenticated_data: needs 1073741823 bytes, 0 left (at byte 19)');
  // PublicMessage: sender types and the application-data rule.
  const pub = (sender: Uint8Array, contentType: number) => cat(u16(1), u16(1), vec(gid), u64(3), sender, vec(new Uint8Array(0)), Uint8Array.of(contentType));
  assert.deepEqual(readMlsFraming(pub(cat(Uint8Array.of(1), new Uint8Array(4)), 3)), { wireFormat: 'public_message', groupId: gid, epoch: 3, senderType: 'member', contentType: 'commit' });
  assert.deepEqual(readMlsFraming(pub(cat(Uint8Array.of(2), new Uint8Array(4)), 2)), { wireFormat: 'public_message', groupId: gid, epoch: 3, senderType: 'external', contentType: 'proposal' });
  assert.deepEqual(readMlsFraming(pub(Uint8Array.of(3), 2)), { wireFormat: 'public_message', groupId: gid, epoch: 3, senderType: 'new_member_proposal', contentType: 'proposal' });
  refuses(pub(Uint8Array.of(5), 3), 'MLS message: unknown sender_type 5 (at byte 14)');
  refuses(cat(u16(1), u16(1), vec(gid), u64(3), Uint8Array.of(1, 0, 0)), 'MLS message: truncated sender leaf_index: needs 4 bytes, 2 left (at byte 15)');
  refuses(pub(Uint8Array.of(4), 1), 'MLS message: a PublicMessage cannot carry application data (RFC 9420 §6.2) (at byte 16)');
  // Welcome, GroupInfo, KeyPackage.
  refuses(cat(u16(1), u16(3), u16(1), vec(new Uint8Array(3))), 'MLS message: truncated encrypted_group_info length: needs 1 bytes, 0 left (at byte 10)');
  refuses(cat(u16(1), u16(3), u16(1), vec(new Uint8Array(3)), vec(new Uint8Array(2)), Uint8Array.of(9)), 'MLS message: 1 trailing bytes after the Welcome (at byte 13)');
  refuses(cat(u16(1), u16(4), u16(2), u16(1)), 'MLS message: unsupported group_context version 0x0002 (at byte 4)');
  refuses(cat(u16(1), u16(5), u16(0)), 'MLS message: unsupported key_package version 0x0000 (at byte 4)');
  refuses(cat(u16(1), u16(5), u16(1)), 'MLS message: truncated cipher_suite: needs 2 bytes, 0 left (at byte 6)');
  assert.throws(() => readMlsFraming('not bytes' as unknown as Uint8Array), (e: unknown) => isProtocolError(e, 'BAD_FRAME'));
});

test('the working group\'s length headers read the same here (deserialization.json)', () => {
  for (const v of readMlsVectors<{ vlbytes_header: string; length: number }>('deserialization.json')) {
    const header = hexBytes(v.vlbytes_header);
    // Carried as the authenticated_data of a PrivateMessage: the reader walks past exactly `length` bytes.
    const head = cat(u16(1), u16(2), vec(text('g')), u64(1), Uint8Array.of(1), header);
    if (v.length <= 1 << 20) {
      const msg = cat(head, new Uint8Array(v.length), vec(new Uint8Array(1)), vec(new Uint8Array(1)));
      assert.equal(readMlsFraming(msg).wireFormat, 'private_message', `${v.vlbytes_header}`);
      refuses(cat(head, new Uint8Array(Math.max(0, v.length - 1))), v.length === 0 ? /truncated encrypted_sender_data/ : /truncated authenticated_data/);
    } else {
      refuses(head, `MLS message: truncated authenticated_data: needs ${v.length} bytes, 0 left (at byte ${head.length})`);
    }
  }
});

test('fuzz: random, truncated and bit-flipped inputs only ever raise BAD_FRAME, and every call returns', async () => {
  const dir = new DeviceDirectory();
  const [alice, bob] = await Promise.all([makeDevice('alice'), makeDevice('bob')]);
  dir.add(alice);
  dir.add(bob);
  const mls = dir.client();
  const [kp] = await mls.generateKeyPackages(bob, 1);
  const added = await mls.addMembers(await mls.createGroup(text('fuzz-room'), alice), [kp!.publicBytes]);
  const sealed = await mls.encrypt(added.state, text('fuzz'));
  const external = await mls.joinExternal(added.groupInfo, await makeDevice('carol'));
  const seeds = [added.commit, added.welcome, added.groupInfo, sealed.message, kp!.publicBytes, external.commit];
  let calls = 0;
  let accepted = 0;
  const attempt = (bytes: Uint8Array) => {
    calls++;
    try {
      readMlsFraming(bytes);
      accepted++;
    } catch (e) {
      if (!isProtocolError(e, 'BAD_FRAME')) throw new Error(`input ${Buffer.from(bytes.subarray(0, 32)).toString('hex')}… raised ${String(e)}`);
    }
  };
  for (const seed of seeds) {
    for (let n = 0; n < Math.min(seed.length, 400); n++) attempt(seed.subarray(0, n)); // every truncation of the head
    for (let i = 0; i < 300; i++) {
      const flipped = seed.slice();
      const at = Math.floor(Math.random() * Math.min(seed.length, 64));
      flipped[at]! ^= 1 << Math.floor(Math.random() * 8);
      attempt(flipped);
    }
  }
  for (let i = 0; i < 20_000; i++) {
    const junk = crypto.getRandomValues(new Uint8Array(Math.floor(Math.random() * 80)));
    if (i % 2 === 0 && junk.length >= 4) junk.set([0, 1, 0, 1 + (i % 5)]); // a valid start, so the body parsers run
    attempt(junk);
  }
  assert.ok(calls > 20_000 && accepted > 0, `${calls} calls, ${accepted} accepted`);
});
