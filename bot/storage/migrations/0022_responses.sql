-- Members answer announcements (issue 13, item 4; broadcasts/responses.py): the one response
-- button an announcement may carry, each member's answer, and the name and contact a member
-- chose to share with the programme office for one announcement.

-- kind: 'interested' and 'attend' are answered here; 'tell_me_more' is reserved for the button
-- that opens an /ask thread with its topic preset (built with /ask). capacity: places for
-- 'attend' (NULL: no limit); answers beyond it wait in line.
CREATE TABLE response_offers (
    broadcast_id INTEGER PRIMARY KEY REFERENCES broadcasts (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('interested', 'attend', 'tell_me_more')),
    capacity     INTEGER CHECK (capacity IS NULL OR capacity > 0)
);

-- One answer per member and announcement, until the member withdraws it (pressing again) or
-- erases their data (/delete: CASCADE). id orders the waiting list.
CREATE TABLE responses (
    id           INTEGER PRIMARY KEY,
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    member_id    INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    status       TEXT NOT NULL CHECK (status IN ('confirmed', 'waiting')),
    answered_at  TEXT NOT NULL,
    UNIQUE (broadcast_id, member_id)
);
CREATE INDEX responses_member ON responses (member_id);

-- A name and one contact (a Telegram @username or a phone number the member sent with
-- Telegram's contact button), shared by the member's explicit consent with the staff of the
-- announcement's consulates, for that announcement only. Goes with the answer (withdrawing
-- it), on the member's request, or with the member (/delete).
CREATE TABLE shared_contacts (
    broadcast_id INTEGER NOT NULL,
    member_id    INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    contact_kind TEXT NOT NULL CHECK (contact_kind IN ('username', 'phone')),
    contact      TEXT NOT NULL,
    shared_at    TEXT NOT NULL,
    PRIMARY KEY (broadcast_id, member_id),
    FOREIGN KEY (broadcast_id, member_id) REFERENCES responses (broadcast_id, member_id)
        ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX shared_contacts_member ON shared_contacts (member_id);
