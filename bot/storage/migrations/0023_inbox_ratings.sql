-- Measuring the inbox (bot/inbox/measures.py): the member's rating of the answer (1-5, optional),
-- asked once after a thread is closed (rating_asked_at), and kept only as long as the thread.
ALTER TABLE inbox_threads ADD COLUMN rating INTEGER CHECK (rating BETWEEN 1 AND 5);
ALTER TABLE inbox_threads ADD COLUMN rating_asked_at TEXT;
