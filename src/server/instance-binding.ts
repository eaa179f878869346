import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareDataDir } from './data-dir.js';
import { createInstanceId, openDatabase, readInstanceId, type SqliteDatabase } from '../store/index.js';

/** The data directory's copy of the database's instance id. */
export const INSTANCE_FILE = 'instance-id';

/** Files that exist only once a server has run here: their presence means a registry was made. */
const STATE_FILES = ['tls/server.crt', 'hls-secret', INSTANCE_FILE];

/**
 * What a data directory holds before this start touches it (call it before the certificate is
 * made): the files that show a server ran here before.
 */
export function priorState(dataDir: string): string[] {
  return STATE_FILES.map((f) => join(dataDir, f)).filter((f) => existsSync(f));
}

/** Thrown when the data directory and its database do not belong together; the message says what to do. */
export class InstanceMismatchError extends Error {
  override readonly name = 'InstanceMismatchError';
}

function refuseNewRegistry(dbPath: string, state: string[], why: string): never {
  throw new InstanceMismatchError(
    `database ${dbPath} ${why}, but this data directory already belongs to a sealcast instance (${state.join(', ')}). ` +
      `Starting would make a new, empty registry next to the old certificate and HLS secret, so every name could be ` +
      `claimed again by anyone. Restore the database from a backup; or, to start a fresh registry on purpose, ` +
      `run "sealcast serve --init".`,
  );
}

/**
 * Opens the server's database and checks it belongs to this data directory: the instance id in
 * the database must equal the one in DATA/instance-id. A brand-new data directory gets a new id in
 * both. A database that is missing, empty or never bound, beside files of an earlier run, is
 * refused unless `init` (a fresh registry on purpose); a database of another instance is refused.
 */
export function openInstanceDatabase(dataDir: string, dbPath: string, state: string[], init: boolean): SqliteDatabase {
  prepareDataDir(dataDir);
  // Checked before opening: SQLite would otherwise create (or fill) the file.
  const missing = !existsSync(dbPath);
  if (!init && state.length > 0 && (missing || statSync(dbPath).size === 0)) {
    refuseNewRegistry(dbPath, state, missing ? 'does not exist' : 'is empty (zero bytes)');
  }
  const db = openDatabase(dbPath);
  try {
    bind(db, dataDir, dbPath, state, init);
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

function bind(db: SqliteDatabase, dataDir: string, dbPath: string, state: string[], init: boolean): void {
  const file = join(dataDir, INSTANCE_FILE);
  const fileId = existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
  let dbId = readInstanceId(db);
  if (dbId === null) {
    // Made by this start (or by `sealcast admin` on a missing file): a registry with no past.
    if (!init && state.length > 0) refuseNewRegistry(dbPath, state, 'holds a new registry');
    dbId = createInstanceId(db);
  } else if (fileId !== null && fileId !== dbId && !init) {
    throw new InstanceMismatchError(
      `database ${dbPath} belongs to another sealcast instance (id ${dbId}) than this data directory (${file}: ${fileId}). ` +
        `Put back this directory's own database; or, if this database is the one to keep, run "sealcast serve --init" ` +
        `to bind the directory to it.`,
    );
  }
  if (fileId !== dbId) writeFileSync(file, dbId + '\n', { mode: 0o600 });
}
