-- Approvers are told of every broadcast waiting for them, whatever made it (issue 15): when
-- they were first sent its approval request. NULL while no one was told: the bot's sweep sends
-- it to whoever may approve it (a broadcast made on the command line, or one made when no one
-- else could approve it yet). Broadcasts made in the chat before this column was added were
-- sent to their approvers when they were made.
ALTER TABLE broadcasts ADD COLUMN approvers_told_at TEXT;
UPDATE broadcasts SET approvers_told_at = created_at WHERE author LIKE 'tg:%';
CREATE INDEX broadcasts_untold ON broadcasts (id)
    WHERE status = 'pending_approval' AND approvers_told_at IS NULL;
