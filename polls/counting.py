"""Counting answers as Telegram reports them.

A poll goes out as one Telegram poll per language variant; option i means the same answer in
every variant. Two kinds of update come back:

- ``poll_answer`` (segmented polls): one member's choice. Empty option ids retract it. The
  member has one ballot per poll across all variants: a new choice in any variant replaces the
  old one; a retraction counts only in the variant the current choice came from (retracting in
  the English poll does not erase a later answer given in the Arabic one).
- ``poll`` (anonymous polls): the variant's latest per-option counts; each replaces the last,
  and the poll's totals are the sum over its variants.

An update is applied once: its update id is remembered, so a redelivered update changes
nothing. Answers arriving once the poll is closed (status ``closed`` or ``closes_at`` passed)
are ignored; a ``poll`` update saying Telegram itself closed the variant is still taken once,
because those counts were frozen by Telegram at its close date (send polls with
``close_date = closes_at``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from bot.storage.database import Transaction
from bot.storage.polls import PollRepository, VariantTarget

SEGMENTED = "segmented"
ANONYMOUS = "anonymous"


class Outcome(StrEnum):
    """What happened to one update."""

    RECORDED = "recorded"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    RETRACTED = "retracted"
    COUNTS_UPDATED = "counts_updated"
    DUPLICATE = "duplicate"
    LATE = "late"
    UNKNOWN_POLL = "unknown_poll"
    UNKNOWN_MEMBER = "unknown_member"
    INVALID = "invalid"
    IGNORED = "ignored"


@dataclass(frozen=True)
class AnswerResult:
    outcome: Outcome
    poll_id: int | None = None


def is_closed(target: VariantTarget, at: datetime) -> bool:
    """True once the poll stopped taking answers: closed by staff, or past closes_at."""
    if target.status == "closed":
        return True
    return target.closes_at is not None and at >= datetime.fromisoformat(target.closes_at)


def valid_choice(target: VariantTarget, option_ids: Sequence[int]) -> bool:
    """Option ids exist, are distinct, and are one unless the poll allows several."""
    if len(set(option_ids)) != len(option_ids):
        return False
    if len(option_ids) > 1 and not target.allows_multiple:
        return False
    return all(0 <= index < target.option_count for index in option_ids)


class PollCounter:
    """Applies poll_answer and poll updates to the stored counts."""

    def __init__(self, repository: PollRepository) -> None:
        self.repository = repository

    async def record_answer(
        self,
        *,
        update_id: int,
        telegram_poll_id: str,
        telegram_user_id: int,
        option_ids: Sequence[int],
        received_at: datetime | None = None,
    ) -> AnswerResult:
        """Apply one poll_answer update (empty ``option_ids``: the answer was retracted)."""
        at = received_at or datetime.now(UTC)
        async with self.repository.database.transaction() as tx:
            target = await self.repository.find_variant(tx, telegram_poll_id)
            if target is None:
                return AnswerResult(Outcome.UNKNOWN_POLL)
            if target.mode != SEGMENTED:
                return AnswerResult(Outcome.IGNORED, target.poll_id)
            if is_closed(target, at):
                return AnswerResult(Outcome.LATE, target.poll_id)
            if not valid_choice(target, option_ids):
                return AnswerResult(Outcome.INVALID, target.poll_id)
            if not await self.repository.mark_update_seen(tx, update_id, target.poll_id):
                return AnswerResult(Outcome.DUPLICATE, target.poll_id)
            member_id = await self.repository.member_id_for(tx, telegram_user_id)
            if member_id is None:
                return AnswerResult(Outcome.UNKNOWN_MEMBER, target.poll_id)
            outcome = await self._apply_choice(tx, target, member_id, option_ids, at)
        return AnswerResult(outcome, target.poll_id)

    async def _apply_choice(
        self,
        tx: Transaction,
        target: VariantTarget,
        member_id: int,
        option_ids: Sequence[int],
        at: datetime,
    ) -> Outcome:
        current = await self.repository.current_vote(tx, target.poll_id, member_id)
        current_variant = current[0] if current else None
        if not option_ids:
            if current_variant != target.variant_id:
                return Outcome.IGNORED
            await self.repository.replace_vote(tx, target, member_id, (), at)
            return Outcome.RETRACTED
        chosen = tuple(sorted(option_ids))
        if current is not None and current[1] == chosen:
            # The same answer again (perhaps in another language's poll): not a change, so it
            # does not count towards the k changes a new publication needs.
            await self.repository.move_vote(tx, target.poll_id, member_id, target.variant_id)
            return Outcome.UNCHANGED
        await self.repository.replace_vote(tx, target, member_id, chosen, at)
        return Outcome.RECORDED if current is None else Outcome.CHANGED

    async def record_counts(
        self,
        *,
        update_id: int,
        telegram_poll_id: str,
        voter_counts: Sequence[int],
        total_voter_count: int,
        is_closed_by_telegram: bool = False,
        received_at: datetime | None = None,
    ) -> AnswerResult:
        """Apply one poll update: the variant's latest per-option counts."""
        at = received_at or datetime.now(UTC)
        async with self.repository.database.transaction() as tx:
            target = await self.repository.find_variant(tx, telegram_poll_id)
            if target is None:
                return AnswerResult(Outcome.UNKNOWN_POLL)
            if target.final or (is_closed(target, at) and not is_closed_by_telegram):
                return AnswerResult(Outcome.LATE, target.poll_id)
            if len(voter_counts) != target.option_count or min(voter_counts, default=0) < 0:
                return AnswerResult(Outcome.INVALID, target.poll_id)
            if not await self.repository.mark_update_seen(tx, update_id, target.poll_id):
                return AnswerResult(Outcome.DUPLICATE, target.poll_id)
            await self.repository.store_variant_counts(
                tx, target, voter_counts, total_voter_count, is_closed_by_telegram
            )
        return AnswerResult(Outcome.COUNTS_UPDATED, target.poll_id)
