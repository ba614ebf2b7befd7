-- Each time a poll's results are published (polls/results.py: once k or more ballots
-- changed, and at close), how many had answered as published (NULL while fewer than k): the
-- response over time, made only of figures already published under the disclosure rule.
CREATE TABLE poll_publications (
    poll_id      INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    published_at TEXT NOT NULL,
    respondents  INTEGER
);
CREATE INDEX poll_publications_by_poll ON poll_publications (poll_id, published_at);
