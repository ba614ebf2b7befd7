-- Named leases (bot/storage/leases.py): which process does a thing that must be done by one
-- process at a time across every process on the database: the delivery engine ("engine"),
-- each scheduled job, each shard of incoming updates. Replaces engine_lease (0011).
-- holder is "host:pid:instance"; expires_at is unix seconds, renewed while the holder runs.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at REAL NOT NULL
);

INSERT INTO leases (name, holder, expires_at)
    SELECT 'engine', holder, expires_at FROM engine_lease;

DROP TABLE engine_lease;
