import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/**
 * A per-title lock file holding the owner's pid, so `sealcast ingest` and a running server
 * never transcode the same title into the same cache directory at once. A lock whose owner
 * is gone (killed mid-transcode) is stale and taken over.
 */
export type LockAttempt = { acquired: true; release(): void } | { acquired: false; holder: number };

export function tryTranscodeLock(file: string): LockAttempt {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return { acquired: true, release: () => rmSync(file, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = lockHolder(file);
    if (holder !== undefined && holder !== process.pid && processAlive(holder)) return { acquired: false, holder };
    rmSync(file, { force: true }); // stale: its owner died
  }
  throw new Error(`cannot take the transcode lock ${file}`);
}

/** The pid in a lock file, or undefined when there is no (readable) lock. */
export function lockHolder(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
