/** The cluster's store: PostgreSQL behind the async store interfaces (../async-stores.ts). */
export * from './pg-database.js';
export * from './pg-migrate.js';
export * from './pg-migrations.js';
export * from './pg-account-store.js';
export * from './pg-device-queue-store.js';
export * from './pg-key-package-store.js';
export * from './pg-conversation-store.js';
export * from './pg-errors.js';
