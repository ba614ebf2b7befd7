-- Quick polls sent as announcements (issue 5 joined to issue 4): the broadcast that carries a
-- poll. Its deliveries (broadcast_deliveries) are how votes on any recipient's Telegram poll
-- are traced back to the poll (bot/storage/polls.py). NULL for polls sent by a delivery of
-- their own (deliveries.origin = 'poll') and for drafts.
ALTER TABLE polls ADD COLUMN broadcast_id INTEGER REFERENCES broadcasts (id) ON DELETE SET NULL;
CREATE INDEX polls_broadcast ON polls (broadcast_id);
