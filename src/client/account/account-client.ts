import {
  fromBase64, parseDeviceList, signDeviceList, signDeviceLogin, toBase64, toHex, type DeviceList, type Identity,
} from '../../crypto/index.js';
import { MlsClient, type MlsDevice } from '../../crypto/mls/index.js';
import {
  canonicalName, PROTOCOL_VERSION_2, type Account, type Challenge, type ClientFrameInit, type QueueItem, type ServerFrame, type Welcome,
} from '../../protocol/index.js';
import { ClientError, errorMessage, isClientError } from '../client-error.js';
import type { ClientEvents, ClientState, Emit, RejectionCode, SendResult } from '../client-types.js';
import { Connection } from '../connection.js';
import { Emitter } from '../event-emitter.js';
import { IdentityRing } from '../identity-ring.js';
import { Inbox } from '../inbox.js';
import { Outbox } from '../outbox.js';
import { Roster } from '../roster.js';
import { SavedState } from '../saved-state.js';
import { SerialQueue } from '../serial-queue.js';
import type { VideoStream } from '../video-stream.js';
import { VideoStreams, type PlayOptions } from '../video-streams.js';
import type { AccountEvents, AccountMessage, AccountOptions, ConversationMeta, DeviceView } from './account-types.js';
import { Conversations } from './conversations.js';
import { DeviceStore } from './device-store.js';
import { Directory } from './directory.js';
import { GroupStore } from './group-store.js';
import { KeyPackageKeeper } from './key-package-keeper.js';

const OWN_LIST_KEY = 'v2:own-list';
/** Tries of a device's first login that loses the race to change the account's device list. */
const LIST_ATTEMPTS = 3;

/**
 * The v2 client core (protocol v2): one device of an account, its conversations (MLS), and v1
 * envelopes to and from accounts that have no v2 device. No terminal, DOM or Node code: the CLI
 * and the web app are two faces on it. A facade over one module per concern: Connection (socket,
 * device login, requests, reconnect), Directory (accounts, pinned identities, device lists),
 * Conversations (MLS groups: create, add, remove, leave, send, process), KeyPackageKeeper,
 * Roster/Inbox/Outbox (v1 envelopes), VideoStreams. Everything the server pushes, and every change
 * of an MLS state, runs one at a time in arrival order (SerialQueue).
 */
export class SealcastAccount extends Emitter<AccountEvents> {
  readonly name: string;
  private readonly ring: IdentityRing;
  private readonly queue: SerialQueue;
  private readonly saved: SavedState;
  private readonly connection: Connection;
  private readonly directory: Directory;
  private readonly roster: Roster;
  private readonly inbox: Inbox;
  private readonly outbox: Outbox;
  private readonly video: VideoStreams;
  private readonly mls: MlsClient;
  private device: DeviceStore | undefined;
  private groups: GroupStore | undefined;
  private conversations_: Conversations | undefined;
  private keeper: KeyPackageKeeper | undefined;
  private ownList: DeviceList | undefined;
  private registered = false;
  /** Where the v1 inbox's acknowledgement of the envelope being handled goes (its rejection code, for the QueueAck). */
  private v1Ack: (code: RejectionCode | '') => void = () => undefined;
  /** The v1 envelope just shown, for beforeAck. */
  private lastV1: AccountMessage | undefined;

