-- Which process's delivery engine sends (see broadcasts/lease.py): one per database, so a
-- `broadcast send --foreground` cannot put the bot's in-flight rows back to pending and send
-- them twice. holder is "host:pid:instance"; expires_at is unix seconds, renewed while it runs.
CREATE TABLE engine_lease (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    holder     TEXT NOT NULL,
    expires_at REAL NOT NULL
);
