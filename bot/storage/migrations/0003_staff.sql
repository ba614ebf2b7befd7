-- Consular staff and what they did. Roles: admin (everything, staff management), editor
-- (compose, approve others' broadcasts, polls), viewer (read reports and results).
CREATE TABLE staff (
    telegram_user_id INTEGER PRIMARY KEY,
    role             TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    added_by         TEXT NOT NULL,
    added_at         TEXT NOT NULL
);

-- Consulates a staff member is limited to; none means every consulate.
CREATE TABLE staff_consulates (
    telegram_user_id INTEGER NOT NULL REFERENCES staff (telegram_user_id) ON DELETE CASCADE,
    consulate_id     TEXT NOT NULL,
    PRIMARY KEY (telegram_user_id, consulate_id)
) WITHOUT ROWID;

-- Every staff action: who (a Telegram id, or "cli:<user>"), what, on what, when.
CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    subject TEXT,
    details TEXT  -- JSON
);
CREATE INDEX audit_log_at ON audit_log (at);
