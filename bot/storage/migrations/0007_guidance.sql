-- Pre-departure guidance (issue 6): checklist ticks and departure reminders per member.
-- Both go with the member: deleting the member deletes them (foreign keys are on).

-- A row means the member ticked that checklist item; unticking deletes it.
CREATE TABLE checklist_ticks (
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    item_id   TEXT NOT NULL,
    ticked_at TEXT NOT NULL,
    PRIMARY KEY (member_id, item_id)
) WITHOUT ROWID;

-- Reminders 30, 7 and 1 days before the member's departure date. due_at is UTC ISO 8601
-- (as utc_now_iso writes it, so text order is time order); sent_at is NULL until sent.
-- departure_date is the date the reminder was planned for, so re-planning the same date
-- keeps what was already sent.
CREATE TABLE departure_reminders (
    member_id      INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    days_before    INTEGER NOT NULL CHECK (days_before IN (30, 7, 1)),
    departure_date TEXT NOT NULL,
    due_at         TEXT NOT NULL,
    sent_at        TEXT,
    PRIMARY KEY (member_id, days_before)
) WITHOUT ROWID;

-- The sweep looks only at what is still to send.
CREATE INDEX departure_reminders_pending ON departure_reminders (due_at) WHERE sent_at IS NULL;
