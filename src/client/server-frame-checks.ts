// What the client accepts from the server, checked as strictly as the server checks what
// clients send (src/protocol/validate.ts does the sizes every decoder needs; this adds the
// rules of meaning: names are user names, titles are titles, counts are bounded, and no
// text the faces print can carry terminal escapes or reorder what is shown).
import { canonicalName, LIMITS, type PeerInfo, type Rendition, type ServerFrame, type VideoTitle } from '../protocol/index.js';
import { ClientError } from './client-error.js';
import { checkConversation, checkServerFrameV2 } from './server-frame-checks-v2.js';
import { bad, checkCount, checkName, checkText } from './server-frame-rules.js';

/** Bounds on server frames the client enforces (beyond LIMITS, which both sides share). */
export const SERVER_FRAME_LIMITS = {
  /** Peers in a Welcome, Roster or RosterUpdates (a 2 MiB frame holds about 14,000 real ones). */
  maxPeers: 100_000,
  maxTitles: 10_000,
  maxRenditions: 16,
  maxPendingItems: 100_000,
  /** Largest video frame side (px); 8K is 7680×4320. */
  maxVideoSide: 8192,
  /** Largest segment a SegmentChunk may announce (bytes). */
  maxSegmentBytes: 64 * 1024 * 1024,
  /** The longest wait a Reconnect may ask for (ms). */
  maxReconnectDelayMs: 3_600_000,
  maxServerNameChars: 64,
  maxErrorMessageChars: 1000,
  maxReasonChars: 200,
  maxHlsPathChars: 2048,
  maxHlsTokenChars: 1024,
  /** Stable codes: error names, rejection codes. */
  maxCodeChars: 64,
} as const;

const L = SERVER_FRAME_LIMITS;
const CODE = /^[A-Z][A-Z0-9_]*$/;
const WORD = /^[a-z][a-z0-9_-]*$/;
const HLS_TOKEN = /^[\x21-\x7e]+$/;


function checkCode(field: string, value: string, allowEmpty: boolean): void {
  if (allowEmpty && value === '') return;
  if (value.length > L.maxCodeChars || !CODE.test(value)) bad(`${field}: expected a code of capital letters, digits and "_"`);
}

function checkWord(field: string, value: string): void {
  if (value.length > L.maxReasonChars || !WORD.test(value)) bad(`${field}: expected a lower-case word`);
}

/** A video title, by the rules the server applies to titles it is sent (media/title-name.ts). */
function checkTitle(field: string, value: string): void {
  checkText(field, value, LIMITS.maxTitleChars, false);
  if (/[/\\]/.test(value) || value.startsWith('.') || value.includes('..')) bad(`${field}: looks like a path`);
}

function checkPeers(field: string, peers: PeerInfo[]): void {
  checkCount(field, peers.length, L.maxPeers);
  const names = new Set<string>();
  for (const p of peers) checkPeer(field, p, names);
}

function checkPeer(field: string, p: PeerInfo, names?: Set<string>): void {
  checkName(`${field}.name`, p.name);
  if (p.bundle.byteLength === 0 || p.bundle.byteLength > LIMITS.maxBundleBytes) {
    bad(`${field}.bundle: expected 1-${LIMITS.maxBundleBytes} bytes, got ${p.bundle.byteLength}`);
  }
  if (names) {
    if (names.has(p.name)) bad(`${field}: "${p.name}" is listed twice`);
    names.add(p.name);
  }
}

function checkRenditions(field: string, list: Rendition[]): void {
  checkCount(field, list.length, L.maxRenditions);
  for (const r of list) {
    if (r.height > L.maxVideoSide || r.width > L.maxVideoSide) bad(`${field}: ${r.width}x${r.height} is larger than ${L.maxVideoSide} px`);
  }
}

function checkVideoTitle(field: string, t: VideoTitle): void {
  checkTitle(`${field}.name`, t.name);
  checkRenditions(`${field}.renditions`, t.renditions);
  checkWord(`${field}.state`, t.state);
  if (t.progress > 100) bad(`${field}.progress: at most 100, got ${t.progress}`);
  checkText(`${field}.error`, t.error, L.maxErrorMessageChars);
}

/**
 * Checks one decoded server frame; throws ClientError BAD_SERVER_FRAME saying which field
 * and why (never echoing the offending text). `selfName` is our canonical name.
 */
