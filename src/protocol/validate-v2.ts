// Structural validation of protocol v2 frames (accounts, devices, queues, MLS conversations).
// Like validate.ts: every length, count and string a peer will act on is bounded here, so handlers
// can trust shapes (not meaning). Names are checked for their character rules where they are used.
import type { ClientFrame, ServerFrame } from './gen/sealcast_pb.js';
import { ConversationKind } from './gen/sealcast_pb.js';
import { LIMITS } from './limits.js';
import { isValidName } from './names.js';
import { ProtocolError } from './protocol-error.js';

function bad(message: string): never {
  throw new ProtocolError('BAD_FRAME', message);
}

function bytesIn(field: string, value: Uint8Array, min: number, max: number): void {
  if (value.byteLength < min || value.byteLength > max) {
    bad(min === max
      ? `${field}: expected ${min} bytes, got ${value.byteLength}`
      : `${field}: expected ${min}-${max} bytes, got ${value.byteLength}`);
  }
}

function optionalBytes(field: string, value: Uint8Array, max: number): void {
  if (value.byteLength > max) bad(`${field}: at most ${max} bytes, got ${value.byteLength}`);
}

function name(field: string, value: string): void {
  if (!isValidName(value)) bad(`${field}: not a valid account name`);
}

function names(field: string, list: string[], allowEmpty: boolean): void {
  if (!allowEmpty && list.length === 0) bad(`${field}: must not be empty`);
  if (list.length > LIMITS.maxNamesPerRequest) bad(`${field}: at most ${LIMITS.maxNamesPerRequest} names, got ${list.length}`);
  list.forEach((n, i) => name(`${field}[${i}]`, n));
}

function title(field: string, value: string, allowEmpty: boolean): void {
  if (!allowEmpty && value.length === 0) bad(`${field}: must not be empty`);
  if (value.length > LIMITS.maxTitleOfRoomChars) bad(`${field}: at most ${LIMITS.maxTitleOfRoomChars} characters, got ${value.length}`);
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(value)) {
    bad(`${field}: control and bidirectional-override characters are not allowed`);
  }
  if (value.trim() !== value) bad(`${field}: no leading or trailing spaces`);
}

function conversationId(field: string, id: Uint8Array): void {
  bytesIn(field, id, LIMITS.conversationIdBytes, LIMITS.conversationIdBytes);
}

function mls(field: string, value: Uint8Array): void {
  bytesIn(field, value, 1, LIMITS.maxMlsMessageBytes);
}

function page(field: string, limit: number): void {
  if (limit > LIMITS.maxPageItems) bad(`${field}: at most ${LIMITS.maxPageItems}`);
}

