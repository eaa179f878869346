/** One versioned schema step; applied once, in order, in its own transaction. */
export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The PostgreSQL schema by version. It starts where the SQLite schema is now (protocol v2), with the
 * rules a cluster needs written as constraints: the duplicate check is UNIQUE (sender, id), each
 * device's queue numbers its items itself (PRIMARY KEY (device, seq)), a device has at most one
 * last-resort key package, and a conversation's handshake log has one commit per epoch.
 * Never edit a released step: add one.
 */
export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'accounts, devices, mailboxes, key packages, conversations',
    sql: `
      CREATE TABLE accounts (
        name                TEXT PRIMARY KEY,
        bundle              BYTEA NOT NULL,
        fingerprint         BYTEA NOT NULL,
        created_at          BIGINT NOT NULL,
        updated_at          BIGINT NOT NULL,
        reset               BOOLEAN NOT NULL DEFAULT false,
        device_list         BYTEA,
        device_list_version INTEGER NOT NULL DEFAULT 0,
        last_login_at       BIGINT NOT NULL,
        logins              INTEGER NOT NULL DEFAULT 1,
        reset_fingerprint   BYTEA,
        reset_code_hash     BYTEA,
        reset_expires_at    BIGINT
      );
      CREATE INDEX accounts_fingerprint ON accounts (fingerprint);
      CREATE INDEX accounts_unused ON accounts (last_login_at) WHERE logins <= 1;

      CREATE TABLE devices (
        id        BYTEA PRIMARY KEY CHECK (octet_length(id) = 16),
        account   TEXT NOT NULL REFERENCES accounts (name) ON DELETE CASCADE ON UPDATE CASCADE,
        key       BYTEA,
        v1        BOOLEAN NOT NULL DEFAULT false,
        added_at  BIGINT NOT NULL,
        -- The last number given in this device's queue. It is taken under the row's lock, so the
        -- numbers of a device follow commit order whichever node writes: a reader past n never
        -- misses a smaller number committed later.
        queue_seq BIGINT NOT NULL DEFAULT 0
      );
      CREATE INDEX devices_account ON devices (account);

      CREATE TABLE messages (
        mid           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        sender        TEXT NOT NULL,
        id            BYTEA NOT NULL,
        sender_device BYTEA,
        kind          SMALLINT NOT NULL,
        to_all        BOOLEAN NOT NULL,
        conversation  BYTEA,
        meta          BYTEA,
        envelope      BYTEA NOT NULL,
        stored_at     BIGINT NOT NULL,
        expires_at    BIGINT NOT NULL,
        UNIQUE (sender, id)
      );
      CREATE INDEX messages_expiry ON messages (expires_at);

      CREATE TABLE queue (
        device BYTEA NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
        seq    BIGINT NOT NULL,
        mid    BIGINT NOT NULL REFERENCES messages (mid) ON DELETE CASCADE,
        msg_id BYTEA NOT NULL,
        bytes  INTEGER NOT NULL,
        PRIMARY KEY (device, seq)
      );
      CREATE INDEX queue_device_id ON queue (device, msg_id);
      CREATE INDEX queue_mid ON queue (mid);

      CREATE TABLE key_packages (
        kp          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        device      BYTEA NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
        data        BYTEA NOT NULL,
        last_resort BOOLEAN NOT NULL DEFAULT false,
        uploaded_at BIGINT NOT NULL
      );
      CREATE INDEX key_packages_device ON key_packages (device, kp) WHERE NOT last_resort;
      CREATE UNIQUE INDEX key_packages_last_resort ON key_packages (device) WHERE last_resort;

      CREATE TABLE conversations (
        id         BYTEA PRIMARY KEY,
        kind       SMALLINT NOT NULL,
        title      TEXT NOT NULL DEFAULT '',
        creator    TEXT NOT NULL,
        epoch      BIGINT NOT NULL DEFAULT 0,
        group_info BYTEA,
        -- A direct conversation's two accounts, in order: one per pair by a unique key. (Two columns,
        -- not SQLite's NUL-joined key: PostgreSQL's TEXT cannot hold NUL.)
        direct_a   TEXT,
        direct_b   TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        UNIQUE (direct_a, direct_b),
        CHECK (direct_a < direct_b)
      );
      CREATE INDEX conversations_everyone ON conversations (created_at, id) WHERE kind = 3;

      CREATE TABLE members (
        conversation BYTEA NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        account      TEXT NOT NULL REFERENCES accounts (name) ON DELETE CASCADE ON UPDATE CASCADE,
        admin        BOOLEAN NOT NULL DEFAULT false,
        joined_at    BIGINT NOT NULL,
        PRIMARY KEY (conversation, account)
      );
      CREATE INDEX members_account ON members (account);

      -- The ordered handshake log: the commit that moved a conversation from each epoch.
      CREATE TABLE handshakes (
        conversation BYTEA NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        epoch        BIGINT NOT NULL,
        message      BYTEA NOT NULL,
        stored_at    BIGINT NOT NULL,
        PRIMARY KEY (conversation, epoch)
      );
    `,
  },
];
