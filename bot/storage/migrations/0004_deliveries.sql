-- Announcement deliveries (issue 4): one message or poll sent to one audience through a
-- durable outbox. The engine (broadcasts/engine.py) documents the life cycle and crash policy.

-- status: created -> sending -> done, or paused / cancelled on staff request.
-- The outbox is filled in member-id chunks: fill_cursor is the last member id covered,
-- fill_end the highest member id when filling began; filled_at is set when it is complete.
CREATE TABLE deliveries (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('message', 'poll')),
    status           TEXT NOT NULL DEFAULT 'created'
        CHECK (status IN ('created', 'sending', 'paused', 'done', 'cancelled')),
    -- Audience filters as JSON (broadcasts/audience.py).
    audience         TEXT NOT NULL DEFAULT '{}',
    -- Recipients whose language has no payload get this one.
    default_language TEXT NOT NULL,
    -- Who asked for it, e.g. origin 'broadcast' or 'poll' and that row's id.
    origin           TEXT,
    origin_id        INTEGER,
    -- Polls: the same settings in every language.
    poll_anonymous   INTEGER NOT NULL DEFAULT 1 CHECK (poll_anonymous IN (0, 1)),
    poll_multiple    INTEGER NOT NULL DEFAULT 0 CHECK (poll_multiple IN (0, 1)),
    poll_close_date  TEXT,
    fill_cursor      INTEGER NOT NULL DEFAULT 0,
    fill_end         INTEGER,
    created_at       TEXT NOT NULL,
    started_at       TEXT,
    filled_at        TEXT,
    finished_at      TEXT
);
CREATE INDEX deliveries_status ON deliveries (status);
CREATE INDEX deliveries_origin ON deliveries (origin, origin_id);

-- What is sent, per language. A message has text (HTML) and/or one photo or document
-- (a local file path or a Telegram file_id) and optional URL buttons; a poll has a question
-- and 2-12 options.
CREATE TABLE delivery_payloads (
    delivery_id   INTEGER NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    language      TEXT NOT NULL,
    text          TEXT,
    media_kind    TEXT CHECK (media_kind IN ('photo', 'document')),
    media_path    TEXT,
    media_file_id TEXT,
    -- JSON list of [text, url] pairs, one button per row.
    buttons       TEXT NOT NULL DEFAULT '[]',
    poll_question TEXT,
    -- JSON list of option texts.
    poll_options  TEXT,
    PRIMARY KEY (delivery_id, language)
) WITHOUT ROWID;

-- One row per recipient. member_id becomes NULL when the member deletes themselves, so no
-- chat id outlives them here; the chat id is read from members when the row is claimed.
-- status: pending -> sending -> sent | failed | unreachable, or skipped (stopped, deleted,
-- unregistered or unreachable by the time of sending) or cancelled.
-- next_attempt_at: unix seconds; 0 means due now. attempts counts 5xx/timeout failures.
CREATE TABLE delivery_outbox (
    id              INTEGER PRIMARY KEY,
    delivery_id     INTEGER NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    member_id       INTEGER REFERENCES members (id) ON DELETE SET NULL,
    language        TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'unreachable', 'skipped',
                          'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL DEFAULT 0,
    last_error      TEXT,
    message_id      INTEGER,
    poll_id         TEXT,
    sent_at         TEXT
);
-- Claiming due rows in order, counting by status, and the delivery cascade.
CREATE INDEX delivery_outbox_due ON delivery_outbox (delivery_id, status, next_attempt_at);
-- ON DELETE SET NULL from members.
CREATE INDEX delivery_outbox_member ON delivery_outbox (member_id);
-- Mapping poll answers back to the recipient row.
CREATE INDEX delivery_outbox_poll ON delivery_outbox (poll_id) WHERE poll_id IS NOT NULL;

