import { TokenBucket } from '../token-bucket.js';

/** Addresses whose buckets are remembered at most; the least recently used go first. */
const MAX_ADDRESSES = 10_000;

/**
 * Registrations are limited per address (so one address cannot starve honest newcomers) and in
 * all (so many addresses together cannot flood the registry). IPv6 addresses count per /64, the
 * block one host usually holds. The per-address buckets are bounded: an address forgotten starts
 * again with a full bucket, which costs at most its burst.
 */
export class RegistrationLimiter {
  private readonly global: TokenBucket;
  private readonly byAddress = new Map<string, TokenBucket>();

  constructor(
    private readonly perMinute: number,
    private readonly perAddressPerMinute: number,
  ) {
    this.global = new TokenBucket(perMinute / 60, perMinute);
  }

  /** Takes one registration for `address`; false when the address or the server is over its limit. */
  take(address: string, now = Date.now()): boolean {
    const key = addressKey(address);
    let bucket = this.byAddress.get(key);
    if (bucket) this.byAddress.delete(key);
    else {
      bucket = new TokenBucket(this.perAddressPerMinute / 60, Math.max(1, this.perAddressPerMinute), now);
      if (this.byAddress.size >= MAX_ADDRESSES) this.byAddress.delete(this.byAddress.keys().next().value!);
    }
    this.byAddress.set(key, bucket);
    if (!bucket.take(1, now)) return false;
    return this.global.take(1, now);
  }

  /** Addresses remembered now (a bound the tests reach). */
  get size(): number {
    return this.byAddress.size;
  }
}

/** The part of an address that names one client: IPv4 whole, IPv6 by its /64 prefix. */
export function addressKey(address: string): string {
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (!a.includes(':')) return a;
  const [head = '', tail = ''] = a.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = a.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => (g || '0').toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
