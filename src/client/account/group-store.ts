// The conversations this device is in (protocol v2): each one's MLS group state and what the user
// sees of it (kind, title, peer), one storage key per conversation, written atomically by the
// storage, so a crash leaves a group at its old epoch or its new one, never half of either.
import { fromBase64, toBase64, toHex } from '../../crypto/index.js';
import type { MlsGroupState } from '../../crypto/mls/index.js';
import { ClientError, errorMessage } from '../client-error.js';
import type { ClientStorage } from '../storage.js';

const INDEX_KEY = 'v2:groups';
const groupKey = (idHex: string) => `v2:group:${idHex}`;

/** What the user sees of a conversation. */
export interface ConversationMeta {
  /** 32 hex digits. */
  id: string;
  kind: 'direct' | 'room' | 'everyone';
  title: string;
  /** Direct conversations: the other account. */
  peer: string;
  creator: string;
  admin: boolean;
}

/** A conversation this device is in, with its MLS state. */
export interface Group {
  meta: ConversationMeta;
  state: MlsGroupState;
}

/** Encodes and decodes MLS states (the adapter's, passed in so this file needs no MLS client). */
export interface StateCodec {
  encodeState(state: MlsGroupState): Uint8Array;
  decodeState(bytes: Uint8Array): MlsGroupState;
}

/** Every group of this device, in memory, each written through to storage on change. */
export class GroupStore {
  private readonly groups = new Map<string, Group>();

  private constructor(
    private readonly storage: ClientStorage,
    private readonly codec: StateCodec,
  ) {}

  static async load(storage: ClientStorage, codec: StateCodec): Promise<GroupStore> {
    const store = new GroupStore(storage, codec);
    const raw = await storage.get(INDEX_KEY);
    let ids: string[] = [];
    try {
      ids = raw ? (JSON.parse(raw) as string[]) : [];
      if (!Array.isArray(ids) || !ids.every((i) => typeof i === 'string' && /^[0-9a-f]{32}$/.test(i))) throw new Error('not a list of ids');
    } catch (e) {
      throw new ClientError('STATE_DAMAGED', `the list of conversations is damaged: ${errorMessage(e)}`);
    }
    for (const id of ids) {
      const g = await storage.get(groupKey(id));
      if (g === undefined) continue;
      try {
        const parsed = JSON.parse(g) as { meta: ConversationMeta; state: string };
        store.groups.set(id, { meta: parsed.meta, state: codec.decodeState(fromBase64(parsed.state)) });
      } catch (e) {
        throw new ClientError('STATE_DAMAGED', `the state of conversation ${id} is damaged: ${errorMessage(e)}`);
      }
    }
    return store;
  }

  get(idHex: string): Group | undefined {
    return this.groups.get(idHex);
  }

  all(): Group[] {
    return [...this.groups.values()];
  }

  /** Writes a group's new state (and meta): durably, before anything that depends on it goes out. */
  async put(group: Group): Promise<void> {
    const isNew = !this.groups.has(group.meta.id);
    await this.storage.set(groupKey(group.meta.id), JSON.stringify({ meta: group.meta, state: toBase64(this.codec.encodeState(group.state)) }));
    this.groups.set(group.meta.id, group);
    if (isNew) await this.storage.set(INDEX_KEY, JSON.stringify([...this.groups.keys()]));
  }

  async remove(idHex: string): Promise<void> {
    if (!this.groups.delete(idHex)) return;
    await this.storage.set(INDEX_KEY, JSON.stringify([...this.groups.keys()]));
    await this.storage.delete(groupKey(idHex));
  }
}

/** A conversation id as a map key. */
export function idHex(id: Uint8Array): string {
  return toHex(id);
}
