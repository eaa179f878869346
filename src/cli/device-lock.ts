import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { CliError } from './cli-error.js';
import { processAlive } from '../media/transcode-lock.js';

/**
 * An exclusive lock file holding our pid: two one-shot commands using one device's MLS state at
 * once would each advance its epochs and one would overwrite the other's. A lock left by a
 * process that died is taken over.
 */
export function lockDevice(path: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let holder = NaN;
      try {
        holder = Number(readFileSync(path, 'utf8').trim());
      } catch {
        // Removed meanwhile: try again.
      }
      if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) {
        throw new CliError(`another sealcast command (pid ${holder}) is using this device; wait for it, or remove ${path} if it is gone`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new CliError(`could not take the lock ${path}`);
}
