import type { ClientFrame, ServerFrame } from './gen/sealcast_pb.js';
import { LIMITS } from './limits.js';
import { ProtocolError } from './protocol-error.js';
import { validateClientFrameV2, validateLoginV2Fields, validateServerFrameV2 } from './validate-v2.js';

function bad(message: string): never {
  throw new ProtocolError('BAD_FRAME', message);
}

function checkBytes(field: string, value: Uint8Array, min: number, max: number): void {
  if (value.byteLength < min || value.byteLength > max) {
    bad(min === max
      ? `${field}: expected ${min} bytes, got ${value.byteLength}`
      : `${field}: expected ${min}-${max} bytes, got ${value.byteLength}`);
  }
}

function checkString(field: string, value: string, max: number, allowEmpty = false): void {
  if (!allowEmpty && value.length === 0) bad(`${field}: must not be empty`);
  if (value.length > max) bad(`${field}: at most ${max} characters, got ${value.length}`);
  // Control characters never belong in names, titles or policies.
  if (/[\u0000-\u001f\u007f]/.test(value)) bad(`${field}: control characters are not allowed`);
}

/** A path the client will fetch from the same server: relative to its origin, under /hls/. */
function checkHlsPath(field: string, path: string, allowEmpty: boolean): void {
  if (allowEmpty && path === '') return;
  checkString(field, path, 2048);
  if (!path.startsWith('/hls/')) bad(`${field}: expected a path under /hls/`);
}

function checkId(field: string, id: Uint8Array): void {
  checkBytes(field, id, LIMITS.idBytes, LIMITS.idBytes);
}

/** A rejection code: empty (opened) or a stable code such as NOT_A_RECIPIENT. */
function checkRejection(field: string, value: string): void {
  if (value.length > LIMITS.maxRejectionChars) bad(`${field}: at most ${LIMITS.maxRejectionChars} characters, got ${value.length}`);
  if (value !== '' && !/^[A-Z][A-Z0-9_]*$/.test(value)) bad(`${field}: expected a code of capital letters, digits and "_"`);
}

function checkRosterUpdate(field: string, u: { peer?: { name: string } }): void {
  if (!u.peer) bad(`${field}: peer missing`);
  checkString(`${field}.peer.name`, u.peer.name, LIMITS.maxNameChars);
}

/**
 * Structural validation of a decoded client frame: every length, count and string
 * the server will act on is bounded here, so handlers can trust shapes (not meaning).
 */
export function validateClientFrame(f: ClientFrame): void {
  const b = f.body;
  switch (b.case) {
    case undefined:
      throw new ProtocolError('UNKNOWN_FRAME', 'frame has no known body');
    case 'login':
      checkString('login.name', b.value.name, LIMITS.maxNameChars);
      checkBytes('login.bundle', b.value.bundle, 1, LIMITS.maxBundleBytes);
      checkBytes('login.signature', b.value.signature, 1, LIMITS.maxSignatureBytes);
      checkString('login.client', b.value.client, 64, true);
      validateLoginV2Fields(b.value);
      return;
    case 'send':
      checkId('send.id', b.value.id);
      if (b.value.toAll) {
        if (b.value.to !== '') bad('send: to must be empty when to_all is set');
      } else {
        checkString('send.to', b.value.to, LIMITS.maxNameChars);
      }
      checkBytes('send.envelope', b.value.envelope, 1, LIMITS.maxEnvelopeBytes);
      return;
    case 'ack':
      checkId('ack.id', b.value.id);
      checkRejection('ack.rejected', b.value.rejected);
      return;
    case 'peerRequest':
      checkString('peer_request.name', b.value.name, LIMITS.maxNameChars);
      return;
    case 'keyRotation':
      checkBytes('key_rotation.new_bundle', b.value.newBundle, 1, LIMITS.maxBundleBytes);
      checkBytes('key_rotation.signature', b.value.signature, 1, LIMITS.maxSignatureBytes);
      checkBytes('key_rotation.new_login_signature', b.value.newLoginSignature, 1, LIMITS.maxSignatureBytes);
      return;
    case 'play':
      checkString('play.title', b.value.title, LIMITS.maxTitleChars);
      checkString('play.policy', b.value.policy, LIMITS.maxPolicyChars, true);
      if (b.value.initialCredit > LIMITS.maxSegmentsPerCredit) bad(`play.initial_credit: at most ${LIMITS.maxSegmentsPerCredit}`);
      return;
    case 'credit':
      if (b.value.segments > LIMITS.maxSegmentsPerCredit) bad(`credit.segments: at most ${LIMITS.maxSegmentsPerCredit}`);
      return;
    case 'hlsTokenRequest':
      checkString('hls_token_request.title', b.value.title, LIMITS.maxTitleChars);
      return;
    case 'watchProgress':
      checkString('watch_progress.title', b.value.title, LIMITS.maxTitleChars);
      return;
    case 'rosterRequest':
    case 'ping':
    case 'pendingRequest':
    case 'videoListRequest':
    case 'seek':
    case 'stop':
      return;
    default:
      if (validateClientFrameV2(b)) return;
      throw new ProtocolError('UNKNOWN_FRAME', `unknown frame ${b.case}`);
  }
}

/** Validation of server frames on the client side: bounds the fields a client stores or displays. */
export function validateServerFrame(f: ServerFrame): void {
  const b = f.body;
  switch (b.case) {
    case undefined:
      throw new ProtocolError('UNKNOWN_FRAME', 'frame has no known body');
    case 'challenge':
      checkBytes('challenge.nonce', b.value.nonce, LIMITS.challengeBytes, LIMITS.challengeBytes);
      return;
    case 'deliver':
      checkId('deliver.id', b.value.id);
      checkString('deliver.from', b.value.from, LIMITS.maxNameChars);
      checkBytes('deliver.envelope', b.value.envelope, 1, LIMITS.maxEnvelopeBytes);
      return;
    case 'accepted':
      checkId('accepted.id', b.value.id);
      return;
    case 'delivered':
      checkId('delivered.id', b.value.id);
      checkRejection('delivered.rejected', b.value.rejected);
      return;
    case 'peerInfo':
      checkString('peer_info.name', b.value.name, LIMITS.maxNameChars);
      checkBytes('peer_info.bundle', b.value.bundle, 1, LIMITS.maxBundleBytes);
      return;
    case 'rosterUpdate':
      checkRosterUpdate('roster_update', b.value);
      return;
    case 'rosterUpdates':
      if (b.value.updates.length === 0) bad('roster_updates: empty');
      for (const u of b.value.updates) checkRosterUpdate('roster_updates', u);
      return;
    case 'segmentChunk':
      if (b.value.offset + b.value.data.byteLength > b.value.total) bad('segment_chunk: data beyond total');
      return;
    case 'videoList':
      for (const t of b.value.titles) {
        checkString('video_title.name', t.name, LIMITS.maxTitleChars);
        checkString('video_title.error', t.error, 1024, true);
        for (const p of [t.posterPath, t.thumbnailsPath]) checkHlsPath('video_title', p, true);
        if (t.subtitles.length > LIMITS.maxSubtitlesPerTitle) bad(`video_title.subtitles: at most ${LIMITS.maxSubtitlesPerTitle}`);
        for (const s of t.subtitles) {
          checkString('subtitle.language', s.language, 35, true);
          checkString('subtitle.label', s.label, 64);
          checkHlsPath('subtitle.path', s.path, false);
        }
        for (const f of t.files) checkString('video_title.files', f, 255);
      }
      return;
    default:
      validateServerFrameV2(b);
      return;
  }
}
