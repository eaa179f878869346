import type { Interface } from 'node:readline';
import { isClientError } from '../client/index.js';
import { canonicalName } from '../protocol/index.js';
import { CliError, EXIT } from './cli-error.js';
import { createSession, toCliError, type SessionInput } from './client-session.js';

/** Tries before giving up: a person who keeps picking taken names is asked again this many times. */
const MAX_TRIES = 10;

/**
 * `sealcast connect` on a terminal without --name asks for one, as the original brief's client
 * does, and asks again while the name is invalid or taken by another key. The name is tried with
 * a login that receives nothing (messages stay stored for the real session), then handed back.
 * Scripts keep --name: without a terminal this is never called.
 */
export async function askForName(rl: Interface, input: SessionInput, say: (line: string) => void): Promise<string> {
  for (let i = 0; i < MAX_TRIES; i++) {
    const raw = (await new Promise<string>((resolve) => rl.question('Your name: ', resolve))).trim();
    rl.pause();
    if (!raw) continue;
    let name: string;
    try {
      name = canonicalName(raw);
    } catch (e) {
      say(`"${raw.slice(0, 40)}" cannot be a name: ${(e as Error).message}`);
      continue;
    }
    const probe = await createSession({ ...input, name, receive: false, autoReconnect: false });
    try {
      await probe.client.connect();
      return name;
    } catch (e) {
      if (!isClientError(e, 'NAME_TAKEN')) throw toCliError(e);
      say(`the name "${name}" is taken (another key owns it); choose another`);
    } finally {
      await probe.client.close();
    }
  }
  throw new CliError('no usable name given; start again, or pass --name', EXIT.USAGE);
}
