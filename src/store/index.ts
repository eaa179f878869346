/** Persistence behind small interfaces; SQLite (better-sqlite3, WAL) is the embedded default. */
export * from './database.js';
export * from './account-store.js';
export * from './device-queue-store.js';
export * from './key-package-store.js';
export * from './conversation-store.js';
export * from './store-error.js';
export * from './wal-checkpointer.js';
export * from './watch-store.js';
export * from './instance-id.js';
export * from './operator-changes.js';
