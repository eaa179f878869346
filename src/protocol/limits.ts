/** Version of the frame set in proto/sealcast.proto; bumped on incompatible change. */
export const PROTOCOL_VERSION = 1;

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
  idBytes: 16,
  challengeBytes: 32,
  maxNameChars: 32,
  maxSegmentsPerCredit: 16,
  maxStreamsPerConnection: 2,
  /** Subtitle renditions listed per title. */
  maxSubtitlesPerTitle: 16,
} as const;
