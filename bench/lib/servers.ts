import { fileURLToPath } from 'node:url';
import { spawnTracked, stopChild, waitForOutput } from './proc.js';
import { startSealcast } from './sealcast-server.js';
import type { BenchTls } from './tls.js';

/** A server under test, whichever it is: where it listens and how to stop it. */
export interface RunningTarget {
  kind: string;
  url: string;
  pid: number;
  fingerprintHex: string;
  stop(): Promise<void>;
}

const BASELINE_SERVER = fileURLToPath(new URL('../relay/baseline-server.js', import.meta.url));

/** Starts sealcast (fresh data directory under `dataDir`) or one of the baseline servers. */
export async function startTarget(kind: 'sealcast' | 'bare' | 'socketio', tls: BenchTls, dataDir: string, env: Record<string, string> = {}): Promise<RunningTarget> {
  if (kind === 'sealcast') {
    const s = await startSealcast(tls, { dataDir, env });
    return {
      kind, url: s.url, pid: s.proc.pid!, fingerprintHex: s.fingerprintHex,
      stop: async () => {
        await s.stop();
      },
    };
  }
  const child = spawnTracked(process.execPath, [BASELINE_SERVER, kind, tls.certFile, tls.keyFile]);
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(`  [${kind} server] ${d}`));
  const m = await waitForOutput(child.stdout!, /listening (\d+)/, 15_000, `${kind} server`);
  return { kind, url: `wss://127.0.0.1:${m[1]}`, pid: child.pid!, fingerprintHex: '', stop: () => stopChild(child) };
}
