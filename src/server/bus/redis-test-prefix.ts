import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** Where tests find Redis. */
export function testRedisUrl(): string {
  return process.env.SEALCAST_TEST_REDIS ?? 'redis://127.0.0.1:6379';
}

/**
 * A key and channel prefix of its own for one test (`sealcast_test_<random>:`); its keys are
 * deleted after it. No Redis answering is a failure, not a skip: .ci/run starts one.
 */
export function testRedisPrefix(t: { after: (fn: () => Promise<void>) => void }): string {
  const prefix = `sealcast_test_${randomBytes(6).toString('hex')}:`;
  t.after(async () => {
    const r = new Redis(testRedisUrl());
    try {
      const keys = await r.keys(`${prefix}*`);
      if (keys.length > 0) await r.del(...keys);
    } finally {
      r.disconnect();
    }
  });
  return prefix;
}

/** Waits for a condition (polling), failing with `what` after `ms`. */
export async function waitFor(what: string, ms: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
