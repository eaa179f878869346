/** Persistence behind small interfaces; SQLite (better-sqlite3, WAL) is the embedded default. */
export * from './database.js';
export * from './identity-store.js';
export * from './mailbox-store.js';
export * from './store-error.js';
export * from './wal-checkpointer.js';
export * from './watch-store.js';
