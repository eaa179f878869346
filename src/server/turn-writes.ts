import type { Duplex } from 'node:stream';

/**
 * Holds the writes made to a socket during one event-loop turn and hands them to TLS together
 * when the turn's I/O is done (setImmediate runs right after the poll phase). Each socket write
 * is a TLS record, a libuv request and a syscall: in bench relay the server spent a quarter of
 * its busy time in `writev`, one per frame, while a message costs three frames to two sockets
 * (Deliver; Accepted and Delivered). Held frames wait at most until the end of the turn.
 */
const held = new Set<Duplex>();
let releaseScheduled = false;

export function holdUntilTurnEnds(socket: Duplex): void {
  if (held.has(socket) || socket.destroyed) return;
  socket.cork();
  held.add(socket);
  if (!releaseScheduled) {
    releaseScheduled = true;
    setImmediate(releaseHeld);
  }
}

/** Sockets whose writes are being held now (for tests). */
export function heldSocketCount(): number {
  return held.size;
}

function releaseHeld(): void {
  releaseScheduled = false;
  const sockets = [...held];
  held.clear();
  for (const socket of sockets) socket.uncork();
}
