"""SQL for the poll aggregate: polls, their texts, the Telegram polls carrying them, answers,
and the results as last published.

Counting happens in SQL (GROUP BY over indexed columns); no answer row passes through Python.
The write methods that take a ``Transaction`` are steps of one answer's transaction, run by
``polls.counting``, which owns the rules. Every change to a poll's answers takes the next
``polls.answer_seq`` (so publication can tell how many ballots changed since); ``unlink``
erases every link between people and a closed poll's answers (migration 0013).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.storage.database import Database, Row, Transaction, utc_now_iso
from bot.storage.remit import audience_within

#: poll_votes.option_index of a retracted ballot: it counts in no figure, only as a change.
RETRACTED = -1

# The member attributes copied into poll_votes that a breakdown may group by (each has a
# covering index). Age bands are made from birth_year by the caller.
BREAKDOWN_COLUMNS = ("consulate_id", "country", "member_type", "birth_year", "gender", "language")
_MEMBER_ATTRIBUTES = ", ".join(BREAKDOWN_COLUMNS)


@dataclass(frozen=True)
class NewPoll:
    """What staff give to create a poll. ``options`` holds one {language: text} per option."""

    mode: str
    base_language: str
    questions: Mapping[str, str]
    options: Sequence[Mapping[str, str]]
    allows_multiple: bool = False
    share_results: bool = False
    audience: str = "{}"
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    created_by: int | None = None


@dataclass(frozen=True)
class PollRow:
    """A poll as stored (texts are read separately)."""

    id: int
    mode: str
    allows_multiple: bool
    status: str
    base_language: str
    share_results: bool
    opens_at: str | None
    closes_at: str | None
    closed_at: str | None
    created_at: str
    answer_seq: int


@dataclass(frozen=True)
class VariantTarget:
    """A Telegram poll id resolved to the poll it carries, with what counting must check."""

    variant_id: int
    poll_id: int
    language: str
    mode: str
    allows_multiple: bool
    status: str
    closes_at: str | None
    option_count: int
    final: bool


@dataclass(frozen=True)
class GroupCount:
    """Votes for one option within one group, and the respondents among them whose ballot
    row is their first (summed over options: the group's respondents)."""

    group: str | int | None
    option_index: int
    votes: int
    first_choices: int


@dataclass(frozen=True)
class LanguageCount:
    """Anonymous counts summed over the variants of one language."""

    language: str
    option_index: int | None
    count: int


@dataclass(frozen=True)
class Published:
    """The results as last published (JSON), and the answer_seq they were taken at."""

    answer_seq: int
    final: bool
    results: str


@dataclass(frozen=True)
class Publication:
    """One publication of a poll's results: when, and how many had answered (None while
    fewer than k had)."""

    published_at: datetime
    respondents: int | None


@dataclass(frozen=True)
class Participant:
    """Someone whose answer is currently counted, for sending them the results."""

    telegram_user_id: int
    language: str | None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def _row_to_poll(row: Row) -> PollRow:
    return PollRow(
        id=row["id"],
        mode=row["mode"],
        allows_multiple=bool(row["allows_multiple"]),
        status=row["status"],
        base_language=row["base_language"],
        share_results=bool(row["share_results"]),
        opens_at=row["opens_at"],
        closes_at=row["closes_at"],
        closed_at=row["closed_at"],
        created_at=row["created_at"],
        answer_seq=row["answer_seq"],
    )


class PollRepository:
    """Reads and writes the poll tables."""

    def __init__(self, database: Database) -> None:
        self.database = database

    # Polls and their texts

    async def create(self, poll: NewPoll) -> int:
        async with self.database.transaction() as tx:
            poll_id = await tx.insert(
                "INSERT INTO polls (mode, allows_multiple, base_language, audience,"
                " share_results, opens_at, closes_at, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    poll.mode,
                    int(poll.allows_multiple),
                    poll.base_language,
                    poll.audience,
                    int(poll.share_results),
                    _iso(poll.opens_at),
                    _iso(poll.closes_at),
                    poll.created_by,
                    utc_now_iso(),
                ),
            )
            for language, question in poll.questions.items():
                await tx.execute(
                    "INSERT INTO poll_questions (poll_id, language, question) VALUES (?, ?, ?)",
                    (poll_id, language, question),
                )
            for index, texts in enumerate(poll.options):
                for language, text in texts.items():
                    await tx.execute(
                        "INSERT INTO poll_options (poll_id, option_index, language, text)"
                        " VALUES (?, ?, ?, ?)",
                        (poll_id, index, language, text),
                    )
        return poll_id

    async def get(self, poll_id: int) -> PollRow | None:
        row = await self.database.fetch_one("SELECT * FROM polls WHERE id = ?", (poll_id,))
        return _row_to_poll(row) if row else None

    async def questions(self, poll_id: int) -> dict[str, str]:
        rows = await self.database.fetch_all(
            "SELECT language, question FROM poll_questions WHERE poll_id = ?", (poll_id,)
        )
        return {row["language"]: row["question"] for row in rows}

    async def options(self, poll_id: int) -> list[dict[str, str]]:
        """One {language: text} per option, in option order."""
        rows = await self.database.fetch_all(
            "SELECT option_index, language, text FROM poll_options WHERE poll_id = ?"
            " ORDER BY option_index",
            (poll_id,),
        )
        options: list[dict[str, str]] = []
        for row in rows:
            while len(options) <= row["option_index"]:
                options.append({})
            options[row["option_index"]][row["language"]] = row["text"]
        return options

    async def set_status(self, poll_id: int, status: str, at: datetime) -> None:
        await self.database.execute(
            "UPDATE polls SET status = ?,"
            " closed_at = CASE WHEN ? = 'closed' THEN ? ELSE closed_at END WHERE id = ?",
            (status, status, _iso(at), poll_id),
        )

    async def add_variant(
        self,
        poll_id: int,
        language: str,
        telegram_poll_id: str,
        *,
        chat_id: int | None = None,
        message_id: int | None = None,
    ) -> int:
        async with self.database.transaction() as tx:
            return await tx.insert(
                "INSERT INTO poll_variants (poll_id, language, telegram_poll_id, chat_id,"
                " message_id) VALUES (?, ?, ?, ?, ?)",
                (poll_id, language, telegram_poll_id, chat_id, message_id),
            )

    # Steps of one answer's transaction

    async def find_variant(self, tx: Transaction, telegram_poll_id: str) -> VariantTarget | None:
        row = await tx.fetch_one(
            "SELECT v.id AS variant_id, v.poll_id, v.language, v.final, p.mode,"
            " p.allows_multiple, p.status, p.closes_at,"
            " (SELECT COUNT(DISTINCT option_index) FROM poll_options o"
            "  WHERE o.poll_id = p.id) AS option_count"
            " FROM poll_variants v JOIN polls p ON p.id = v.poll_id"
            " WHERE v.telegram_poll_id = ?",
            (telegram_poll_id,),
        )
        if row is None:
            return None
        return VariantTarget(
            variant_id=row["variant_id"],
            poll_id=row["poll_id"],
            language=row["language"],
            mode=row["mode"],
            allows_multiple=bool(row["allows_multiple"]),
            status=row["status"],
            closes_at=row["closes_at"],
            option_count=row["option_count"],
            final=bool(row["final"]),
        )

    async def next_seq(self, tx: Transaction, poll_id: int) -> int:
        """Take the poll's next answer_seq."""
        await tx.execute("UPDATE polls SET answer_seq = answer_seq + 1 WHERE id = ?", (poll_id,))
        row = await tx.fetch_one("SELECT answer_seq FROM polls WHERE id = ?", (poll_id,))
        assert row is not None
        return int(row[0])

    async def mark_update_seen(self, tx: Transaction, update_id: int, poll_id: int) -> bool:
        """Remember ``update_id``; False when it was already applied."""
        changed = await tx.execute(
            "INSERT INTO poll_updates_seen (update_id, poll_id) VALUES (?, ?)"
            " ON CONFLICT (update_id) DO NOTHING",
            (update_id, poll_id),
        )
        return changed > 0

    async def member_id_for(self, tx: Transaction, telegram_user_id: int) -> int | None:
        row = await tx.fetch_one(
            "SELECT id FROM members WHERE telegram_user_id = ?", (telegram_user_id,)
        )
        return int(row["id"]) if row else None

    async def current_vote(
        self, tx: Transaction, poll_id: int, member_id: int
    ) -> tuple[int, tuple[int, ...]] | None:
        """The variant the member's counted choice came from and the options chosen, or None
        if they have none."""
        rows = await tx.fetch_all(
            "SELECT variant_id, option_index FROM poll_votes WHERE poll_id = ?"
            f" AND member_id = ? AND option_index != {RETRACTED} ORDER BY option_index",
            (poll_id, member_id),
        )
        if not rows:
            return None
        return int(rows[0]["variant_id"]), tuple(int(row["option_index"]) for row in rows)

    async def move_vote(
        self, tx: Transaction, poll_id: int, member_id: int, variant_id: int
    ) -> None:
        """Note that the member's unchanged choice now comes from another variant (it is not a
        change of answer: no new seq)."""
        await tx.execute(
            "UPDATE poll_votes SET variant_id = ? WHERE poll_id = ? AND member_id = ?",
            (variant_id, poll_id, member_id),
        )

    async def replace_vote(
        self,
        tx: Transaction,
        target: VariantTarget,
        member_id: int,
        option_indexes: Sequence[int],
        at: datetime,
    ) -> None:
        """Make ``option_indexes`` the member's only choice in the poll (empty: none, kept as
        one RETRACTED row so the change counts for publication; it counts in no figure)."""
        await tx.execute(
            "DELETE FROM poll_votes WHERE poll_id = ? AND member_id = ?",
            (target.poll_id, member_id),
        )
        seq = await self.next_seq(tx, target.poll_id)
        for position, option_index in enumerate(option_indexes or (RETRACTED,)):
            await tx.execute(
                "INSERT INTO poll_votes (poll_id, member_id, option_index, variant_id, voted_at,"
                f" first_choice, seq, {_MEMBER_ATTRIBUTES})"
                f" SELECT ?, id, ?, ?, ?, ?, ?, {_MEMBER_ATTRIBUTES} FROM members WHERE id = ?",
                (
                    target.poll_id,
                    option_index,
                    target.variant_id,
                    _iso(at),
                    int(position == 0 and option_index != RETRACTED),
                    seq,
                    member_id,
                ),
            )

    async def store_variant_counts(
        self,
        tx: Transaction,
        target: VariantTarget,
        voter_counts: Sequence[int],
        total_voter_count: int,
        final: bool,
    ) -> None:
        seq = await self.next_seq(tx, target.poll_id)
        await tx.execute(
            "UPDATE poll_variants SET total_voter_count = ?, final = ?, seq = ? WHERE id = ?",
            (total_voter_count, int(final), seq, target.variant_id),
        )
        for option_index, count in enumerate(voter_counts):
            await tx.execute(
                "INSERT INTO poll_variant_counts (variant_id, option_index, voter_count)"
                " VALUES (?, ?, ?) ON CONFLICT (variant_id, option_index)"
                " DO UPDATE SET voter_count = excluded.voter_count",
                (target.variant_id, option_index, count),
            )

    # Counting (segmented polls)

    async def vote_totals(self, poll_id: int) -> dict[int, int]:
        """Votes per option."""
        rows = await self.database.fetch_all(
            "SELECT option_index, COUNT(*) AS n FROM poll_votes WHERE poll_id = ?"
            f" AND option_index != {RETRACTED} GROUP BY option_index",
            (poll_id,),
        )
        return {row["option_index"]: row["n"] for row in rows}

    async def respondents(self, poll_id: int) -> int:
        """Members with a counted choice."""
        row = await self.database.fetch_one(
            "SELECT coalesce(sum(first_choice), 0) FROM poll_votes WHERE poll_id = ?", (poll_id,)
        )
        return int(row[0]) if row else 0

    async def group_counts(self, poll_id: int, column: str) -> list[GroupCount]:
        """Votes per group of ``column`` (one of BREAKDOWN_COLUMNS) and option."""
        if column not in BREAKDOWN_COLUMNS:
            raise ValueError(f"cannot break down by {column!r}")
        rows = await self.database.fetch_all(
            f"SELECT {column} AS grp, option_index, COUNT(*) AS n,"
            " coalesce(sum(first_choice), 0) AS f FROM poll_votes"
            + self.database.dialect.indexed_by(f"poll_votes_{column.removesuffix('_id')}")
            + f" WHERE poll_id = ? AND option_index != {RETRACTED} GROUP BY {column}, option_index",
            (poll_id,),
        )
        return [
            GroupCount(row["grp"], row["option_index"], row["n"], int(row["f"])) for row in rows
        ]

    async def participants(self, poll_id: int) -> list[Participant]:
        """Members whose answer is counted in a segmented poll, with their language."""
        rows = await self.database.fetch_all(
            "SELECT m.telegram_user_id, m.language FROM members m"
            " WHERE m.id IN (SELECT member_id FROM poll_votes WHERE poll_id = ?"
            f" AND option_index != {RETRACTED})",
            (poll_id,),
        )
        return [Participant(row["telegram_user_id"], row["language"]) for row in rows]

    # Counting (anonymous polls)

    async def variant_option_counts(self, poll_id: int) -> list[LanguageCount]:
        """Latest per-option counts, summed over the variants of each language."""
        rows = await self.database.fetch_all(
            "SELECT v.language, c.option_index, SUM(c.voter_count) AS n"
            " FROM poll_variant_counts c JOIN poll_variants v ON v.id = c.variant_id"
            " WHERE v.poll_id = ? GROUP BY v.language, c.option_index",
            (poll_id,),
        )
        return [LanguageCount(row["language"], row["option_index"], row["n"]) for row in rows]

    async def variant_voter_totals(self, poll_id: int) -> list[LanguageCount]:
        """Latest total_voter_count, summed over the variants of each language."""
        rows = await self.database.fetch_all(
            "SELECT language, SUM(total_voter_count) AS n FROM poll_variants"
            " WHERE poll_id = ? GROUP BY language",
            (poll_id,),
        )
        return [LanguageCount(row["language"], None, row["n"]) for row in rows]

    # Listing, and the deliveries that carried a poll (see _DELIVERED_VARIANTS)

    async def recent(self, limit: int = 10, within: frozenset[str] | None = None) -> list[PollRow]:
        """The newest polls first; with ``within``, only those addressed to some of those
        consulates and no other."""
        condition, parameters = audience_within("audience", within, self.database.dialect)
        rows = await self.database.fetch_all(
            f"SELECT * FROM polls WHERE {condition} ORDER BY id DESC LIMIT ?",
            (*parameters, limit),
        )
        return [_row_to_poll(row) for row in rows]

    async def audience(self, poll_id: int) -> str:
        """The poll's audience filter as stored (JSON; '{}' when there is no such poll)."""
        row = await self.database.fetch_one("SELECT audience FROM polls WHERE id = ?", (poll_id,))
        return str(row[0]) if row else "{}"

    async def set_broadcast(self, poll_id: int, broadcast_id: int) -> None:
        """Link the poll to the broadcast that carries it (its deliveries carry the votes)."""
        await self.database.execute(
            "UPDATE polls SET broadcast_id = ? WHERE id = ?", (broadcast_id, poll_id)
        )

    async def broadcast_id(self, poll_id: int) -> int | None:
        row = await self.database.fetch_one(
            "SELECT broadcast_id FROM polls WHERE id = ?", (poll_id,)
        )
        return int(row[0]) if row and row[0] is not None else None

    async def register_delivered(self, telegram_poll_id: str) -> bool:
        """Record as a variant the Telegram poll one outbox row carried; False if no delivery
        of an open poll sent it. Idempotent. A closed poll records none: a poll the engine
        wrote back after the close would link its recipient to the poll again."""
        async with self.database.transaction() as tx:
            changed = await _copy_variants(
                tx, "o.poll_id = ? AND p.status <> 'closed'", telegram_poll_id
            )
            if changed:
                return True
            row = await tx.fetch_one(
                "SELECT 1 FROM poll_variants WHERE telegram_poll_id = ?", (telegram_poll_id,)
            )
        return row is not None

    async def register_all_delivered(self, poll_id: int) -> int:
        """Record every Telegram poll the poll's deliveries have sent so far; return how many
        were new."""
        async with self.database.transaction() as tx:
            return await _copy_variants(tx, "p.id = ?", poll_id)

    async def recipients(self, poll_id: int) -> int:
        """Members the poll reached (outbox rows sent), for the response rate."""
        row = await self.database.fetch_one(
            "SELECT count(*) FROM delivery_outbox o WHERE o.status = 'sent'"
            " AND o.delivery_id IN ("
            "  SELECT id FROM deliveries WHERE origin = ? AND origin_id = ?"
            "  UNION ALL"
            "  SELECT l.delivery_id FROM broadcast_deliveries l"
            "  JOIN polls p ON p.broadcast_id = l.broadcast_id WHERE p.id = ?)",
            (POLL_ORIGIN, poll_id, poll_id),
        )
        return int(row[0]) if row else 0

    async def due_to_close(self, now: datetime) -> list[int]:
        """Open polls whose closing time has passed at ``now``, oldest first."""
        rows = await self.database.fetch_all(
            "SELECT id, closes_at FROM polls WHERE status = 'open' AND closes_at IS NOT NULL"
            " ORDER BY id"
        )
        # Compared as instants, not as text: a closing time keeps the offset it was set in.
        return [int(row[0]) for row in rows if datetime.fromisoformat(row[1]) <= now]

    # Publication and unlinking

    async def published(self, poll_id: int) -> Published | None:
        row = await self.database.fetch_one(
            "SELECT answer_seq, final, results FROM poll_results WHERE poll_id = ?", (poll_id,)
        )
        return Published(row[0], bool(row[1]), row[2]) if row else None

    async def changed_since(self, poll_id: int, answer_seq: int) -> int:
        """Ballots changed since ``answer_seq``: members (or anonymous variants, one person
        each) whose answer changed or was retracted, plus members deleted since the last
        publication. Each person counts once, however often they changed their mind."""
        row = await self.database.fetch_one(
            "SELECT (SELECT COUNT(DISTINCT member_id) FROM poll_votes"
            "         WHERE poll_id = ? AND seq > ?)"
            "     + (SELECT COUNT(*) FROM poll_variants WHERE poll_id = ? AND seq > ?)"
            "     + (SELECT removed_since_published FROM polls WHERE id = ?)",
            (poll_id, answer_seq, poll_id, answer_seq, poll_id),
        )
        return int(row[0] or 0) if row else 0

    async def publish(
        self, poll_id: int, answer_seq: int, results: str, final: bool, respondents: int | None
    ) -> None:
        """Store the results as published (replacing the last ones), and note the published
        number of respondents in the poll's history of publications."""
        now = utc_now_iso()
        async with self.database.transaction() as tx:
            await tx.execute(
                "INSERT INTO poll_results (poll_id, answer_seq, final, results, published_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (poll_id) DO UPDATE SET"
                " answer_seq = excluded.answer_seq, final = excluded.final,"
                " results = excluded.results, published_at = excluded.published_at",
                (poll_id, answer_seq, int(final), results, now),
            )
            await tx.execute(
                "INSERT INTO poll_publications (poll_id, published_at, respondents)"
                " VALUES (?, ?, ?)",
                (poll_id, now, respondents),
            )
            await tx.execute(
                "UPDATE polls SET removed_since_published = 0 WHERE id = ?", (poll_id,)
            )

    async def publications(self, poll_id: int) -> list[Publication]:
        """Every publication of the poll's results, oldest first."""
        rows = await self.database.fetch_all(
            "SELECT published_at, respondents FROM poll_publications WHERE poll_id = ?"
            " ORDER BY published_at, id",
            (poll_id,),
        )
        return [Publication(datetime.fromisoformat(row[0]), row[1]) for row in rows]

    async def unlink(self, poll_id: int) -> None:
        """Erase every link between people and the poll's answers, in one transaction: the
        ballots, the Telegram polls each recipient had (and their counts), the update ids,
        and the Telegram poll ids in the outbox of the deliveries that carried it."""
        async with self.database.transaction() as tx:
            await tx.execute("DELETE FROM poll_votes WHERE poll_id = ?", (poll_id,))
            await tx.execute("DELETE FROM poll_variants WHERE poll_id = ?", (poll_id,))
            await tx.execute("DELETE FROM poll_updates_seen WHERE poll_id = ?", (poll_id,))
            await tx.execute(
                "UPDATE delivery_outbox SET poll_id = NULL WHERE poll_id IS NOT NULL"
                f" AND delivery_id IN ({_poll_deliveries('?')})",
                (poll_id, poll_id),
            )

    async def closed_and_linked(self) -> list[int]:
        """Closed polls whose answers are still linked to people, or whose final results
        were never published (a crash in between), or whose deliveries' outbox holds a
        Telegram poll id written back after the close: to finish closing them."""
        rows = await self.database.fetch_all(
            "SELECT p.id FROM polls p WHERE p.status = 'closed' AND ("
            " NOT EXISTS (SELECT 1 FROM poll_results r WHERE r.poll_id = p.id AND r.final = 1)"
            " OR EXISTS (SELECT 1 FROM poll_votes v WHERE v.poll_id = p.id)"
            " OR EXISTS (SELECT 1 FROM poll_variants v WHERE v.poll_id = p.id)"
            " OR EXISTS (SELECT 1 FROM delivery_outbox o WHERE o.poll_id IS NOT NULL"
            f" AND o.delivery_id IN ({_poll_deliveries('p.id')}))) ORDER BY p.id"
        )
        return [int(row[0]) for row in rows]

    async def variant_messages(self, poll_id: int) -> list[tuple[int, int]]:
        """(chat id, message id) of every variant whose message is known, to stop them."""
        rows = await self.database.fetch_all(
            "SELECT chat_id, message_id FROM poll_variants WHERE poll_id = ?"
            " AND chat_id IS NOT NULL AND message_id IS NOT NULL AND final = 0",
            (poll_id,),
        )
        return [(int(row[0]), int(row[1])) for row in rows]


