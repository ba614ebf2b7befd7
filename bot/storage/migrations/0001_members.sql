-- People who talk to the bot. A row exists only once someone chose a language or consented
-- to registration; declining consent deletes it. Registration fields come in later migrations.
CREATE TABLE members (
    id               INTEGER PRIMARY KEY,
    telegram_user_id INTEGER NOT NULL UNIQUE,
    language         TEXT,
    reachable        INTEGER NOT NULL DEFAULT 1 CHECK (reachable IN (0, 1)),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
