-- A call-back (issue 13, item 2): the phone number a member chose to share, with Telegram's
-- contact button, for one question only. Shown to that consulate's staff in that thread's view,
-- never in lists, measures or exports; the member withdraws it at any time (NULL again), and it
-- goes with the thread (retention, /delete).
ALTER TABLE inbox_threads ADD COLUMN callback_phone TEXT;
