-- Remittance costs (issue 6). Money and percentages are stored as decimal TEXT, never REAL,
-- so figures read back exactly as the source printed them.

-- One imported price observation in the World Bank RPW layout: a firm's service in a corridor
-- in one quarter. Empty source cells stay NULL: unknown is not zero.
CREATE TABLE remittance_prices (
    id                   INTEGER PRIMARY KEY,
    period               TEXT NOT NULL,            -- 'YYYY-Qn'
    source_country       TEXT NOT NULL,            -- ISO 3166 alpha-2
    destination_country  TEXT NOT NULL,
    firm                 TEXT NOT NULL,
    firm_type            TEXT,
    payment_instrument   TEXT,
    access_point         TEXT,
    speed                TEXT,                     -- a Speed value, NULL when not published
    pickup_method        TEXT,                     -- as published, e.g. 'Cash', 'Account payout'
    currency             TEXT NOT NULL,            -- ISO 4217, the sending currency (cc1 lcu code)
    amount               TEXT,                     -- the amount the price was observed on
    fee                  TEXT,
    fx_margin_pct        TEXT,
    total_cost_pct       TEXT NOT NULL,
    transparent          TEXT CHECK (transparent IN ('yes', 'no')),  -- NULL: not published
    attribution          TEXT NOT NULL,
    source_file          TEXT NOT NULL,
    imported_at          TEXT NOT NULL
);
CREATE INDEX remittance_prices_corridor
    ON remittance_prices (source_country, destination_country, period);

-- The published average total cost of a corridor in one quarter.
CREATE TABLE remittance_corridor_averages (
    source_country          TEXT NOT NULL,
    destination_country     TEXT NOT NULL,
    period                  TEXT NOT NULL,
    currency                TEXT NOT NULL,
    amount                  TEXT NOT NULL,        -- the basket the average was computed on
    average_total_cost_pct  TEXT NOT NULL,
    firms                   INTEGER,
    services                INTEGER,
    attribution             TEXT NOT NULL,
    source_file             TEXT NOT NULL,
    imported_at             TEXT NOT NULL,
    PRIMARY KEY (source_country, destination_country, period)
) WITHOUT ROWID;

-- The last known euro reference rate of each currency, with the date the source gave it.
-- A refresh that lacks a currency leaves its older row (and date) in place.
CREATE TABLE fx_rates (
    currency    TEXT PRIMARY KEY,                  -- ISO 4217
    per_euro    TEXT NOT NULL,                     -- units of the currency for one euro
    rate_date   TEXT NOT NULL,                     -- ISO date the source published the rate for
    source      TEXT NOT NULL,
    fetched_at  TEXT NOT NULL
) WITHOUT ROWID;
