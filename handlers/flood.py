"""The flood gate: one person cannot occupy the bot.

Each person has a token bucket of :data:`FLOOD_BURST` updates, refilled at
:data:`FLOOD_REFILL_PER_SECOND`. Every update from a person takes a token; with none left the
update is dropped here, before the gatekeeper's lookups or any feature handler run. The first
update dropped in a flood gets one notice in the person's language; after it, silence. The flood
is over when the bucket is full again (the person has been quiet long enough to refill it), so
someone who keeps sending is told once, not once a second. In between, each token that comes
back lets one update through.

Time is the update's arrival (:func:`bot.updates.arrival_time`), not when it is handled: one
person's updates are handled one at a time, and replies paced to one a second per chat must
not refill the bucket of the person who sent too many.

Staff and members alike pass through the gate. Updates without a person (channel posts, poll
state) pass, and so do Telegram's reports that a person blocked or unblocked the bot
(``my_chat_member``): they change whom the bot may write to, and cost one row. Buckets live in
memory; full ones are forgotten, as a person the gate has not seen starts full.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from telegram import Update, User
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.i18n import N_
from bot.updates import arrival_time
from handlers.context import App, AppContext
from handlers.replies import reply

logger = logging.getLogger(__name__)

#: Updates a person may send at once: more than anyone taps or types in a quick run through a
#: menu, or sends by pasting a few lines.
FLOOD_BURST = 20
#: Updates a second a person may keep sending: faster than anyone types or taps for long, so
#: people do not meet the gate; scripts, stuck keys and forwarded piles do.
FLOOD_REFILL_PER_SECOND = 1.0
#: People whose buckets are kept before full ones are forgotten.
TRACKED_PEOPLE = 1024

NOTICE = N_(
    "You are sending messages very quickly, so I skipped some of them. Please wait a moment, "
    "then send your message again."
)

Clock = Callable[[], float]


class Verdict(Enum):
    PASS = "pass"
    NOTIFY = "notify"  # the first update dropped in a flood: say so, once
    DROP = "drop"


@dataclass
class _Bucket:
    tokens: float
    stamp: float
    told: bool = False


class FloodGate:
    """Per-person token buckets; :meth:`guard` is the handler."""

    def __init__(
        self,
        burst: int = FLOOD_BURST,
        refill_per_second: float = FLOOD_REFILL_PER_SECOND,
        clock: Clock = arrival_time,
    ) -> None:
        self.burst = float(burst)
        self.refill_per_second = refill_per_second
        self.clock = clock
        self._buckets: dict[int, _Bucket] = {}
        self._sweep_at = TRACKED_PEOPLE

    def __len__(self) -> int:
        return len(self._buckets)

    def admit(self, person: int) -> Verdict:
        """Take one of the person's tokens, if there is one, and say what to do."""
        now = self.clock()
        bucket = self._buckets.get(person)
        if bucket is None:
            if len(self._buckets) >= self._sweep_at:
                self._forget_full(now)
            bucket = self._buckets[person] = _Bucket(self.burst, now)
        self._refill(bucket, now)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return Verdict.PASS
        if bucket.told:
            return Verdict.DROP
        bucket.told = True
        return Verdict.NOTIFY

    def _refill(self, bucket: _Bucket, now: float) -> None:
        elapsed = max(0.0, now - bucket.stamp)
        bucket.tokens = min(self.burst, bucket.tokens + elapsed * self.refill_per_second)
        bucket.stamp = max(bucket.stamp, now)
        if bucket.tokens >= self.burst:
            bucket.told = False  # quiet long enough: a new flood would be told again

    def _forget_full(self, now: float) -> None:
        """Drop full buckets; sweep next when the ones that stay have doubled."""
        for person, bucket in list(self._buckets.items()):
            self._refill(bucket, now)
            if bucket.tokens >= self.burst:
                del self._buckets[person]
        self._sweep_at = max(TRACKED_PEOPLE, 2 * len(self._buckets))

    async def guard(self, update: Update, context: AppContext) -> None:
        """Let the update through, or drop it (telling the person once per flood)."""
        user = update.effective_user
        if user is None or update.my_chat_member is not None:
            return
        verdict = self.admit(user.id)
        if verdict is Verdict.PASS:
            return
        if verdict is Verdict.NOTIFY:
            logger.info("A person is sending too fast: dropping their updates for a while")
            await tell(update, context, user)
        raise ApplicationHandlerStop


async def tell(update: Update, context: AppContext, user: User) -> None:
    """The notice, in the language the gatekeeper would pick (it has not run yet).

    It never raises: an error here would let PTB run the later groups, and so the update.
    """
    try:
        members = context.services.members
        language = members.language_for(await members.find(user.id), user.language_code)
        context.tr = context.services.languages.translator(language)
        await reply(update, context, context.tr.gettext(NOTICE))
    except Exception as error:  # the update is dropped all the same
        logger.warning("Could not send the flood notice: %s", type(error).__name__)


def register(application: App, group: int) -> None:
    application.add_handler(TypeHandler(Update, FloodGate().guard), group=group)
