// The suite names alone, for the faces' help text and option checks: importing them through
// client/index.ts would load the whole client (MLS, HPKE, protobuf) for `sealcast --help`.
export { DEFAULT_SUITE, SUITES, type SuiteName } from '../crypto/suites.js';
