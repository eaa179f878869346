// Import rules of ../shared/DESIGN.md §2, checked by `npm run lint` (part of `npm test`).
// Tests (*.test.ts) may import anything and are exempt.
const TEST = '\\.test\\.ts$';
// crypto files that hold or use private keys; the server must not reach any of them.
const PRIVATE_CRYPTO = '^src/crypto/(identity|identity-export|login-sign|signing|hpke|envelope-seal|envelope-open|device-key|index)\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'protocol-is-a-leaf',
      comment: 'protocol/ imports nothing of ours',
      severity: 'error',
      from: { path: '^src/protocol/', pathNot: TEST },
      to: { path: '^src/', pathNot: '^src/protocol/' },
    },
    {
      name: 'crypto-is-a-leaf',
      comment: 'crypto/ imports nothing of ours',
      severity: 'error',
      from: { path: '^src/crypto/', pathNot: TEST },
      to: { path: '^src/', pathNot: '^src/crypto/' },
    },
    {
      name: 'media-and-store-import-protocol-at-most',
      severity: 'error',
      from: { path: '^src/(media|store)/', pathNot: TEST },
      to: { path: '^src/', pathNot: '^src/(protocol|media|store)/' },
    },
    {
      name: 'server-imports-only-public-crypto',
      comment: 'the server only ever handles ciphertext: from crypto/ it imports the verification entry alone',
      severity: 'error',
      from: { path: '^src/server/', pathNot: TEST },
      to: { path: '^src/crypto/', pathNot: '^src/crypto/verify\\.ts$' },
    },
    {
      name: 'server-never-reaches-private-key-code',
      severity: 'error',
      from: { path: '^src/server/', pathNot: TEST },
      to: { path: PRIVATE_CRYPTO, reachable: true },
    },
    {
      name: 'server-never-reaches-mls',
      comment: 'the MLS adapter holds group secrets and signing keys; the server reads only the clear framing (protocol/mls-framing.ts)',
      severity: 'error',
      from: { path: '^src/server/', pathNot: TEST },
      to: { path: '^src/crypto/mls/', reachable: true },
    },
    {
      name: 'only-the-mls-adapter-imports-ts-mls',
      comment: 'one adapter wraps the MLS library so it can be replaced (DESIGN.md §8)',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/crypto/mls/', TEST] },
      to: { path: 'node_modules/ts-mls/' },
    },
    {
      name: 'only-store-pg-imports-pg',
      comment: 'PostgreSQL lives behind store/pg/ (DESIGN.md §9); clients and handlers never reach it directly',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/store/pg/', TEST] },
      to: { path: 'node_modules/(pg|pg-[a-z-]+)/' },
    },
    {
      name: 'only-server-bus-imports-ioredis',
      comment: 'Redis lives behind server/bus/ (DESIGN.md §9)',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/server/bus/', TEST] },
      to: { path: 'node_modules/ioredis/' },
    },
    {
      name: 'server-imports-no-client-side',
      severity: 'error',
      from: { path: '^src/server/', pathNot: TEST },
      to: { path: '^src/(client|cli|web)/' },
    },
    {
      name: 'client-imports-protocol-and-crypto',
      severity: 'error',
      from: { path: '^src/client/', pathNot: TEST },
      to: { path: '^src/', pathNot: '^src/(client|protocol|crypto)/' },
    },
    {
      name: 'cli-and-web-go-through-the-client-core',
      comment: 'only the serve/admin commands may reach the server and its store',
      severity: 'error',
      from: { path: '^src/(cli|web)/', pathNot: [TEST, '^src/cli/commands/(serve|admin)\\.ts$'] },
      to: { path: '^src/(server|store)/' },
    },
    {
      name: 'cli-and-web-reach-crypto-through-the-client',
      comment: 'the faces use keys only as the client core offers them (client/identity-keys.ts re-exports what they need)',
      severity: 'error',
      from: { path: '^src/(cli|web)/', pathNot: TEST },
      to: { path: '^src/crypto/' },
    },
    {
      name: 'cli-and-web-use-the-client-facade',
      comment: 'the faces import client/index.ts only (and client/suites.ts, the suite names without the client, for help text); its modules (connection, roster, inbox, outbox, …) are the core\'s own',
      severity: 'error',
      from: { path: '^src/(cli|web)/', pathNot: TEST },
      to: { path: '^src/client/', pathNot: '^src/client/(index|suites)\\.ts$' },
    },
    {
      name: 'client-messaging-knows-no-sockets',
      comment: 'roster, inbox, outbox and sealing reach the server through functions handed to them, never a socket or the Connection',
      severity: 'error',
      from: { path: '^src/client/(roster|inbox|outbox|message-sealer|saved-state|trust-store)\\.ts$' },
      to: { path: '^src/client/(connection|socket-like)\\.ts$' },
    },
    {
      name: 'client-connection-knows-no-envelopes',
      comment: 'the connection logs in and carries frames; what deliveries and sends mean is the inbox\'s and outbox\'s',
      severity: 'error',
      from: { path: '^src/client/connection\\.ts$' },
      to: { path: ['^src/client/(roster|inbox|outbox|message-sealer|saved-state|trust-store)\\.ts$', '^src/crypto/'], pathNot: '^src/crypto/(login-sign|identity)\\.ts$' },
    },
    {
      name: 'web-has-no-media-pipeline',
      comment: 'the CLI may use media/ (ffmpeg resolver, ingest into the local cache); the browser app may not',
      severity: 'error',
      from: { path: '^src/web/', pathNot: TEST },
      to: { path: '^src/media/' },
    },
    {
      name: 'nothing-imports-the-faces',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(cli|web)/', TEST] },
      to: { path: '^src/(cli|web)/' },
    },
    {
      name: 'browser-code-has-no-node-builtins',
      comment: 'protocol/, crypto/, client/ and web/ run in browsers',
      severity: 'error',
      from: { path: '^src/(protocol|crypto|client|web)/', pathNot: TEST },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'type-only cycles (handlers naming the Hub type) are fine: they vanish at compile time',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)gen/|\\.d\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
