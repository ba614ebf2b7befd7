-- The inbound queue (bot/inbound.py): each update the webhook receiver took, waiting for the
-- worker of its shard. update_id is unique, so a call Telegram retries is queued once.
-- user_id is the sender (NULL: none), shard = user_id modulo BOT_SHARDS (0 without a sender);
-- body is the update's JSON. Handling clears body and user_id (personal data) and keeps the
-- row an hour against late retries; times are unix seconds.
CREATE TABLE inbound_updates (
    id          INTEGER PRIMARY KEY,
    update_id   INTEGER NOT NULL UNIQUE,
    user_id     INTEGER,
    shard       INTEGER NOT NULL,
    body        TEXT,
    received_at REAL NOT NULL,
    handled     INTEGER NOT NULL DEFAULT 0 CHECK (handled IN (0, 1)),
    handled_at  REAL
);

CREATE INDEX inbound_updates_waiting ON inbound_updates (shard, handled, update_id);
CREATE INDEX inbound_updates_user ON inbound_updates (user_id);
