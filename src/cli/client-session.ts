import { existsSync } from 'node:fs';
import { ClientError, isClientError, SealcastClient, type Connector, type Identity, type SuiteName, SUITES } from '../client/index.js';
import { canonicalName } from '../protocol/index.js';
import { CliError, EXIT } from './cli-error.js';
import { FileStorage } from './file-storage.js';
import { identityPath, retiredPath, sealcastHome, statePath } from './home.js';
import { loadOrCreateIdentity, pendingRotationPath } from './identity-file.js';
import { KnownServers, parseFingerprint } from './known-servers.js';
import { nodeConnector, normalizeUrl } from './node-connector.js';
import { FileRetiredIdentities } from './retired-identities.js';
import { stringOption, type ParsedCommand } from './options.js';

/** What a client command needs to reach a server. */
export interface SessionInput {
  url: string | undefined;
  name: string | undefined;
  identity?: string | undefined;
  fingerprint?: string | undefined;
  suite?: string | undefined;
  autoReconnect?: boolean;
  /** False for one-shot commands that must leave stored messages on the server (send, who). */
  receive?: boolean;
  /** Where progress notes go (stderr by default). */
  note?: (line: string) => void;
}

/** A client, not yet connected, with what the command may need beside it. */
export interface Session {
  client: SealcastClient;
  identityFile: string;
  hostPort: string;
}

/** SessionInput from the parsed common options (URL = first positional, else SEALCAST_URL). */
export function sessionInput(p: ParsedCommand, url: string | undefined, extra: Partial<SessionInput> = {}): SessionInput {
  return {
    url,
    name: stringOption(p, 'name'),
    identity: stringOption(p, 'identity'),
    fingerprint: stringOption(p, 'fingerprint'),
    suite: stringOption(p, 'suite'),
    ...extra,
  };
}

/** What both client generations (v1 SealcastClient, v2 SealcastAccount) are built from. */
export interface ClientParts {
  url: string;
  hostPort: string;
  name: string;
  identity: Identity;
  identityFile: string;
  /** The connector with certificate pinning (known_servers.json or --fingerprint). */
  connector: Connector;
}

/** Checks the inputs, loads (or creates) the identity and sets up certificate pinning. */
export async function prepareClient(input: SessionInput): Promise<ClientParts> {
  const note = input.note ?? ((l: string) => process.stderr.write(l + '\n'));
  const rawUrl = input.url ?? process.env.SEALCAST_URL;
  if (!rawUrl) throw new CliError('give the server address, e.g. wss://localhost:8443 (or set SEALCAST_URL)', EXIT.USAGE);
  if (!input.name) throw new CliError('give your name with --name (or set SEALCAST_NAME)', EXIT.USAGE);
  let name: string;
  try {
    name = canonicalName(input.name);
  } catch (e) {
    throw new CliError(`invalid name: ${(e as Error).message}`, EXIT.USAGE);
  }
  if (input.suite !== undefined && !SUITES.includes(input.suite as SuiteName)) {
    throw new CliError(`unknown suite "${input.suite}"; choose ${SUITES.join(' or ')}`, EXIT.USAGE);
  }
  let target: { url: string; hostPort: string };
  try {
    target = normalizeUrl(rawUrl);
  } catch (e) {
    throw new CliError((e as Error).message, EXIT.USAGE);
  }
  let explicitPin: string | undefined;
  if (input.fingerprint !== undefined) {
    explicitPin = parseFingerprint(input.fingerprint);
    if (!explicitPin) throw new CliError("--fingerprint must be the 64 hex digits of the server certificate's SHA-256", EXIT.USAGE);
  }
  const idPath = identityPath(input.identity);
  if (existsSync(pendingRotationPath(idPath))) {
    note(`note: ${pendingRotationPath(idPath)} exists: a key rotation was interrupted. If login fails with NAME_TAKEN, ` +
      `the server has the new key: move that file over ${idPath}.`);
  }
  const { identity, created } = await loadOrCreateIdentity(idPath, input.suite as SuiteName | undefined);
  if (created) note(`created a new identity (${identity.suite}) in ${idPath}`);

  const known = new KnownServers(sealcastHome());
  known.get(target.hostPort); // a damaged pin file fails here, before any connection
  const verifyCert = (seen: string, info: { caValidated: boolean }) => {
    const pinned = known.get(target.hostPort);
    if (explicitPin !== undefined) {
      if (seen !== explicitPin) {
        throw new ClientError(
          'CERT_CHANGED',
          `the certificate of ${target.hostPort} is not the one given with --fingerprint!\n` +
            `  expected:  SHA256:${explicitPin}\n  presented: SHA256:${seen}\n` +
            'Someone may be intercepting the connection. Nothing was sent.',
        );
      }
      if (pinned !== seen) {
        known.pin(target.hostPort, seen);
        note(`pinned server certificate SHA256:${seen} for ${target.hostPort} (from --fingerprint${pinned ? `; replaces SHA256:${pinned}` : ''})`);
      }
      return;
    }
    if (pinned === undefined) {
      known.pin(target.hostPort, seen);
      note(`pinned server certificate SHA256:${seen} for ${target.hostPort}${info.caValidated ? ' (also CA-validated)' : ''} in ${known.path}`);
      return;
    }
    if (pinned !== seen) {
      throw new ClientError(
        'CERT_CHANGED',
        `the certificate of ${target.hostPort} does not match the pinned one!\n` +
          `  pinned:    SHA256:${pinned}\n  presented: SHA256:${seen}\n` +
          "Someone may be intercepting the connection, or the server's certificate was replaced. Nothing was sent.\n" +
          `If the operator confirms the new fingerprint, run again with --fingerprint ${seen}\n` +
          `(or remove ${target.hostPort} from ${known.path}).`,
      );
    }
  };
  return { url: target.url, hostPort: target.hostPort, name, identity, identityFile: idPath, connector: nodeConnector(verifyCert) };
}

