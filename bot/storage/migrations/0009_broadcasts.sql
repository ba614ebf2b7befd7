-- Announcements as staff compose them (issue 4): the broadcast, its content per language, its
-- schedule rows, and the deliveries each schedule row spawned (broadcasts/compose.py).

-- status: pending_approval -> scheduled (approved, or no approval needed) -> running (a
-- delivery was created) -> done; paused / cancelled on request; rejected by an approver.
CREATE TABLE broadcasts (
    id                 INTEGER PRIMARY KEY,
    kind               TEXT NOT NULL CHECK (kind IN ('message', 'poll')),
    category           TEXT NOT NULL,
    status             TEXT NOT NULL
        CHECK (status IN ('pending_approval', 'scheduled', 'running', 'paused', 'done',
                          'cancelled', 'rejected')),
    -- Who wrote it ("tg:<id>" or "cli:<login>") and, for Telegram authors, their id.
    author             TEXT NOT NULL,
    author_telegram_id INTEGER,
    approver           TEXT,
    -- Audience filters as JSON (broadcasts/audience.py).
    audience           TEXT NOT NULL DEFAULT '{}',
    default_language   TEXT NOT NULL,
    -- The schedule as requested, JSON (broadcasts/schedule.py).
    schedule           TEXT NOT NULL,
    poll_anonymous     INTEGER NOT NULL DEFAULT 1 CHECK (poll_anonymous IN (0, 1)),
    poll_multiple      INTEGER NOT NULL DEFAULT 0 CHECK (poll_multiple IN (0, 1)),
    poll_close_date    TEXT,
    created_at         TEXT NOT NULL,
    approved_at        TEXT,
    cancelled_at       TEXT,
    finished_at        TEXT
);
CREATE INDEX broadcasts_status ON broadcasts (status);

-- Content per language, the same shape as delivery_payloads.
CREATE TABLE broadcast_payloads (
    broadcast_id  INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    language      TEXT NOT NULL,
    text          TEXT,
    media_kind    TEXT CHECK (media_kind IN ('photo', 'document')),
    media_path    TEXT,
    media_file_id TEXT,
    buttons       TEXT NOT NULL DEFAULT '[]',
    poll_question TEXT,
    poll_options  TEXT,
    PRIMARY KEY (broadcast_id, language)
) WITHOUT ROWID;

-- When it goes out. One row per time zone for "local time of each recipient" (consulates:
-- JSON list narrowing the audience to that zone's consulates; [] means no narrowing).
-- next_due_at: the next UTC instant (ISO 8601), NULL once the row will not fire again.
CREATE TABLE broadcast_schedules (
    id           INTEGER PRIMARY KEY,
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('now', 'at', 'local_time', 'recurring')),
    local_at     TEXT,
    zone         TEXT NOT NULL,
    recurrence   TEXT CHECK (recurrence IN ('daily', 'weekly', 'monthly')),
    consulates   TEXT NOT NULL DEFAULT '[]',
    next_due_at  TEXT,
    last_run_at  TEXT
);
CREATE INDEX broadcast_schedules_due ON broadcast_schedules (next_due_at)
    WHERE next_due_at IS NOT NULL;
CREATE INDEX broadcast_schedules_broadcast ON broadcast_schedules (broadcast_id);

-- Each occurrence of a schedule row and the delivery it created (deliveries.origin is
-- 'broadcast' and origin_id the broadcast id as well). The key makes an occurrence fire once.
CREATE TABLE broadcast_deliveries (
    schedule_id  INTEGER NOT NULL REFERENCES broadcast_schedules (id) ON DELETE CASCADE,
    due_at       TEXT NOT NULL,
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    delivery_id  INTEGER NOT NULL UNIQUE REFERENCES deliveries (id),
    PRIMARY KEY (schedule_id, due_at)
) WITHOUT ROWID;
CREATE INDEX broadcast_deliveries_broadcast ON broadcast_deliveries (broadcast_id);