/** Validates the v2 client frames; returns false for a frame that is not a v2 frame. */
export function validateClientFrameV2(b: ClientFrame['body']): boolean {
  switch (b.case) {
    case 'deviceListUpdate':
      bytesIn('device_list_update.device_list', b.value.deviceList, 1, LIMITS.maxDeviceListBytes);
      return true;
    case 'lookup':
      names('lookup.names', b.value.names, false);
      return true;
    case 'queueAck':
      if (b.value.rejected.length > LIMITS.maxPageItems) bad(`queue_ack.rejected: at most ${LIMITS.maxPageItems}`);
      for (const [i, r] of b.value.rejected.entries()) {
        if (!/^[A-Z][A-Z0-9_]{0,31}$/.test(r.code)) bad(`queue_ack.rejected[${i}].code: 1-32 characters of A-Z, 0-9 and _, starting with a letter`);
      }
      return true;
    case 'keyPackageUpload': {
      const { keyPackages, lastResort } = b.value;
      if (keyPackages.length === 0 && lastResort.byteLength === 0) bad('key_package_upload: nothing to upload');
      if (keyPackages.length > LIMITS.maxKeyPackagesPerUpload) {
        bad(`key_package_upload.key_packages: at most ${LIMITS.maxKeyPackagesPerUpload}, got ${keyPackages.length}`);
      }
      keyPackages.forEach((kp, i) => bytesIn(`key_package_upload.key_packages[${i}]`, kp, 1, LIMITS.maxKeyPackageBytes));
      optionalBytes('key_package_upload.last_resort', lastResort, LIMITS.maxKeyPackageBytes);
      return true;
    }
    case 'keyPackageClaim':
      names('key_package_claim.names', b.value.names, false);
      return true;
    case 'conversationCreate': {
      const v = b.value;
      conversationId('conversation_create.conversation_id', v.conversationId);
      if (v.kind === ConversationKind.DIRECT) {
        name('conversation_create.peer', v.peer);
        if (v.title !== '') bad('conversation_create.title: must be empty for a direct conversation');
      } else if (v.kind === ConversationKind.ROOM) {
        title('conversation_create.title', v.title, false);
        if (v.peer !== '') bad('conversation_create.peer: only for a direct conversation');
      } else {
        bad('conversation_create.kind: must be DIRECT or ROOM');
      }
      return true;
    }
    case 'commit': {
      const v = b.value;
      conversationId('commit.conversation_id', v.conversationId);
      mls('commit.commit', v.commit);
      optionalBytes('commit.welcome', v.welcome, LIMITS.maxMlsMessageBytes);
      mls('commit.group_info', v.groupInfo);
      names('commit.add_accounts', v.addAccounts, true);
      names('commit.remove_accounts', v.removeAccounts, true);
      bytesIn('commit.id', v.id, LIMITS.idBytes, LIMITS.idBytes);
      if (v.welcomeDevices.length > LIMITS.maxNamesPerRequest * LIMITS.maxDevices) bad('commit.welcome_devices: too many');
      v.welcomeDevices.forEach((d, i) => bytesIn(`commit.welcome_devices[${i}]`, d, LIMITS.deviceIdBytes, LIMITS.deviceIdBytes));
      if (v.welcomeDevices.length > 0 && v.welcome.byteLength === 0) bad('commit: welcome_devices without a welcome');
      if (v.welcome.byteLength > 0 && v.welcomeDevices.length === 0) bad('commit: a welcome needs welcome_devices');
      return true;
    }
    case 'groupMessage':
      bytesIn('group_message.id', b.value.id, LIMITS.idBytes, LIMITS.idBytes);
      conversationId('group_message.conversation_id', b.value.conversationId);
      mls('group_message.message', b.value.message);
      return true;
    case 'groupInfoRequest':
      conversationId('group_info_request.conversation_id', b.value.conversationId);
      return true;
    case 'conversationsRequest':
      page('conversations_request.limit', b.value.limit);
      return true;
    case 'membersRequest':
      conversationId('members_request.conversation_id', b.value.conversationId);
      page('members_request.limit', b.value.limit);
      return true;
    case 'conversationRename':
      conversationId('conversation_rename.conversation_id', b.value.conversationId);
      title('conversation_rename.title', b.value.title, false);
      return true;
    default:
      return false;
  }
}

/** Login fields that only v2 uses: bounded for every login (a v1 login leaves them empty). */
export function validateLoginV2Fields(login: { deviceList: Uint8Array; deviceKey: Uint8Array; enrollmentCode: string }): void {
  if (login.enrollmentCode.length > 64 || /[^A-Za-z0-9-]/.test(login.enrollmentCode)) bad('login.enrollment_code: at most 64 letters, digits and dashes');
  optionalBytes('login.device_list', login.deviceList, LIMITS.maxDeviceListBytes);
  if (login.deviceKey.byteLength !== 0) bytesIn('login.device_key', login.deviceKey, LIMITS.deviceKeyBytes, LIMITS.deviceKeyBytes);
}

function account(field: string, a: { name: string; bundle: Uint8Array; deviceList: Uint8Array } | undefined): void {
  if (!a) bad(`${field}: missing`);
  name(`${field}.name`, a.name);
  bytesIn(`${field}.bundle`, a.bundle, 1, LIMITS.maxBundleBytes);
  optionalBytes(`${field}.device_list`, a.deviceList, LIMITS.maxDeviceListBytes);
}

