-- Registration (issue 3). Everything beyond consent, member type and country is optional.
-- Never stored: immigration or legal status, passport number, street address.
ALTER TABLE members ADD COLUMN status TEXT NOT NULL DEFAULT 'visitor'
    CHECK (status IN ('visitor', 'registered'));
ALTER TABLE members ADD COLUMN consent_version TEXT;
ALTER TABLE members ADD COLUMN consent_at TEXT;
ALTER TABLE members ADD COLUMN registered_at TEXT;
-- abroad: living abroad; leaving: preparing to leave; returned: returned home
ALTER TABLE members ADD COLUMN member_type TEXT
    CHECK (member_type IN ('abroad', 'leaving', 'returned'));
-- ISO 3166 alpha-2: country of residence, or destination for those preparing to leave
ALTER TABLE members ADD COLUMN country TEXT;
ALTER TABLE members ADD COLUMN city TEXT;
ALTER TABLE members ADD COLUMN departure_date TEXT;
ALTER TABLE members ADD COLUMN consulate_id TEXT;
ALTER TABLE members ADD COLUMN region_id TEXT;
ALTER TABLE members ADD COLUMN occupation_group TEXT;
ALTER TABLE members ADD COLUMN skills TEXT;
ALTER TABLE members ADD COLUMN birth_year INTEGER;
ALTER TABLE members ADD COLUMN gender TEXT
    CHECK (gender IN ('female', 'male', 'other', 'undisclosed'));
ALTER TABLE members ADD COLUMN intention TEXT
    CHECK (intention IN ('temporary', 'circular', 'permanent', 'undecided'));
-- Only when the member chose to share their contact, for emergency contact by the consulate.
ALTER TABLE members ADD COLUMN phone TEXT;
-- 0 after /stop: no announcements until /resume.
ALTER TABLE members ADD COLUMN announcements INTEGER NOT NULL DEFAULT 1
    CHECK (announcements IN (0, 1));

CREATE TABLE member_interests (
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    interest  TEXT NOT NULL
        CHECK (interest IN ('investment', 'programmes', 'skills', 'return', 'youth_culture',
                            'consular')),
    PRIMARY KEY (member_id, interest)
) WITHOUT ROWID;

-- Audience queries filter registered, reachable members who want announcements.
CREATE INDEX members_audience ON members (status, announcements, reachable, consulate_id);
CREATE INDEX members_country ON members (country);
CREATE INDEX member_interests_interest ON member_interests (interest, member_id);
