import type { Identity } from '../crypto/index.js';

/**
 * Our identities: the current one, which signs logins and messages, and the ones it
 * replaced, kept so that messages sealed to an old key before a rotation still open.
 */
export class IdentityRing {
  private current_: Identity;
  private readonly retired_: Identity[];

  constructor(current: Identity, retired: Identity[] = []) {
    this.current_ = current;
    this.retired_ = [...retired];
  }

  get current(): Identity {
    return this.current_;
  }

  /** Every identity a delivery may be sealed to, the current one first. */
  all(): Identity[] {
    return [this.current_, ...this.retired_];
  }

  /** The server rebound our name to `next`: the current identity retires. */
  rotate(next: Identity): void {
    this.retired_.unshift(this.current_);
    this.current_ = next;
  }
}
