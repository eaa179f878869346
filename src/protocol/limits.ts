/** Version of the frame set in proto/sealcast.proto; bumped on incompatible change. v1 stays served. */
export const PROTOCOL_VERSION = 1;
/** Protocol v2: accounts with devices, per-device queues, MLS conversations (docs/PROTOCOL.md §v2). */
export const PROTOCOL_VERSION_2 = 2;

/**
 * Size limits, checked before any decoding. A client frame's largest legitimate
 * content is a to-all envelope of the RSA suite (384-byte key wrap per recipient).
 */
export const LIMITS = {
  maxClientFrameBytes: 1024 * 1024,
  maxServerFrameBytes: 2 * 1024 * 1024,
  maxEnvelopeBytes: 1000 * 1024,
  maxBundleBytes: 4096,
  maxSignatureBytes: 1024,
  maxPlaintextBytes: 64 * 1024,
  maxTitleChars: 128,
  maxPolicyChars: 32,
  /** Ack.rejected and Delivered.rejected: a stable code, e.g. NOT_A_RECIPIENT. */
  maxRejectionChars: 32,
  idBytes: 16,
  challengeBytes: 32,
  maxNameChars: 32,
  maxSegmentsPerCredit: 16,
  maxStreamsPerConnection: 2,
  /** v2: bytes of a device's Ed25519 public key, and of a device id. */
  deviceKeyBytes: 32,
  deviceIdBytes: 16,
  /** v2: devices one account may have at once. */
  maxDevices: 16,
  /** v2: a signed device list (16 devices with labels, and an RSA signature, fit well within it). */
  maxDeviceListBytes: 4096,
  /** v2: names per Lookup, per KeyPackageClaim and per add/remove list of a Commit. */
  maxNamesPerRequest: 100,
  /** v2: key packages per upload, and bytes of one. */
  maxKeyPackagesPerUpload: 100,
  maxKeyPackageBytes: 4096,
  /** v2: conversation ids are 16 bytes (the MLS group id). */
  conversationIdBytes: 16,
  /** v2: MLS messages (commit, welcome, group info, application). A Welcome or a GroupInfo carries the
   * ratchet tree, about 200 bytes per member with suite 1: 1 MiB covers rooms of a few thousand devices. */
  maxMlsMessageBytes: 1000 * 1024,
  /** v2: room titles. */
  maxTitleOfRoomChars: 64,
  /** v2: items per page of Conversations and Members. */
  maxPageItems: 500,
  /** Subtitle renditions listed per title. */
  maxSubtitlesPerTitle: 16,
} as const;
