-- The staff web console's sign-in (bot/signin.py): single-use links a staff member gets from
-- /console, and the sessions they open. Only SHA-256 hashes of the link tokens and session ids
-- are stored, so a leaked database holds nothing that signs anyone in. Both belong to a staff
-- record: removing the staff member removes them (their sessions end at once).
CREATE TABLE console_links (
    token_hash       TEXT PRIMARY KEY,
    telegram_user_id INTEGER NOT NULL REFERENCES staff (telegram_user_id) ON DELETE CASCADE,
    created_at       TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    used_at          TEXT
) WITHOUT ROWID;
CREATE INDEX console_links_staff ON console_links (telegram_user_id, created_at);

CREATE TABLE console_sessions (
    id_hash          TEXT PRIMARY KEY,
    telegram_user_id INTEGER NOT NULL REFERENCES staff (telegram_user_id) ON DELETE CASCADE,
    -- The form token of this session (not a secret on its own: it proves a form came from a
    -- page of this session, against cross-site requests).
    csrf_token       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    last_seen_at     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX console_sessions_staff ON console_sessions (telegram_user_id);

-- The approver's comment on an approval or a rejection: the author reads it (console, chat).
ALTER TABLE broadcasts ADD COLUMN review_comment TEXT;
