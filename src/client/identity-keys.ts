/**
 * The part of crypto/ the faces (cli/, web/) use, re-exported: they reach crypto/ only
 * through the client core (a lint rule says so), so what a face can do with keys is
 * listed here: make, save and load identities, name suites, show fingerprints. Sealing,
 * opening and login signatures stay inside the core.
 */
export {
  DEFAULT_SUITE, SUITES, type SuiteName,
  generateIdentity, exportIdentity, importIdentity, type Identity,
  parseBundle, type PublicBundle,
  fingerprintDigits, toHex,
} from '../crypto/index.js';