#: deliveries.origin of the deliveries that carry polls (origin_id: polls.id).
POLL_ORIGIN = "poll"


# Copy sent Telegram polls from the outbox into poll_variants. A poll is carried either by a
# delivery of its own (deliveries.origin = 'poll', origin_id = polls.id)
# or, when it was sent as an announcement, by every delivery its broadcast created
# (broadcast_deliveries.broadcast_id = polls.broadcast_id, set when the broadcast is created).
# The link is read from broadcast_deliveries rather than from deliveries.origin = 'broadcast'
# because only linked deliveries are ever started. Both go from one index to the next.
_VARIANT_COLUMNS = (
    "INSERT INTO poll_variants (poll_id, language, telegram_poll_id, chat_id,"
    " message_id)"
    " SELECT p.id, o.language, o.poll_id, m.telegram_user_id, o.message_id"
)
_DELIVERED_VARIANTS = (
    f"{_VARIANT_COLUMNS}"
    " FROM delivery_outbox o JOIN deliveries d ON d.id = o.delivery_id"
    " JOIN polls p ON p.id = d.origin_id"
    " LEFT JOIN members m ON m.id = o.member_id"
    f" WHERE d.origin = '{POLL_ORIGIN}' AND o.poll_id IS NOT NULL",
    f"{_VARIANT_COLUMNS}"
    " FROM delivery_outbox o JOIN broadcast_deliveries l ON l.delivery_id = o.delivery_id"
    " JOIN polls p ON p.broadcast_id = l.broadcast_id"
    " LEFT JOIN members m ON m.id = o.member_id"
    " WHERE o.poll_id IS NOT NULL",
)


def _poll_deliveries(poll: str) -> str:
    """The ids of the deliveries that carried the poll whose id is the SQL ``poll`` (a column
    or a parameter): its own, and its broadcast's."""
    return (
        f"SELECT id FROM deliveries WHERE origin = '{POLL_ORIGIN}' AND origin_id = {poll}"
        " UNION ALL SELECT l.delivery_id FROM broadcast_deliveries l"
        f" JOIN polls b ON b.broadcast_id = l.broadcast_id WHERE b.id = {poll}"
    )


async def _copy_variants(tx: Transaction, condition: str, value: object) -> int:
    """Copy into poll_variants the sent Telegram polls matching ``condition`` (on o or p)."""
    changed = 0
    for carriers in _DELIVERED_VARIANTS:
        changed += await tx.execute(f"{carriers} AND {condition} ON CONFLICT DO NOTHING", (value,))
    return changed
