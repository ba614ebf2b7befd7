-- The inbox (bot/inbox/): members' questions to their consulate and the staff's answers.
-- A thread belongs to a member (erased with them by /delete) and to one consulate; staff see it
-- under a pseudonymous handle (handle_number, drawn at random), never the member's Telegram id.
-- Closed threads are erased ``inbox_days`` after closing (bot/retention.py).
CREATE TABLE inbox_threads (
    id            INTEGER PRIMARY KEY,
    reference     TEXT NOT NULL UNIQUE,
    member_id     INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    consulate_id  TEXT NOT NULL,
    topic         TEXT NOT NULL,
    language      TEXT NOT NULL,
    handle_number INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    assigned_to   INTEGER,  -- the staff member's Telegram id
    created_at    TEXT NOT NULL,
    due_at        TEXT NOT NULL,
    answered_at   TEXT,
    reminded_at   TEXT,
    closed_at     TEXT
);
CREATE INDEX inbox_threads_open ON inbox_threads (consulate_id, status, created_at);
CREATE INDEX inbox_threads_member ON inbox_threads (member_id, created_at);
CREATE INDEX inbox_threads_closed ON inbox_threads (closed_at) WHERE closed_at IS NOT NULL;

CREATE TABLE inbox_messages (
    id          INTEGER PRIMARY KEY,
    thread_id   INTEGER NOT NULL REFERENCES inbox_threads (id) ON DELETE CASCADE,
    member_id   INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    sender      TEXT NOT NULL CHECK (sender IN ('member', 'staff')),
    staff_id    INTEGER,  -- who answered (staff messages only)
    text        TEXT NOT NULL,
    file_kind   TEXT CHECK (file_kind IN ('photo', 'document')),
    file_id     TEXT,
    delivered   INTEGER NOT NULL DEFAULT 1,  -- 0: the member had blocked the bot
    created_at  TEXT NOT NULL
);
CREATE INDEX inbox_messages_thread ON inbox_messages (thread_id, id);
CREATE INDEX inbox_messages_member ON inbox_messages (member_id);
