-- Poll answers unlinked from people (the issue "Privacy that holds under arithmetic").
--
-- While a poll is open, poll_votes (segmented polls) and poll_variants with their counts
-- (anonymous polls: every recipient has a Telegram poll of their own) hold only what counting
-- each answer once needs. When the poll closes, its results are published one last time into
-- poll_results (aggregates under the disclosure rule, hidden figures absent) and every link
-- between a person and an answer is erased: poll_votes, poll_variants (chat id, message id,
-- Telegram poll id), poll_variant_counts, poll_updates_seen, and the Telegram poll ids in the
-- outbox (bot/storage/polls.py, PollRepository.unlink).

-- A member who deletes their data while a poll is open takes their answer with them, from the
-- totals and the breakdowns alike: deleted members' votes are no longer kept as counts.
DROP TRIGGER members_retain_poll_votes;
DROP TABLE poll_retained_votes;
ALTER TABLE polls DROP COLUMN retained_respondents;

-- Publication bookkeeping: answer_seq counts the changes to a poll's answers; each ballot and
-- each variant keeps the seq of its last change (a retracted ballot stays as one row with
-- option_index -1 until the poll closes, so the change counts once per person);
-- removed_since_published counts members deleted since the results were last published.
ALTER TABLE polls ADD COLUMN answer_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE polls ADD COLUMN removed_since_published INTEGER NOT NULL DEFAULT 0;
ALTER TABLE poll_votes ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE poll_variants ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;

-- The results as last published: what staff and participants are shown (bot/disclosure.py).
-- While a poll is open they are published again only once k or more ballots changed; once it
-- closes (final = 1) they are all that remains of its answers.
CREATE TABLE poll_results (
    poll_id      INTEGER PRIMARY KEY REFERENCES polls (id) ON DELETE CASCADE,
    answer_seq   INTEGER NOT NULL,
    final        INTEGER NOT NULL DEFAULT 0 CHECK (final IN (0, 1)),
    results      TEXT NOT NULL,  -- JSON (polls/results.py)
    published_at TEXT NOT NULL
);

-- Before a member row goes: their ballots leave every open poll (the cascade on
-- poll_votes.member_id then removes them), their own anonymous Telegram polls stop counting,
-- and the Telegram poll ids they were sent are forgotten, so an answer given on one later is
-- traced to nothing.
CREATE TRIGGER members_leave_polls BEFORE DELETE ON members
BEGIN
    UPDATE polls
        SET removed_since_published = removed_since_published + 1, answer_seq = answer_seq + 1
        WHERE id IN (SELECT poll_id FROM poll_votes WHERE member_id = OLD.id)
           OR id IN (SELECT poll_id FROM poll_variants WHERE chat_id = OLD.telegram_user_id);
    DELETE FROM poll_variants WHERE chat_id = OLD.telegram_user_id;
    UPDATE delivery_outbox SET poll_id = NULL WHERE member_id = OLD.id AND poll_id IS NOT NULL;
END;
