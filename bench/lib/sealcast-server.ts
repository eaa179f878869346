import { spawnServer, type ServerProcess, type SpawnServerOptions } from '../../test/support/server-process.js';
import type { BenchTls } from './tls.js';

/**
 * Limits raised for load tests: the defaults protect a server from one abusive client,
 * and a load generator is exactly that. Everything else (TLS, validation, storage,
 * logging at info) stays as an operator would run it.
 */
export const BENCH_LIMITS_ENV: Record<string, string> = {
  SEALCAST_MESSAGES_PER_SECOND: '1000000',
  SEALCAST_MESSAGE_BURST: '1000000',
  SEALCAST_CONNECTIONS_PER_ADDRESS: '100000',
  SEALCAST_REGISTRATIONS_PER_MINUTE: '10000000',
};

/** Starts `sealcast serve` on 127.0.0.1 (a free port) with the bench certificate and raised limits. */
export function startSealcast(tls: BenchTls | undefined, opts: SpawnServerOptions = {}): Promise<ServerProcess> {
  // SEALCAST_BENCH_CPU_PROF=DIR: profile the server (node --cpu-prof), written when it stops.
  const prof = process.env.SEALCAST_BENCH_CPU_PROF;
  return spawnServer({
    ...opts,
    ...(prof ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', prof, ...(opts.nodeArgs ?? [])] } : {}),
    env: { ...BENCH_LIMITS_ENV, ...(opts.env ?? {}) },
    args: [...(tls ? ['--tls-cert', tls.certFile, '--tls-key', tls.keyFile] : []), ...(opts.args ?? [])],
  });
}

export type { ServerProcess };
