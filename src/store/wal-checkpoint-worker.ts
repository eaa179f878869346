// Runs in a worker thread with its own connection to the server's database: copies the WAL
// back into the database file (and fsyncs both) away from the event loop. See wal-checkpointer.ts.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

interface Options {
  path: string;
  intervalMs: number;
}

const { path, intervalMs } = workerData as Options;

function fail(e: unknown): void {
  // Posted as text: SQLite's own error class does not cross to the main thread intact.
  parentPort!.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) });
}

let db: Database.Database;
try {
  db = new Database(path, { fileMustExist: true });
} catch (e) {
  fail(e);
  // Ends the thread after the message above is delivered; a thrown SqliteError would reach the main
  // thread as an 'error' event without its message (its class does not cross threads), and could win the race.
  process.exit(1);
}

function checkpoint(): void {
  // PASSIVE never waits for the server's connection: it copies what no reader still needs.
  const [row] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
  parentPort!.postMessage({ type: 'checkpointed', log: row?.log ?? 0, checkpointed: row?.checkpointed ?? 0 });
}

const timer = setInterval(() => {
  try {
    checkpoint();
  } catch (e) {
    fail(e);
    clearInterval(timer);
    db.close();
  }
}, intervalMs);

parentPort!.on('message', (m: { type: string }) => {
  if (m.type !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
