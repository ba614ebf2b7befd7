-- Retention (bot/retention.py): a finished delivery's outbox rows (who was sent what) are erased
-- after a while; the delivery keeps its counts per outcome here, as JSON, so reports still add up.
ALTER TABLE deliveries ADD COLUMN summary TEXT;
CREATE INDEX deliveries_finished ON deliveries (finished_at) WHERE finished_at IS NOT NULL;
CREATE INDEX departure_reminders_departure ON departure_reminders (departure_date);
