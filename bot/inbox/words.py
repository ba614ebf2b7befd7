"""The inbox's words for staff, in their language: a thread's pseudonymous handle and topic,
a refusal, and the measures (bot/inbox/measures.py) with hidden figures written one way."""

from __future__ import annotations

from babel import Locale

from bot.deployment import Deployment
from bot.i18n import N_, Translator
from bot.inbox.measures import ConsulateMeasures
from bot.inbox.service import PROBLEM_TEXTS, DeliveryOutcome, InboxError
from bot.storage.inbox import Thread

#: A time or rating withheld because fewer than k threads were answered (or rated).
WITHHELD = N_("not shown (fewer than %(k)s)")


def handle(tr: Translator, deployment: Deployment, thread: Thread) -> str:
    """ "Member 4821 · London · Filipino": a number drawn for the thread, the consulate's city
    and the member's language, in the staff member's language."""
    consulate = deployment.consulate(thread.consulate_id)
    city = consulate.city if consulate else thread.consulate_id
    language = Locale.parse(thread.language, sep="-").get_display_name(tr.locale) or ""
    return tr.format(
        "Member %(number)s · %(city)s · %(language)s",
        number=str(thread.handle_number),
        city=city,
        language=language[:1].upper() + language[1:],
    )


def topic_name(tr: Translator, deployment: Deployment, thread: Thread) -> str:
    topic = deployment.inbox_topic(thread.topic)
    return topic.name_in(tr.language) if topic else thread.topic


#: What the staff member is told after answering (``reference``: the question's).
DELIVERY_NOTICES = {
    DeliveryOutcome.DELIVERED: N_("Your answer to %(reference)s was delivered."),
    DeliveryOutcome.BLOCKED: N_(
        "The member has blocked the bot: your answer to %(reference)s is kept in the thread, "
        "marked not delivered."
    ),
    DeliveryOutcome.FAILED: N_(
        "Telegram did not take your answer to %(reference)s just now: it is kept in the "
        "thread, marked not delivered. Please send it again in a few minutes."
    ),
}


def delivery_notice(tr: Translator, outcome: DeliveryOutcome, reference: str) -> str:
    return tr.format(DELIVERY_NOTICES[outcome], reference=reference)


def problem_text(tr: Translator, error: InboxError) -> str:
    """A refusal of the inbox in the reader's language (plain text: the page escapes it)."""
    value = error.value
    shown = tr.format_number(value) if isinstance(value, int) else str(value)
    return tr.format(PROBLEM_TEXTS[error.problem], value=shown)


def count_text(tr: Translator, count: int | None, k: int) -> str:
    """A count, or "fewer than k" when it is hidden."""
    if count is None:
        return tr.format("fewer than %(count)s", count=tr.format_number(k))
    return tr.format_number(count)


def duration_text(tr: Translator, seconds: float | None, k: int) -> str:
    if seconds is None:
        return tr.format(WITHHELD, k=tr.format_number(k))
    return tr.format_time_left(seconds)


def rating_text(tr: Translator, rating: float | None, k: int) -> str:
    if rating is None:
        return tr.format(WITHHELD, k=tr.format_number(k))
    return tr.format("%(rating)s of 5", rating=tr.format_number(round(rating, 1)))


def measures_lines(tr: Translator, deployment: Deployment, row: ConsulateMeasures) -> list[str]:
    """One consulate's figures as lines of plain text (the weekly summary)."""
    consulate = deployment.consulate(row.consulate_id)
    name = consulate.name_in(tr.language) if consulate else row.consulate_id
    k = row.k
    return [
        name,
        tr.format("Open questions: %(count)s", count=count_text(tr, row.open_threads, k)),
        tr.format("Answered: %(count)s", count=count_text(tr, row.answered, k)),
        tr.format("First answer, median: %(time)s", time=duration_text(tr, row.median_seconds, k)),
        tr.format(
            "First answer, 9 in 10 within: %(time)s", time=duration_text(tr, row.p90_seconds, k)
        ),
        tr.format("Members' rating: %(rating)s", rating=rating_text(tr, row.rating, k)),
    ]
