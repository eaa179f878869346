import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';

/** The client's config directory: SEALCAST_HOME, else $XDG_CONFIG_HOME/sealcast, else ~/.config/sealcast. */
export function sealcastHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SEALCAST_HOME) return resolve(env.SEALCAST_HOME);
  return join(env.XDG_CONFIG_HOME ? resolve(env.XDG_CONFIG_HOME) : join(homedir(), '.config'), 'sealcast');
}

/** The identity file: --identity, SEALCAST_IDENTITY, or HOME/identity.json. */
export function identityPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag || env.SEALCAST_IDENTITY || join(sealcastHome(env), 'identity.json'));
}

/** The per-identity client state (peer keys, replay window) beside it: identity.json → identity.state.json. */
export function statePath(identityFile: string): string {
  return join(dirname(identityFile), `${basename(identityFile, '.json')}.state.json`);
}

/** The identities a key rotation retired, beside it: identity.json → identity.retired.json. */
export function retiredPath(identityFile: string): string {
  return join(dirname(identityFile), `${basename(identityFile, '.json')}.retired.json`);
}
