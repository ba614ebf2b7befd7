"""What registration keeps about a person, which feature reads each item, and for how long: the
facts the consent text states, kept in one place so that the text cannot drift from the data.

Nothing before consent. Until a person presses "I agree", no row names them: the consent
screen is a message with its buttons ("I agree", "No, thanks", "Read the full notice") and
no conversation state; a language they choose
before then stays in the bot's memory (handlers/language.py); the persistence writes
conversation state only for people the database already names (bot/persistence.py).
"I agree" records the consent: a ``members`` row with status 'visitor' (consented, not yet
registered), ``consent_version`` and ``consent_at``. "No, thanks", Cancel and /delete erase
it; an unfinished registration is erased ``DRAFT_RETENTION`` after its last change
(handlers/registration/expiry.py). After a restart a person who had not yet agreed simply
starts again; one who had agreed resumes where they were.

Only what a feature uses. ``KEPT`` lists every column of ``members`` and ``member_interests``
and every other table holding rows about a member, with the source files of the features
that read them and the consent text's line saying what they are for. The full notice (one
tap from the short consent screen) is made from these lines (handlers/registration/
questions.py), and tests/bot/registration/test_consent.py fails for a column or table not
listed, for a listed column that no longer exists, and for a reader that does not mention what
it is said to read. To keep something
new: a feature that reads it, an entry here, and a new ``CONSENT_VERSION``.

Older consents. City, skills, plans and phone number were asked until ``CONSENT_VERSION``
2026-11-30; no feature read them, so migration 0014 erased them for everyone. Members who
accepted an earlier version keep the rest of their registration without being asked again:
nothing is collected from them beyond what they gave under that version, and the new text
only says more exactly what it is for. ``consent_version`` keeps saying which text each member
accepted; /profile changes do not move it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.i18n import N_

# Bump when the consent text changes meaning: each member's row records the version they
# accepted.
CONSENT_VERSION = "2026-12-01"

#: An unfinished registration (the answers so far and the consent row) is erased after this
#: long without a change; the consent text says so.
DRAFT_RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class Kept:
    """Data kept about a member: where (``table.column``, or ``table.*`` for a whole table of
    the member's activity), the source files of the features that read it, and the consent
    text's line saying what it is and why."""

    columns: tuple[str, ...]
    readers: tuple[str, ...]
    notice: str


KEPT: tuple[Kept, ...] = (
    Kept(
        columns=(
            "members.id",
            "members.telegram_user_id",
            "members.language",
            "members.reachable",
            "members.announcements",
        ),
        readers=("broadcasts/audience.py", "broadcasts/outbox.py", "bot/members.py"),
        notice=N_(
            "Your Telegram account, your language, and whether you paused announcements or "
            "blocked the bot: to write to you in your language, and only when you want."
        ),
    ),
    Kept(
        columns=("members.member_type", "members.country", "members.consulate_id"),
        readers=(
            "bot/registration/service.py",
            "broadcasts/audience.py",
            "handlers/consulate.py",
            "bot/remittance/corridor.py",
        ),
        notice=N_(
            "Whether you live abroad, are preparing to leave or have returned, your country "
            "and your consulate: so that the right consulate serves you and sends you what "
            "concerns people where you are, and so that /remit shows what sending money home "
            "costs from your country."
        ),
    ),
    Kept(
        columns=("members.departure_date",),
        readers=("bot/guidance/departures.py",),
        notice=N_(
            "The date you plan to leave, if you give it: to remind you what to prepare 30, 7 "
            "and 1 days before."
        ),
    ),
    Kept(
        columns=(
            "members.region_id",
            "members.occupation_group",
            "member_interests.member_id",
            "member_interests.interest",
        ),
        readers=("broadcasts/audience.py",),
        notice=N_(
            "Your region of origin, kind of work and interests, if you give them: so that "
            "announcements meant for them reach you, for example a programme for nurses or "
            "news from your region."
        ),
    ),
    Kept(
        columns=("members.birth_year", "members.gender"),
        readers=("polls/results.py",),
        notice=N_(
            "Your birth year and gender, if you give them: only to count poll answers by age "
            "group and by gender."
        ),
    ),
    Kept(
        columns=(
            "poll_votes.*",
            "checklist_ticks.*",
            "departure_reminders.*",
            "delivery_outbox.*",
        ),
        readers=("bot/storage/polls.py", "bot/storage/guidance.py", "broadcasts/outbox.py"),
        notice=N_(
            "Your poll answers, the checklist items you tick and the announcements sent to "
            "you: to count poll results, keep your checklist and deliver announcements."
        ),
    ),
    Kept(
        columns=("inbox_threads.*", "inbox_messages.*"),
        readers=("bot/storage/inbox.py",),
        notice=N_(
            "The questions you send your consulate with /ask, its answers and the mark you may "
            "give an answer: so that its staff can answer you and see how well they do. Staff "
            "see them without your name or Telegram account, and see your phone number only if "
            "you share it for a call-back, in that question only, until you stop sharing it; "
            "they are erased a set number of days after the question is closed, or at once "
            "with /delete."
        ),
    ),
    Kept(
        columns=("responses.*", "shared_contacts.*"),
        readers=("broadcasts/response_store.py",),
        notice=N_(
            'Your answers to announcements ("I\'m interested", "I\'ll attend") and the name '
            "and contact you choose to share with a programme office: to count answers, keep "
            "places in order and let that office contact you. You can withdraw each at any time."
        ),
    ),
    Kept(
        columns=(
            "members.status",
            "members.consent_version",
            "members.consent_at",
            "members.registered_at",
            "members.created_at",
            "members.updated_at",
        ),
        readers=("bot/storage/members.py",),
        notice=N_(
            "When you agreed, to which version of this notice, and when you registered: as a "
            "record of your consent, and to erase an unfinished registration on time."
        ),
    ),
)
