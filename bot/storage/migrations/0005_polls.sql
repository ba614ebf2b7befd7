-- Quick polls (issue 5): the poll, its texts per language, the Telegram polls that carry it,
-- and the answers. A member's vote is linked to them only in poll_votes; deleting the member
-- moves it into poll_retained_votes (anonymous counts), so the poll's totals never change.

-- mode: anonymous = Telegram anonymous poll, only per-option counts arrive (poll updates);
--       segmented = non-anonymous poll, each answer arrives with its member (poll_answer).
-- status: draft -> open -> closed. Answers are accepted until status is closed or closes_at
-- has passed, whichever comes first.
CREATE TABLE polls (
    id                   INTEGER PRIMARY KEY,
    mode                 TEXT NOT NULL CHECK (mode IN ('anonymous', 'segmented')),
    allows_multiple      INTEGER NOT NULL DEFAULT 0 CHECK (allows_multiple IN (0, 1)),
    status               TEXT NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'open', 'closed')),
    base_language        TEXT NOT NULL,
    -- Audience filter as JSON; owned by the broadcast engine, opaque here.
    audience             TEXT NOT NULL DEFAULT '{}',
    -- 1: when the poll closes, participants receive the results in their language.
    share_results        INTEGER NOT NULL DEFAULT 0 CHECK (share_results IN (0, 1)),
    opens_at             TEXT,
    closes_at            TEXT,
    closed_at            TEXT,
    -- Telegram user id of the staff member who created it.
    created_by           INTEGER,
    created_at           TEXT NOT NULL,
    -- Respondents whose member row was deleted: still counted, no longer linked.
    retained_respondents INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX polls_status ON polls (status, closes_at);

CREATE TABLE poll_questions (
    poll_id  INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    question TEXT NOT NULL,
    PRIMARY KEY (poll_id, language)
) WITHOUT ROWID;

-- Option option_index means the same answer in every language.
CREATE TABLE poll_options (
    poll_id      INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    option_index INTEGER NOT NULL CHECK (option_index BETWEEN 0 AND 11),
    language     TEXT NOT NULL,
    text         TEXT NOT NULL,
    PRIMARY KEY (poll_id, option_index, language)
) WITHOUT ROWID;

-- One row per Telegram poll carrying the poll (usually one per language).
CREATE TABLE poll_variants (
    id                INTEGER PRIMARY KEY,
    poll_id           INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    language          TEXT NOT NULL,
    telegram_poll_id  TEXT NOT NULL UNIQUE,
    chat_id           INTEGER,
    message_id        INTEGER,
    -- Latest total_voter_count from a poll update (anonymous counts).
    total_voter_count INTEGER NOT NULL DEFAULT 0,
    -- 1 once Telegram reported the poll closed: its counts are final.
    final             INTEGER NOT NULL DEFAULT 0 CHECK (final IN (0, 1))
);
CREATE INDEX poll_variants_poll ON poll_variants (poll_id, language);

-- Latest per-option counts Telegram reported for a variant (anonymous polls).
CREATE TABLE poll_variant_counts (
    variant_id   INTEGER NOT NULL REFERENCES poll_variants (id) ON DELETE CASCADE,
    option_index INTEGER NOT NULL,
    voter_count  INTEGER NOT NULL CHECK (voter_count >= 0),
    PRIMARY KEY (variant_id, option_index)
) WITHOUT ROWID;

-- A member's current choice(s) in a segmented poll: one ballot per member per poll, across
-- all variants. variant_id says which Telegram poll the choice came from, so a retraction
-- in another language's poll does not erase it. The member's breakdown attributes are copied
-- in (and kept current by members_update_poll_votes), so a breakdown of a million answers is
-- an index-only GROUP BY with no join and no sort. first_choice is 1 on one row per ballot:
-- SUM(first_choice) counts respondents when several options are allowed.
CREATE TABLE poll_votes (
    poll_id      INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    member_id    INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    option_index INTEGER NOT NULL,
    variant_id   INTEGER NOT NULL REFERENCES poll_variants (id) ON DELETE CASCADE,
    voted_at     TEXT NOT NULL,
    first_choice INTEGER NOT NULL CHECK (first_choice IN (0, 1)),
    consulate_id TEXT,
    country      TEXT,
    member_type  TEXT,
    birth_year   INTEGER,
    gender       TEXT,
    language     TEXT,
    PRIMARY KEY (poll_id, member_id, option_index)
) WITHOUT ROWID;
-- Tally and breakdowns: covering indexes, read in order.
CREATE INDEX poll_votes_option ON poll_votes (poll_id, option_index, first_choice);
CREATE INDEX poll_votes_consulate ON poll_votes (poll_id, consulate_id, option_index, first_choice);
CREATE INDEX poll_votes_country ON poll_votes (poll_id, country, option_index, first_choice);
CREATE INDEX poll_votes_member_type ON poll_votes (poll_id, member_type, option_index, first_choice);
CREATE INDEX poll_votes_birth_year ON poll_votes (poll_id, birth_year, option_index, first_choice);
CREATE INDEX poll_votes_gender ON poll_votes (poll_id, gender, option_index, first_choice);
CREATE INDEX poll_votes_language ON poll_votes (poll_id, language, option_index, first_choice);
-- Deleting or editing a member finds their votes.
CREATE INDEX poll_votes_member ON poll_votes (member_id);

CREATE TRIGGER members_update_poll_votes
AFTER UPDATE OF consulate_id, country, member_type, birth_year, gender, language ON members
BEGIN
    UPDATE poll_votes SET consulate_id = NEW.consulate_id, country = NEW.country,
        member_type = NEW.member_type, birth_year = NEW.birth_year, gender = NEW.gender,
        language = NEW.language
        WHERE member_id = NEW.id;
END;

-- Votes of deleted members, per option: part of the totals, in no breakdown.
CREATE TABLE poll_retained_votes (
    poll_id      INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    option_index INTEGER NOT NULL,
    votes        INTEGER NOT NULL CHECK (votes >= 0),
    PRIMARY KEY (poll_id, option_index)
) WITHOUT ROWID;

-- Update ids of poll_answer and poll updates already applied: a redelivered update is
-- counted once. Holds no member.
CREATE TABLE poll_updates_seen (
    update_id INTEGER PRIMARY KEY,
    poll_id   INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE
);

-- Before a member row goes, fold their votes into the anonymous counts; the cascade on
-- poll_votes.member_id then removes the link.
CREATE TRIGGER members_retain_poll_votes BEFORE DELETE ON members
BEGIN
    INSERT INTO poll_retained_votes (poll_id, option_index, votes)
        SELECT poll_id, option_index, COUNT(*) FROM poll_votes
        WHERE member_id = OLD.id
        GROUP BY poll_id, option_index
        ON CONFLICT (poll_id, option_index) DO UPDATE SET votes = votes + excluded.votes;
    UPDATE polls SET retained_respondents = retained_respondents + 1
        WHERE id IN (SELECT poll_id FROM poll_votes WHERE member_id = OLD.id);
END;
