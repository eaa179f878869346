import { createServer, connect, type Socket } from 'node:net';

/** A loopback TCP proxy whose server-to-client direction runs at a rate the test sets. */
export interface ThrottledProxy {
  port: number;
  /** Bits per second from server to client from now on; undefined lifts the limit. */
  setRate(bitsPerSecond: number | undefined): void;
  /** Bytes forwarded from server to client so far. */
  readonly bytesDown: number;
  close(): Promise<void>;
}

/** Bytes sent per timer tick: small enough that a rate change applies within a few milliseconds. */
const SLICE_BYTES = 8 * 1024;
/** Bytes held from the server before its socket is paused (TCP then pushes back on the server). */
const HIGH_WATER = 64 * 1024;

/**
 * A real bandwidth limit for tests: TCP (TLS and all) passes through unchanged, but the
 * bytes from the server reach the client no faster than the rate, paced by a clock so a
 * segment of N bits takes N / rate seconds to arrive. The client-to-server direction is
 * not limited. What the server writes beyond HIGH_WATER waits in its own socket, as it
 * would behind a slow link.
 */
export async function throttledProxy(targetPort: number, bitsPerSecond?: number): Promise<ThrottledProxy> {
  let rate = bitsPerSecond;
  let bytesDown = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream);

    const queue: Buffer[] = [];
    let queued = 0;
    let nextAt = 0;
    let pumping = false;
    const pump = () => {
      pumping = true;
      while (queue.length && !client.destroyed) {
        const now = performance.now();
        if (rate !== undefined && now < nextAt) {
          setTimeout(pump, nextAt - now);
          return;
        }
        let head = queue[0]!;
        if (rate !== undefined && head.byteLength > SLICE_BYTES) {
          queue[0] = head.subarray(SLICE_BYTES);
          head = head.subarray(0, SLICE_BYTES);
        } else {
          queue.shift();
        }
        queued -= head.byteLength;
        bytesDown += head.byteLength;
        if (rate !== undefined) nextAt = Math.max(nextAt, now) + (head.byteLength * 8 * 1000) / rate;
        if (queued < HIGH_WATER) upstream.resume();
        if (!client.write(head)) {
          client.once('drain', pump);
          return;
        }
      }
      pumping = false;
    };
    upstream.on('data', (d: Buffer) => {
      queue.push(d);
      queued += d.byteLength;
      if (queued >= HIGH_WATER) upstream.pause();
      if (!pumping) pump();
    });
    upstream.on('end', () => {
      const finish = () => (queue.length ? setTimeout(finish, 10) : client.end());
      finish();
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    port: address.port,
    setRate(bps) {
      rate = bps;
    },
    get bytesDown() {
      return bytesDown;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
