-- Publications of a poll's results are listed in the order they were made. Two in the same
-- second were told apart by SQLite's hidden rowid, which PostgreSQL does not have: the table
-- gains an id of its own (issue 14), numbered in the order the rows were made.
CREATE TABLE poll_publications_numbered (
    id           INTEGER PRIMARY KEY,
    poll_id      INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    published_at TEXT NOT NULL,
    respondents  INTEGER
);
INSERT INTO poll_publications_numbered (poll_id, published_at, respondents)
    SELECT poll_id, published_at, respondents FROM poll_publications ORDER BY rowid;
DROP TABLE poll_publications;
ALTER TABLE poll_publications_numbered RENAME TO poll_publications;
CREATE INDEX poll_publications_by_poll ON poll_publications (poll_id, published_at);
