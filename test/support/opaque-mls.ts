// MLS framing (RFC 9420 §6) with opaque content: what the delivery service reads, and nothing it
// could open. Shared by the tests that drive the server with hand-made MLS messages.
import { randomBytes } from 'node:crypto';

function u64(n: number): number[] {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return [...b];
}

/** An RFC 9420 §2.1.2 vector of `n` opaque bytes (n < 64: a one-byte length). */
const vec = (n: number) => [n, ...randomBytes(n)];

/** A GroupInfo states the epoch it is for: the one after the commit it comes with. */
export const mls = {
  commit: (group: Uint8Array, epoch: number) =>
    Uint8Array.from([0, 1, 0, 1, group.byteLength, ...group, ...u64(epoch), 1, 0, 0, 0, 0, 0, 3, ...randomBytes(40)]),
  application: (group: Uint8Array, epoch: number) =>
    Uint8Array.from([0, 1, 0, 2, group.byteLength, ...group, ...u64(epoch), 1, ...vec(0), ...vec(20), ...vec(40)]),
  welcome: () => Uint8Array.from([0, 1, 0, 3, 0, 1, ...vec(30), ...vec(30)]),
  groupInfo: (group: Uint8Array, epoch: number) => Uint8Array.from([0, 1, 0, 4, 0, 1, 0, 1, group.byteLength, ...group, ...u64(epoch), ...randomBytes(30)]),
};