  constructor(private readonly opts: AccountOptions) {
    super();
    try {
      this.name = canonicalName(opts.name);
    } catch (e) {
      throw new ClientError('NAME_INVALID', errorMessage(e));
    }
    const emit = this.emit.bind(this) as SealcastAccount['emit'];
    const reportError = (failure: { code: string; message: string }) => emit('error', failure);
    this.ring = new IdentityRing(opts.identity, opts.retiredIdentities, opts.retiredStore);
    this.queue = new SerialQueue(reportError);
    this.saved = new SavedState(opts.storage, reportError);
    this.mls = new MlsClient({ authenticate: (name, deviceId, key) => this.directory.authenticate(name, deviceId, key) });
    const connection = (this.connection = new Connection(
      {
        url: opts.url, name: this.name, connector: opts.connector, identity: () => this.ring.current,
        login: (ch, certFp, ask) => this.loginFrame(ch, certFp, ask),
        ...(opts.clientName !== undefined ? { clientName: opts.clientName } : {}),
        ...(opts.autoReconnect !== undefined ? { autoReconnect: opts.autoReconnect } : {}),
        ...(opts.backoff !== undefined ? { backoff: opts.backoff } : {}),
        ...(opts.requestTimeoutMs !== undefined ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
      },
      {
        welcome: (w) => this.queue.exclusive(() => this.onWelcome(w)),
        frame: (f) => this.onFrame(f),
        online: (reconnect) => {
          this.outbox.resume();
          // The first login's setup is awaited by connect(); a reconnect's runs on its own.
          if (!reconnect) return;
          this.afterLogin().then(
            () => emit('connected', { name: this.name, reconnect, registered: this.registered }),
            (e: unknown) => reportError({ code: isClientError(e) ? e.code : 'INTERNAL', message: errorMessage(e) }),
          );
        },
        dropped: ({ code, reason, willReconnect, error }) => {
          emit('disconnected', { code, reason, willReconnect });
          if (!willReconnect) this.outbox.failAll(error);
        },
        reconnected: (attempt) => emit('reconnected', { attempt }),
        gaveUp: (error) => {
          emit('error', { code: error.code, message: error.message });
          emit('disconnected', { code: 0, reason: error.code, willReconnect: false });
          this.outbox.failAll(error);
        },
        error: reportError,
      },
    ));
    this.directory = new Directory({
      selfName: this.name, saved: this.saved, storage: opts.storage, request: (f) => connection.rawRequest(f),
      deviceAdded: (e) => emit('deviceAdded', e),
      keyChanged: (e) => emit('keyChanged', e),
    });
    // v1 envelopes (to and from accounts without a v2 device) go through the v1 modules.
    const v1Emit = this.v1Events(emit);
    this.roster = new Roster({
      selfName: this.name, identity: () => this.ring.current, saved: this.saved, queue: this.queue, emit: v1Emit,
      request: (f) => connection.request(f), lookup: (f) => connection.rawRequest(f), online: () => connection.state === 'online',
    });
    const beforeAck = opts.beforeAck;
    this.inbox = new Inbox({
      selfName: this.name, identities: () => this.ring.all(), roster: this.roster, saved: this.saved, emit: v1Emit,
      ack: (_id, rejected) => this.v1Ack(rejected), closing: () => connection.closing,
      ...(beforeAck ? { beforeAck: async (m: { id: string }) => {
        if (this.lastV1?.id === m.id) await beforeAck(this.lastV1);
      } } : {}),
    });
    this.outbox = new Outbox({
      selfName: this.name, identity: () => this.ring.current, roster: this.roster, emit: v1Emit,
      link: {
        exchange: (f) => connection.rawRequest(f),
        request: (f) => connection.request(f),
        get online() {
          return connection.state === 'online';
        },
        get acceptsWork() {
          return connection.acceptsWork;
        },
        get willRetry() {
          return connection.willRetry;
        },
        get closing() {
          return connection.closing;
        },
      },
    });
    this.video = new VideoStreams({ request: (f) => connection.request(f), post: (f) => connection.post(f) });
  }

  /** The v1 modules' events, as this facade's. */
  private v1Events(emit: SealcastAccount['emit']): Emit {
    return ((event: keyof ClientEvents, payload: unknown) => {
      switch (event) {
        case 'message': {
          const m = payload as ClientEvents['message'];
          this.lastV1 = {
            id: m.id, from: m.from, device: '', conversation: undefined, toAll: m.toAll, text: m.text, ts: m.ts, serverTs: m.serverTs, verified: m.verified,
          };
          emit('message', this.lastV1);
          return;
        }
        case 'rejected':
        case 'duplicate':
        case 'delivered':
        case 'refused':
        case 'error':
          emit(event, payload as never);
          return;
        case 'keyChanged': {
          const k = payload as ClientEvents['keyChanged'];
          emit('keyChanged', { name: k.name, previous: k.previous, current: k.current });
          return;
        }
        default:
          return;
      }
    }) as Emit;
  }

  private get conv(): Conversations {
    if (!this.conversations_) throw new ClientError('NOT_CONNECTED', 'connect first');
    return this.conversations_;
  }

  get state(): ClientState {
    return this.connection.state;
  }

  get identity(): Identity {
    return this.ring.current;
  }

  /** This device's id (hex), once connected. */
  get deviceId(): string | undefined {
    return this.device ? toHex(this.device.key.id) : undefined;
  }

  /**
   * Connects and logs in as this device (made on first use); resolves once welcomed, with the
   * device's key packages on the server and Everyone joined (unless asked not to).
   */
  async connect(): Promise<void> {
    await this.connectOnly();
    await this.afterLogin();
    this.emit('connected', { name: this.name, reconnect: false, registered: this.registered });
  }

  private connectOnly(): Promise<void> {
    return this.connection.connect(async () => {
      await this.saved.load();
      await this.ring.load();
      this.device ??= await DeviceStore.load(this.opts.storage, this.opts.deviceLabel ?? 'device');
      this.groups ??= await GroupStore.load(this.opts.storage, this.mls);
      const mlsDevice: MlsDevice = { name: this.name, deviceId: this.device.key.id, signingKey: { privateKey: this.device.key.seed, publicKey: this.device.key.publicKey } };
      this.conversations_ ??= new Conversations({
        selfName: this.name, device: mlsDevice, mls: this.mls, groups: this.groups, directory: this.directory, deviceStore: this.device,
        request: (f) => this.connection.request(f), queue: this.queue,
        events: {
          message: (e) => this.deliverMessage({
            id: e.id, from: e.from, device: e.device, conversation: e.conversation, toAll: false, text: e.text, ts: e.ts, serverTs: e.serverTs, verified: true,
          }),
          changed: (e) => this.emit('changed', e),
          joined: (e) => this.emit('joined', e),
          left: (e) => this.emit('left', e),
          unreadable: (e) => this.emit('unreadable', e),
          rejoined: (e) => this.emit('rejoined', e),
        },
      });
      this.keeper ??= new KeyPackageKeeper({ mls: this.mls, device: mlsDevice, store: this.device, request: (f) => this.connection.request(f) });
      const own = await this.opts.storage.get(OWN_LIST_KEY);
      if (own && !this.ownList) {
        try {
          this.ownList = await parseDeviceList(fromBase64(own), this.ring.current.bundle, this.name);
        } catch (e) {
          throw new ClientError('STATE_DAMAGED', `the stored device list is damaged: ${errorMessage(e)}`);
        }
      }
    });
  }

  /**
   * The Login of this device. A device the list we hold names logs in with it; a new device
   * first reads the account's list (Lookup answers before login), adds itself, and signs the next
   * version with the identity key every device of the account holds.
   */
  private async loginFrame(ch: Challenge, certFp: Uint8Array, ask: (f: ClientFrameInit) => Promise<ServerFrame>): Promise<ClientFrameInit> {
    const device = this.device!;
    const identity = this.ring.current;
    let list = this.ownList;
    let deviceList: Uint8Array = new Uint8Array();
    if (!list || !list.devices.some((d) => toHex(d.id) === toHex(device.key.id))) {
      const reply = await ask({ body: { case: 'lookup', value: { names: [this.name] } } });
      const held = reply.body.case === 'directory' ? reply.body.value.accounts.find((a) => a.name === this.name) : undefined;
      let current: DeviceList | undefined;
      if (held && held.deviceList.byteLength > 0) {
        try {
          current = await parseDeviceList(held.deviceList, identity.bundle, this.name);
        } catch (e) {
          throw new ClientError('NAME_TAKEN', `the account "${this.name}" has a device list this identity did not sign (${errorMessage(e)})`);
        }
      }
      const devices = (current?.devices ?? []).filter((d) => toHex(d.id) !== toHex(device.key.id));
      devices.push({ id: device.key.id, key: device.key.publicKey, addedAt: Date.now(), label: device.label });
      deviceList = await signDeviceList(identity, {
        name: this.name, identityFingerprint: identity.bundle.fingerprint, version: (current?.version ?? 0) + 1, issuedAt: Date.now(), devices,
      });
    }
    const signature = await signDeviceLogin(device.key, ch.nonce, certFp, this.name);
    return {
      body: {
        case: 'login',
        value: {
          protocolVersion: PROTOCOL_VERSION_2, name: this.name, bundle: identity.bundle.bytes, signature, client: this.opts.clientName ?? 'sealcast',
          deviceList, deviceKey: device.key.publicKey, receive: this.opts.receive ?? true,
        },
      },
    };
  }

  private async onWelcome(w: Welcome): Promise<void> {
    this.registered = w.registered;
    const list = await parseDeviceList(w.deviceList, this.ring.current.bundle, this.name);
    this.ownList = list;
    await this.opts.storage.set(OWN_LIST_KEY, toBase64(list.bytes));
    await this.saved.load();
    this.saved.trust!.observe(this.name, { fingerprint: this.ring.current.bundle.fingerprint, bytes: this.ring.current.bundle.bytes });
    await this.directory.learnOwn(this.ring.current.bundle, list);
    this.everyone = w.everyone;
    this.keyPackageStatus = { remaining: w.keyPackages, lastResort: w.lastResort };
  }

  private everyone: Welcome['everyone'];
  private keyPackageStatus: { remaining: number; lastResort: boolean } = { remaining: 0, lastResort: false };

  /** After each login: key packages topped up, and Everyone joined when asked. */
  private async afterLogin(): Promise<void> {
    if (this.opts.receive === false) return;
    await this.keeper!.topUp(this.keyPackageStatus);
    if ((this.opts.joinEveryone ?? true) && this.everyone && !this.conv.find(toHex(this.everyone.conversationId))) {
      await this.conv.joinEveryone(this.everyone);
    }
  }

  private onFrame(frame: ServerFrame): void {
    this.emit('frame', frame);
    const body = frame.body;
    switch (body.case) {
      case 'queueItems': {
        if (this.opts.receive === false) return;
        const items = body.value.items;
        this.queue.run(() => this.processItems(items));
        return;
      }
      case 'presenceUpdates':
        for (const u of body.value.updates) this.emit('presence', { name: u.name, online: u.online });
        return;
      case 'accountChanged': {
        const account = body.value.account;
        if (account) this.queue.run(() => this.onAccountChanged(account));
        return;
      }
      case 'keyPackageStatus':
        if (frame.req === 0 && body.value.low) {
          const status = { remaining: body.value.remaining, lastResort: body.value.lastResort };
          this.keeper?.topUp(status).catch((e: unknown) => this.emit('error', { code: 'KEY_PACKAGES', message: errorMessage(e) }));
        }
        return;
      case 'delivered':
        this.outbox.receipt(body.value);
        return;
      case 'streamStart':
      case 'segmentChunk':
      case 'streamEnd':
        this.video.route(frame);
        return;
      default:
        return;
    }
  }

  /** One page of the device's queue, in order; acknowledged once every item is handled and kept. */
  private async processItems(items: QueueItem[]): Promise<void> {
    if (this.connection.closing || items.length === 0) return;
    const rejected: { seq: bigint; code: string }[] = [];
    let last = 0n;
    for (const item of items) {
      const body = item.body;
      if (body.case === 'envelope') {
        let code: RejectionCode | '' = '';
        this.v1Ack = (c) => (code = c);
        await this.inbox.deliver({
          $typeName: 'sealcast.v1.Deliver', id: item.id, from: item.from, toAll: body.value.toAll, envelope: body.value.envelope, serverTs: item.serverTs,
        });
        if (code) rejected.push({ seq: item.seq, code });
      } else if (body.case === 'message') {
        await this.conv.onMessage(body.value, item.from, { id: item.id, serverTs: Number(item.serverTs) });
      } else if (body.case === 'welcome') {
        await this.conv.onWelcome(body.value);
      } else if (body.case === 'notice') {
        await this.conv.onNotice(body.value);
      }
      last = item.seq;
      if (this.connection.closing) break;
    }
    if (last > 0n) this.connection.post({ body: { case: 'queueAck', value: { upToSeq: last, rejected } } });
  }

  private async deliverMessage(m: AccountMessage): Promise<void> {
    this.emit('message', m);
    if (this.opts.beforeAck) {
      try {
        await this.opts.beforeAck(m);
      } catch (e) {
        this.emit('error', { code: 'STORAGE_FAILED', message: `message ${m.id} was shown but could not be kept: ${errorMessage(e)}` });
      }
    }
  }

  /** An account we share a conversation with changed its devices: its removed devices leave our groups. */
  private async onAccountChanged(account: Account): Promise<void> {
    const known = await this.directory.learn(account);
    if (!known.list) return;
    const listed = new Set(known.list.devices.map((d) => toHex(d.id)));
    if (known.name === this.name) {
      this.ownList = known.list;
      await this.opts.storage.set(OWN_LIST_KEY, toBase64(known.list.bytes));
    }
    for (const meta of this.conv.list()) {
      const members = this.conv.members(meta.id).get(known.name);
      if (members?.some((m) => !listed.has(toHex(m.deviceId)))) {
        this.conv.dropStaleDevices(meta.id, known.name, listed).catch((e: unknown) => this.emit('error', { code: 'COMMIT_FAILED', message: errorMessage(e) }));
      }
    }
  }

  // ---------------------------------------------------------------- conversations

  /** The conversations this device is in. */
  conversations(): ConversationMeta[] {
    return this.conv.list();
  }

  /** A conversation by id, "#room title", or a direct peer's name. */
  findConversation(ref: string): ConversationMeta | undefined {
    return this.conv.find(ref)?.meta;
  }

  /** Members of a conversation (by the MLS tree), each with how many of its devices are in. */
  members(conversation: string): { name: string; devices: number }[] {
    const g = this.requireConversation(conversation);
    return [...this.conv.members(g.id)].map(([name, leaves]) => ({ name, devices: leaves.length })).sort((a, b) => a.name.localeCompare(b.name));
  }

  private requireConversation(ref: string): ConversationMeta {
    const g = this.conv.find(ref);
    if (!g) throw new ClientError('UNKNOWN_CONVERSATION', `no conversation "${ref}" on this device`);
    return g.meta;
  }

  createRoom(title: string, members: readonly string[] = []): Promise<ConversationMeta> {
    return this.conv.createRoom(title, members);
  }

  invite(conversation: string, names: readonly string[]): Promise<void> {
    return this.conv.add(this.requireConversation(conversation).id, names);
  }

  removeMembers(conversation: string, names: readonly string[]): Promise<void> {
    return this.conv.remove(this.requireConversation(conversation).id, names);
  }

  leave(conversation: string): Promise<void> {
    return this.conv.leave(this.requireConversation(conversation).id);
  }

  rename(conversation: string, title: string): Promise<void> {
    return this.conv.rename(this.requireConversation(conversation).id, title);
  }

  /** Fresh keys for this device in a conversation: an old leaked state no longer opens new messages. */
  updateKeys(conversation: string): Promise<void> {
    return this.conv.update(this.requireConversation(conversation).id);
  }

  /**
   * Sends `text` to a conversation ("#room", an id) or an account: a v2 account gets it in our
   * direct conversation (made on first use), a v1-only one as a v1 envelope to its identity key.
   */
  async send(to: string, text: string): Promise<SendResult & { conversation?: ConversationMeta }> {
    const existing = this.conv.find(to);
    if (existing) return { ...(await this.conv.send(existing.meta.id, text)), conversation: existing.meta };
    if (to.startsWith('#')) throw new ClientError('UNKNOWN_CONVERSATION', `no room "${to.slice(1)}" on this device`);
    const name = canonicalName(to);
    const account = await this.directory.get(name);
    if (account.blocked) throw new ClientError('KEY_CHANGED', `the key of ${name} changed; accept it first`, { peers: [name] });
    if (account.v1Only) return this.outbox.send(name, text);
    const g = await this.conv.direct(name);
    return { ...(await this.conv.send(g.meta.id, text)), conversation: g.meta };
  }

  // ---------------------------------------------------------------- devices

  /** The account's devices, from the newest list we hold. */
  devices(): DeviceView[] {
    const list = this.ownList;
    if (!list) return [];
    return list.devices.map((d) => ({ id: toHex(d.id), label: d.label, addedAt: d.addedAt, current: toHex(d.id) === this.deviceId }));
  }

  /** Renames a device (any device of the account may), by signing the next device list. */
  renameDevice(id: string, label: string): Promise<DeviceView[]> {
    return this.changeDevices((devices) => {
      const d = devices.find((x) => toHex(x.id) === id);
      if (!d) throw new ClientError('UNKNOWN_DEVICE', `no device ${id} in the account's list`);
      d.label = label;
      return devices;
    });
  }

  /** Removes a device: its keys stop working at once, and it is removed from every conversation. */
  async removeDevice(id: string): Promise<DeviceView[]> {
    if (id === this.deviceId) throw new ClientError('BAD_DEVICE_LIST', 'a device cannot remove itself; remove it from another device');
    const after = await this.changeDevices((devices) => {
      if (!devices.some((x) => toHex(x.id) === id)) throw new ClientError('UNKNOWN_DEVICE', `no device ${id} in the account's list`);
      return devices.filter((x) => toHex(x.id) !== id);
    });
    const listed = new Set(after.map((d) => d.id));
    for (const meta of this.conv.list()) await this.conv.dropStaleDevices(meta.id, this.name, listed);
    return after;
  }

  private async changeDevices(change: (devices: DeviceList['devices']) => DeviceList['devices']): Promise<DeviceView[]> {
    for (let attempt = 0; attempt < LIST_ATTEMPTS; attempt++) {
      const current = this.ownList;
      if (!current) throw new ClientError('NOT_CONNECTED', 'connect first');
      const devices = change(current.devices.map((d) => ({ ...d })));
      const bytes = await signDeviceList(this.ring.current, {
        name: this.name, identityFingerprint: this.ring.current.bundle.fingerprint, version: current.version + 1, issuedAt: Date.now(), devices,
      });
      try {
        const reply = await this.connection.request({ body: { case: 'deviceListUpdate', value: { deviceList: bytes } } });
        if (reply.body.case !== 'deviceList') throw new ClientError('BAD_SERVER_FRAME', `unexpected answer ${reply.body.case}`);
        this.ownList = await parseDeviceList(reply.body.value.deviceList, this.ring.current.bundle, this.name);
        await this.opts.storage.set(OWN_LIST_KEY, toBase64(this.ownList.bytes));
        await this.directory.learnOwn(this.ring.current.bundle, this.ownList);
        return this.devices();
      } catch (e) {
        if (!isClientError(e, 'STALE_DEVICE_LIST')) throw e;
        // Another device changed the list first: read it and do it again on the newer one.
        this.directory.forget(this.name);
        const fresh = await this.directory.get(this.name);
        if (fresh.list) this.ownList = fresh.list;
      }
    }
    throw new ClientError('STALE_DEVICE_LIST', 'the device list kept changing; try again');
  }

  // ---------------------------------------------------------------- the rest

  /** An account as the directory knows it (looked up when needed). */
  async account(name: string): Promise<{ name: string; fingerprint: string; v1Only: boolean; devices: number; blocked: boolean }> {
    const a = await this.directory.get(canonicalName(name));
    return { name: a.name, fingerprint: toHex(a.bundle.fingerprint), v1Only: a.v1Only, devices: a.list?.devices.length ?? 0, blocked: a.blocked };
  }

  /** Our messages (v1 envelopes) the server still holds. */
  pending() {
    return this.outbox.pending();
  }

  listVideos(opts: { rescan?: boolean } = {}) {
    return this.video.listVideos(opts);
  }

  hlsToken(title: string) {
    return this.video.hlsToken(title);
  }

  play(title: string, opts: PlayOptions = {}): Promise<VideoStream> {
    return this.video.play(title, opts);
  }

  /** A request on the logged-in connection (for features layered on the core). */
  request(frame: ClientFrameInit, timeoutMs?: number): Promise<ServerFrame> {
    return this.connection.request(frame, timeoutMs);
  }

  post(frame: ClientFrameInit): void {
    this.connection.post(frame);
  }

  /** Closes for good: what is not yet processed stays on the server; state is saved. */
  async close(): Promise<void> {
    if (!this.connection.beginClose()) return;
    await this.queue.settle(5_000);
    this.outbox.failAll(new ClientError('CLOSED', 'the client was closed before the server accepted the message'));
    try {
      await this.saved.flush();
    } finally {
      this.connection.shutdown();
    }
  }
}

