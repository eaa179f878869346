// The opaque group state handed to callers. ts-mls's ClientState (epoch secrets, ratchet tree,
// private path keys) stays inside this module; callers hold an MlsGroupState and pass it back.
// States are immutable: every operation returns a new one and the old one stays valid, which is
// what lets a client keep its state when the delivery service refuses its commit (it processes
// the winning commit with the old state and commits again).
import type { ClientState } from 'ts-mls';
import { MlsError } from './mls-error.js';

const inner = new WeakMap<MlsGroupState, ClientState>();
const TOKEN: unique symbol = Symbol('MlsGroupState');

/** A device's view of one MLS group at one epoch. Opaque: read it with the adapter's functions. */
export class MlsGroupState {
  /** Only the adapter makes states (decodeState rebuilds one from bytes). */
  constructor(token: symbol) {
    if (token !== TOKEN) throw new MlsError('BAD_INPUT', 'MlsGroupState: made by the adapter only (use decodeState)');
    Object.freeze(this);
  }
}

/** Wraps a library state (adapter-internal; not exported from the index). */
export function wrap(state: ClientState): MlsGroupState {
  const s = new MlsGroupState(TOKEN);
  inner.set(s, state);
  return s;
}

/** The library state inside (adapter-internal). BAD_INPUT for anything that is not a state from this adapter. */
export function unwrap(state: unknown, what = 'state'): ClientState {
  const cs = state instanceof MlsGroupState ? inner.get(state) : undefined;
  if (cs === undefined) throw new MlsError('BAD_INPUT', `${what}: expected an MlsGroupState from this adapter`);
  return cs;
}

/** Throws NOT_A_MEMBER when the state says this device was removed (it can neither send nor process). */
export function expectActive(cs: ClientState, what: string): void {
  if (cs.groupActiveState.kind === 'removedFromGroup') throw new MlsError('NOT_A_MEMBER', `${what}: this device was removed from the group`);
  if (cs.groupActiveState.kind !== 'active') throw new MlsError('REJECTED', `${what}: the group is suspended (re-init), which sealcast does not use`);
}
