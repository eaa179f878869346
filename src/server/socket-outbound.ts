import type { Socket } from 'node:net';
import type { CutReason, Outbound } from './outbound-watch.js';

/**
 * Bytes the kernel has taken from `socket`: Node counts a write in `bytesWritten` when it is handed
 * on and in `writableLength` until the kernel accepted it (for TLS, once its ciphertext went out), so
 * the difference grows only while the peer reads.
 */
export function kernelTook(socket: Socket): number {
  return socket.bytesWritten - socket.writableLength;
}

/** An HTTP connection's outgoing side: cut means destroyed (a response cannot say why halfway). */
export function httpOutbound(socket: Socket, onCut: (why: CutReason) => void): Outbound {
  return {
    queued: () => socket.writableLength,
    drained: () => kernelTook(socket),
    cut: (why) => {
      onCut(why);
      socket.destroy();
    },
  };
}