/**
 * Checks the inputs, loads (or creates) the identity and builds the client with
 * certificate pinning. Does not connect: attach listeners first, then call
 * connectSession, so nothing emitted during the login (key-change warnings,
 * messages stored while offline) is missed.
 */
export async function createSession(input: SessionInput): Promise<Session> {
  const parts = await prepareClient(input);
  const client = new SealcastClient({
    url: parts.url,
    name: parts.name,
    identity: parts.identity,
    connector: parts.connector,
    storage: new FileStorage(statePath(parts.identityFile)),
    retiredStore: new FileRetiredIdentities(retiredPath(parts.identityFile)),
    clientName: 'sealcast-cli/0.1',
    autoReconnect: input.autoReconnect ?? false,
    receive: input.receive ?? true,
  });
  return { client, identityFile: parts.identityFile, hostPort: parts.hostPort };
}

/** Connects and logs in, mapping failures to CliError with the documented exit codes. */
export async function connectSession(session: Session): Promise<void> {
  try {
    await session.client.connect();
  } catch (e) {
    throw toCliError(e);
  }
}

/** Maps client and wire errors to messages and exit codes. */
export function toCliError(e: unknown): CliError {
  if (e instanceof CliError) return e;
  if (isClientError(e)) {
    switch (e.code) {
      case 'CERT_CHANGED':
        return new CliError(e.message, EXIT.CERT_CHANGED);
      case 'KEY_CHANGED': {
        const peers = (e.detail?.peers as string[] | undefined) ?? [];
        const how = peers.length
          ? peers.map((p) => `/verify ${p} and /accept ${p}`).join(', ')
          : '/verify NAME and /accept NAME';
        return new CliError(`${e.message}\nRun "sealcast connect" and use ${how} once you are sure the new key is theirs.`, EXIT.KEY_CHANGED);
      }
      case 'NAME_TAKEN':
        return new CliError(`login refused: ${e.message}. Another key owns this name on the server; if it is yours, use --identity with that key.`, EXIT.LOGIN_REFUSED);
      case 'BAD_PROOF':
      case 'NAME_INVALID':
      case 'BAD_BUNDLE':
      case 'VERSION_UNSUPPORTED':
        return new CliError(`login refused (${e.code}): ${e.message}`, EXIT.LOGIN_REFUSED);
      case 'CONNECT_FAILED':
        return new CliError(e.message, EXIT.UNREACHABLE);
      case 'BAD_URL':
      case 'BAD_POLICY': // fixed:999p for a title without that height: the argument is wrong
      case 'TOO_LARGE':
      case 'BAD_RECIPIENT':
      case 'UNKNOWN_CONVERSATION':
      case 'UNKNOWN_DEVICE':
      case 'UNKNOWN_PEER':
        return new CliError(e.message, EXIT.USAGE);
      case 'NO_KEY_PACKAGE':
        return new CliError(`${e.message}. They can be invited once a device of theirs has logged in (e.g. "sealcast rooms").`, EXIT.FAILED);
      case 'STATE_DAMAGED':
        return new CliError(`the client state is damaged: ${e.message}`, EXIT.FAILED);
      default:
        return new CliError(`${e.message}${/^[A-Z_]+$/.test(e.code) ? ` (${e.code})` : ''}`, EXIT.FAILED);
    }
  }
  return new CliError(e instanceof Error ? e.message : String(e), EXIT.FAILED);
}
