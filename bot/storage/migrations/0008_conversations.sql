-- Conversation state (python-telegram-bot persistence): which step each person is at, and
-- their unconfirmed answers. Written after every update so a restart resumes where they were.
CREATE TABLE conversation_states (
    name       TEXT NOT NULL,
    key        TEXT NOT NULL,  -- JSON array, e.g. [chat_id, user_id]
    state      TEXT NOT NULL,  -- JSON
    updated_at TEXT NOT NULL,
    PRIMARY KEY (name, key)
) WITHOUT ROWID;

CREATE TABLE conversation_user_data (
    telegram_user_id INTEGER PRIMARY KEY,
    data             TEXT NOT NULL,  -- JSON: registration drafts and similar
    updated_at       TEXT NOT NULL
);