export function checkServerFrame(frame: ServerFrame, selfName: string): void {
  const b = frame.body;
  switch (b.case) {
    case 'challenge':
      if (b.value.certFingerprint.byteLength !== 32) bad(`challenge.cert_fingerprint: expected 32 bytes, got ${b.value.certFingerprint.byteLength}`);
      checkText('challenge.server', b.value.server, L.maxServerNameChars);
      return;
    case 'welcome':
      if (b.value.name !== selfName) bad('welcome.name: not the name we logged in with');
      checkPeers('welcome.peers', b.value.peers);
      if (b.value.everyone) checkConversation('welcome.everyone', b.value.everyone);
      return;
    case 'roster':
      checkPeers('roster.peers', b.value.peers);
      return;
    case 'peerInfo':
      checkPeer('peer_info', b.value);
      return;
    case 'rosterUpdate':
      if (b.value.peer) checkPeer('roster_update.peer', b.value.peer);
      return;
    case 'rosterUpdates':
      checkCount('roster_updates', b.value.updates.length, L.maxPeers);
      for (const u of b.value.updates) if (u.peer) checkPeer('roster_updates.peer', u.peer);
      return;
    case 'deliver':
      checkName('deliver.from', b.value.from);
      return;
    case 'delivered':
      checkName('delivered.by', b.value.by);
      return;
    case 'accepted':
      if (b.value.deliveredNow + b.value.stored > L.maxPeers) bad('accepted: more recipients than peers');
      return;
    case 'error':
      checkCode('error.name', b.value.name, false);
      checkText('error.message', b.value.message, L.maxErrorMessageChars);
      if (b.value.refId.byteLength !== 0 && b.value.refId.byteLength !== LIMITS.idBytes) bad(`error.ref_id: expected ${LIMITS.idBytes} bytes`);
      return;
    case 'pending':
      checkCount('pending.items', b.value.items.length, L.maxPendingItems);
      for (const p of b.value.items) {
        if (p.id.byteLength !== LIMITS.idBytes) bad(`pending.items.id: expected ${LIMITS.idBytes} bytes`);
        checkName('pending.items.to', p.to);
      }
      return;
    case 'reconnect':
      if (b.value.afterMs > L.maxReconnectDelayMs) bad(`reconnect.after_ms: at most ${L.maxReconnectDelayMs}`);
      checkText('reconnect.reason', b.value.reason, L.maxReasonChars);
      return;
    case 'videoList':
      checkCount('video_list.titles', b.value.titles.length, L.maxTitles);
      for (const t of b.value.titles) checkVideoTitle('video_list.titles', t);
      return;
    case 'streamStart':
      checkTitle('stream_start.title', b.value.title);
      checkRenditions('stream_start.renditions', b.value.renditions);
      return;
    case 'segmentChunk':
      if (b.value.total > L.maxSegmentBytes) bad(`segment_chunk.total: at most ${L.maxSegmentBytes} bytes`);
      if (b.value.height > L.maxVideoSide) bad(`segment_chunk.height: at most ${L.maxVideoSide}`);
      return;
    case 'streamEnd':
      checkWord('stream_end.reason', b.value.reason);
      checkText('stream_end.error', b.value.error, L.maxErrorMessageChars);
      return;
    case 'hlsToken':
      checkTitle('hls_token.title', b.value.title);
      checkText('hls_token.path', b.value.path, L.maxHlsPathChars, false);
      if (!b.value.path.startsWith('/hls/')) bad('hls_token.path: expected a path under /hls/');
      if (b.value.token.length > L.maxHlsTokenChars || !HLS_TOKEN.test(b.value.token)) bad('hls_token.token: expected printable ASCII without spaces');
      return;
    case 'pong':
    case undefined:
      return;
    case 'queueItems':
    case 'deviceList':
    case 'directory':
    case 'keyPackageStatus':
    case 'claimedKeyPackages':
    case 'conversation':
    case 'commitAccepted':
    case 'groupInfo':
    case 'conversations':
    case 'members':
    case 'presenceUpdates':
    case 'accountChanged':
      checkServerFrameV2(b);
      return;
    default: {
      const never: never = b;
      return never;
    }
  }
}
