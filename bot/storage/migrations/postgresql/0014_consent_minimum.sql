-- PostgreSQL's twin of ../0014_consent_minimum.sql: its JSON editing in PostgreSQL's words.
-- Nothing before consent, and only what a feature uses (see bot/registration/consent.py).
--
-- 1. City, skills, plans (intention) and phone number: no feature read them, so they are no
--    longer asked and their data is erased for every member (DROP COLUMN rewrites the rows;
--    secure_delete zeroes the old bytes, and the migration runner checkpoints the WAL after).
--    Members keep the rest of their registration, and the consent version they accepted.
-- 2. From now on a members row exists only from consent on: status 'visitor' means consented,
--    not yet registered. The rows /language used to make for people who never consented
--    (visitor, no consent_at) go.
-- 3. Conversation state is stored only for people a members or staff row names. Registrations
--    in progress start again under the new consent text (their steps changed, and under the
--    old rules they had no consent on record); the rest of everyone's stored user_data stays.

ALTER TABLE members DROP COLUMN city;
ALTER TABLE members DROP COLUMN skills;
ALTER TABLE members DROP COLUMN intention;
ALTER TABLE members DROP COLUMN phone;

DELETE FROM members WHERE status = 'visitor' AND consent_at IS NULL;

DELETE FROM conversation_states WHERE name = 'registration';
UPDATE conversation_user_data SET data = (data::jsonb - 'registration')::text
    WHERE data::jsonb ? 'registration';
DELETE FROM conversation_user_data WHERE data = '{}';

DELETE FROM conversation_states
    WHERE (key::jsonb ->> -1)::bigint NOT IN (SELECT telegram_user_id FROM members)
      AND (key::jsonb ->> -1)::bigint NOT IN (SELECT telegram_user_id FROM staff);
DELETE FROM conversation_user_data
    WHERE telegram_user_id NOT IN (SELECT telegram_user_id FROM members)
      AND telegram_user_id NOT IN (SELECT telegram_user_id FROM staff);
