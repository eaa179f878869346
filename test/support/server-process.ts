import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sealcastBin } from './repo-root.js';

export interface ServerProcess {
  proc: ChildProcess;
  port: number;
  url: string;
  httpsUrl: string;
  fingerprintHex: string;
  dataDir: string;
  logFile: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash would. */
  kill9(): Promise<void>;
}

export interface SpawnServerOptions {
  dataDir?: string;
  videosDir?: string | null;
  port?: number;
  env?: Record<string, string>;
  nodeArgs?: string[];
  args?: string[];
  cwd?: string;
  /** Let the server make its sample video when the library is empty (off by default: it costs a transcode). */
  sample?: boolean;
}

/** Makes a temporary directory removed when `cleanup` runs. */
export function tempDir(prefix = 'sealcast-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Starts `sealcast serve` as its own process on 127.0.0.1 with a free port and
 * resolves once it prints where it listens.
 */
export async function spawnServer(opts: SpawnServerOptions = {}): Promise<ServerProcess> {
  const dataDir = opts.dataDir ?? tempDir('sealcast-data-');
  mkdirSync(dataDir, { recursive: true });
  const logFile = join(dataDir, 'server.log');
  const args = [
    ...(opts.nodeArgs ?? []),
    sealcastBin(),
    'serve',
    '--host', '127.0.0.1',
    '--port', String(opts.port ?? 0),
    '--data', dataDir,
    '--log-file', logFile,
    '--log-level', 'info',
    ...(opts.videosDir ? ['--videos', opts.videosDir, ...(opts.sample ? [] : ['--no-sample'])] : ['--no-video']),
    ...(opts.args ?? []),
  ];
  const proc = spawn(process.execPath, args, {
    cwd: opts.cwd ?? dataDir,
    // Every client of a test comes from 127.0.0.1, browsers with several connections each: the
    // product's per-address cap (32) would count a whole test as one abuser. Tests of the cap set their own.
    env: { SEALCAST_CONNECTIONS_PER_ADDRESS: '256', ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (d: string) => (err += d));
  proc.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s:\n${err}`)), 30_000);
    const check = () => {
      const m = /listening on https:\/\/(?:127\.0\.0\.1|localhost):(\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    proc.stderr!.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${err}`));
    });
  });
  const fp = /--fingerprint ([0-9a-f]{64})/.exec(err)?.[1] ?? '';
  return {
    proc,
    port,
    url: `wss://127.0.0.1:${port}`,
    httpsUrl: `https://127.0.0.1:${port}`,
    fingerprintHex: fp,
    dataDir,
    logFile,
    stderr: () => err,
    async stop() {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      return exited;
    },
    async kill9() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