function conversation(field: string, c: { conversationId: Uint8Array; title: string; creator: string; peer: string } | undefined): void {
  if (!c) bad(`${field}: missing`);
  conversationId(`${field}.conversation_id`, c.conversationId);
  title(`${field}.title`, c.title, true);
  if (c.creator !== '') name(`${field}.creator`, c.creator);
  if (c.peer !== '') name(`${field}.peer`, c.peer);
}

/**
 * Validates the v2 server frames on the client side: bounds what a client stores or shows.
 * Returns false for a frame that is not a v2 frame.
 */
export function validateServerFrameV2(b: ServerFrame['body']): boolean {
  switch (b.case) {
    case 'queueItems':
      for (const [i, it] of b.value.items.entries()) {
        const f = `queue_items[${i}]`;
        if (it.from !== '') name(`${f}.from`, it.from);
        optionalBytes(`${f}.from_device`, it.fromDevice, LIMITS.deviceIdBytes);
        optionalBytes(`${f}.id`, it.id, LIMITS.idBytes);
        const body = it.body;
        if (body.case === 'envelope') bytesIn(`${f}.envelope`, body.value.envelope, 1, LIMITS.maxEnvelopeBytes);
        else if (body.case === 'message') {
          conversationId(`${f}.message.conversation_id`, body.value.conversationId);
          mls(`${f}.message.message`, body.value.message);
        } else if (body.case === 'welcome') {
          conversation(`${f}.welcome.conversation`, body.value.conversation);
          mls(`${f}.welcome.welcome`, body.value.welcome);
        } else if (body.case === 'notice') {
          conversation(`${f}.notice.conversation`, body.value.conversation);
          names(`${f}.notice.accounts`, body.value.accounts, true);
          if (body.value.by !== '') name(`${f}.notice.by`, body.value.by);
        } else {
          bad(`${f}: unknown body`);
        }
      }
      return true;
    case 'deviceList':
      bytesIn('device_list.device_list', b.value.deviceList, 1, LIMITS.maxDeviceListBytes);
      return true;
    case 'directory':
      if (b.value.accounts.length > LIMITS.maxNamesPerRequest) bad('directory: too many accounts');
      b.value.accounts.forEach((a, i) => account(`directory.accounts[${i}]`, a));
      names('directory.unknown', b.value.unknown, true);
      return true;
    case 'accountChanged':
      account('account_changed.account', b.value.account);
      return true;
    case 'claimedKeyPackages':
      if (b.value.packages.length > LIMITS.maxNamesPerRequest * LIMITS.maxDevices) bad('claimed_key_packages: too many packages');
      for (const [i, p] of b.value.packages.entries()) {
        name(`claimed_key_packages[${i}].name`, p.name);
        bytesIn(`claimed_key_packages[${i}].device_id`, p.deviceId, LIMITS.deviceIdBytes, LIMITS.deviceIdBytes);
        bytesIn(`claimed_key_packages[${i}].key_package`, p.keyPackage, 1, LIMITS.maxKeyPackageBytes);
      }
      names('claimed_key_packages.unknown', b.value.unknown, true);
      names('claimed_key_packages.no_packages', b.value.noPackages, true);
      return true;
    case 'conversation':
      conversation('conversation', b.value);
      return true;
    case 'conversations':
      if (b.value.items.length > LIMITS.maxPageItems) bad('conversations: too many items');
      b.value.items.forEach((c, i) => conversation(`conversations.items[${i}]`, c));
      return true;
    case 'members':
      if (b.value.items.length > LIMITS.maxPageItems) bad('members: too many items');
      b.value.items.forEach((m, i) => name(`members.items[${i}].name`, m.name));
      return true;
    case 'groupInfo':
      mls('group_info.group_info', b.value.groupInfo);
      return true;
    case 'presenceUpdates':
      b.value.updates.forEach((p, i) => name(`presence_updates[${i}].name`, p.name));
      return true;
    case 'commitAccepted':
    case 'keyPackageStatus':
      return true;
    case 'welcome':
      if (b.value.everyone) conversation('welcome.everyone', b.value.everyone);
      optionalBytes('welcome.device_list', b.value.deviceList, LIMITS.maxDeviceListBytes);
      optionalBytes('welcome.device_id', b.value.deviceId, LIMITS.deviceIdBytes);
      return true;
    default:
      return false;
  }
}
