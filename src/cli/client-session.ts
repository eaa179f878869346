import { basename, dirname, join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ClientError, isClientError, SealcastClient } from '../client/index.js';
import { SUITES, type SuiteName } from '../crypto/index.js';
import { canonicalName } from '../protocol/index.js';
import { CliError, EXIT } from './cli-error.js';
import { FileStorage } from './file-storage.js';
import { identityPath, sealcastHome } from './home.js';
import { loadOrCreateIdentity } from './identity-file.js';
import { KnownServers } from './known-servers.js';
import { nodeConnector, normalizeUrl } from './node-connector.js';

/** Options every client command takes. */
export const CLIENT_OPTIONS = {
  name: { type: 'string', short: 'n' },
  identity: { type: 'string' },
  fingerprint: { type: 'string' },
  suite: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export const CLIENT_OPTIONS_HELP = `  --name NAME          your name on the server          SEALCAST_NAME
  --identity FILE      your identity (private keys)    SEALCAST_IDENTITY  (SEALCAST_HOME/identity.json)
  --fingerprint HEX    pin the server certificate's SHA-256 explicitly (otherwise pinned on first use)
  --suite SUITE        suite for a new identity: ${SUITES.join(' | ')}
Environment: SEALCAST_HOME (default ~/.config/sealcast) holds identity, pinned servers, peer keys; SEALCAST_URL.`;

/** Parses a command's arguments, turning parseArgs' errors into usage errors. */
export function parseCommand<O extends ParseArgsConfig['options']>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { ...CLIENT_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CliError((e as Error).message, EXIT.USAGE);
  }
}

export interface SessionInput {
  url: string | undefined;
  name: string | undefined;
  identity?: string | undefined;
  fingerprint?: string | undefined;
  suite?: string | undefined;
  autoReconnect?: boolean;
  /** Where progress notes go (stderr by default). */
  note?: (line: string) => void;
}

/**
 * Loads (or creates) the identity, pins the server certificate, connects and logs
 * in. Errors come back as CliError with the documented exit codes.
 */
export async function openSession(input: SessionInput): Promise<SealcastClient> {
  const note = input.note ?? ((l: string) => process.stderr.write(l + '\n'));
  const rawUrl = input.url ?? process.env.SEALCAST_URL;
  if (!rawUrl) throw new CliError('give the server address, e.g. wss://localhost:8443 (or set SEALCAST_URL)', EXIT.USAGE);
  const rawName = input.name ?? process.env.SEALCAST_NAME;
  if (!rawName) throw new CliError('give your name with --name (or set SEALCAST_NAME)', EXIT.USAGE);
  let name: string;
  try {
    name = canonicalName(rawName);
  } catch (e) {
    throw new CliError(`invalid name: ${(e as Error).message}`, EXIT.USAGE);
  }
  if (input.suite && !SUITES.includes(input.suite as SuiteName)) {
    throw new CliError(`unknown suite "${input.suite}"; choose ${SUITES.join(' or ')}`, EXIT.USAGE);
  }
  let target;
  try {
    target = normalizeUrl(rawUrl);
  } catch (e) {
    throw new CliError((e as Error).message, EXIT.USAGE);
  }
  const explicitPin = input.fingerprint?.replace(/[:\s]/g, '').toLowerCase();
  if (explicitPin !== undefined && !/^[0-9a-f]{64}$/.test(explicitPin)) {
    throw new CliError('--fingerprint must be the 64 hex digits of the certificate SHA-256', EXIT.USAGE);
  }
  const idPath = identityPath(input.identity);
  const { identity, created } = await loadOrCreateIdentity(idPath, input.suite as SuiteName | undefined);
  if (created) note(`created a new identity (${identity.suite}) in ${idPath}`);

  const home = sealcastHome();
  const known = new KnownServers(home);
  const verifyCert = (seen: string) => {
    const expected = explicitPin ?? known.get(target.hostPort);
    if (expected === undefined) {
      known.pin(target.hostPort, seen);
      note(`pinned the certificate of ${target.hostPort}: SHA256 ${seen}`);
      return;
    }
    if (expected !== seen) {
      throw new ClientError('CERT_CHANGED',
        `the certificate of ${target.hostPort} does not match the pinned one!\n` +
        `  pinned:    ${expected}\n  presented: ${seen}\n` +
        `Someone may be intercepting the connection, or the server's certificate was replaced.\n` +
        `If you know it was replaced, remove ${target.hostPort} from ${join(home, 'known_servers.json')}.`);
    }
    if (explicitPin && known.get(target.hostPort) !== seen) known.pin(target.hostPort, seen);
  };
  const storage = new FileStorage(join(dirname(idPath), `${basename(idPath, '.json')}.state.json`));
  const client = new SealcastClient({
    url: target.url,
    name,
    identity,
    connector: nodeConnector(verifyCert),
    storage,
    clientName: 'sealcast-cli/0.1',
    autoReconnect: input.autoReconnect ?? false,
  });
  try {
    await client.connect();
  } catch (e) {
    throw toCliError(e);
  }
  return client;
}

/** Maps client and wire errors to one-line messages and exit codes. */
export function toCliError(e: unknown): CliError {
  if (e instanceof CliError) return e;
  if (isClientError(e)) {
    switch (e.code) {
      case 'CERT_CHANGED':
        return new CliError(e.message, EXIT.CERT_CHANGED);
      case 'KEY_CHANGED':
        return new CliError(`${e.message}\nRun "sealcast connect" and use /verify and /accept.`, EXIT.KEY_CHANGED);
      case 'NAME_TAKEN':
      case 'BAD_PROOF':
      case 'NAME_INVALID':
      case 'BAD_BUNDLE':
      case 'VERSION_UNSUPPORTED':
        return new CliError(`login refused: ${e.message}`, EXIT.LOGIN_REFUSED);
      default:
        return new CliError(e.message, EXIT.FAILED);
    }
  }
  return new CliError(e instanceof Error ? e.message : String(e), EXIT.FAILED);
}
