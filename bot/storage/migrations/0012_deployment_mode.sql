-- Which kind of run this database belongs to (bot/run_mode.py): 'sandbox' (invented users) or
-- 'telegram' (real people). The first start writes the row; a start of the other kind refuses
-- the database, so sandbox users never meet real people's data, nor the other way round.
CREATE TABLE deployment_mode (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    mode      TEXT NOT NULL CHECK (mode IN ('sandbox', 'telegram')),
    marked_at TEXT NOT NULL
);
