-- Two fixes from issue 15: approvers told whatever made a broadcast, and polls closing a period
-- after they are sent.

-- Approvers are told of every broadcast waiting for them, whatever made it: when they were
-- first sent its approval request. NULL while no one was told: the bot's sweep sends
-- it to whoever may approve it (a broadcast made on the command line, or one made when no one
-- else could approve it yet). Broadcasts made in the chat before this column was added were
-- sent to their approvers when they were made.
ALTER TABLE broadcasts ADD COLUMN approvers_told_at TEXT;
UPDATE broadcasts SET approvers_told_at = created_at WHERE author LIKE 'tg:%';
CREATE INDEX broadcasts_untold ON broadcasts (id)
    WHERE status = 'pending_approval' AND approvers_told_at IS NULL;

-- A poll closes a period after it is first sent (the quick form: 24 hours), not after it was
-- made: the period in seconds, until the first sending fixes poll_close_date (and the carried
-- poll's closes_at) from it. NULL for a poll closing at a set time, and for messages.
ALTER TABLE broadcasts ADD COLUMN poll_open_seconds INTEGER;
