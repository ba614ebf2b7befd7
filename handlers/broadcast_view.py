"""How broadcasts read to staff in the chat: one broadcast in a few lines, the full view an
approver needs, the preview counts, progress, and sensitive-topic warnings and refusals.

Approvers see what they approve: ``review_messages`` renders the service's ``Review`` in the
reader's language: every language's content in its own block and direction, the audience in
words (consulate, country and region names; labels, never internal ids), its size as a band,
the planned runs (a time in each recipient's zone in each zone; a consulate's time as it is
in each of the audience's consulates' zones; else in the reader's zone: their consulates' zone
when they share one, else each run's own), and any sensitive-topic warning. ``pack`` joins
blocks into as few messages as Telegram's 4,096 characters allow, never splitting a block, so
a view in six languages is a few messages, not one per language plus one. A client lays each
message out in one direction, so texts that read right to left (Arabic) never share a message
with texts that read left to right: the reader's direction comes first, then the other, each
message marked as it reads. Dates and times are babel's, in the reader's language. Every count
shown is a band under the disclosure rule (bot/disclosure.py), written by
``Translator.format_band``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import MessageLimit, ParseMode

from bot.access import StaffMember
from bot.deployment import Deployment
from bot.i18n import N_, RIGHT_TO_LEFT_MARK, Translator, isolate, text_direction
from bot.sensitive import Match, SensitiveQuestion, plain_text
from broadcasts.audience import Audience, AudienceBands
from broadcasts.compose import Category, Review, is_right_to_left
from broadcasts.labels import (
    AUDIENCE_HEADINGS,
    CATEGORY_LABELS,
    LOCAL_TIME_LABELS,
    RECURRENCE_LABELS,
    STATUS_LABELS,
    audience_parts,
    audience_values,
)
from broadcasts.payload import MediaKind, Payload
from broadcasts.progress import BandedProgress
from broadcasts.repository import Broadcast
from broadcasts.response_store import ResponseKind, ResponseOffer
from broadcasts.responses import BUTTON_LABELS, ResponseSummary
from broadcasts.schedule import Schedule, ScheduleKind, moved_to_next_day
from handlers.replies import esc

#: Telegram's limit on a message's text, after entities are parsed.
MESSAGE_LIMIT = MessageLimit.MAX_TEXT_LENGTH

MEDIA_LABELS = {
    MediaKind.PHOTO: N_("📎 A photo is attached."),
    MediaKind.DOCUMENT: N_("📎 A document is attached."),
}


# --- describing ---------------------------------------------------------------------------


def category_label(tr: Translator, category: str) -> str:
    return tr.gettext(CATEGORY_LABELS.get(Category(category), N_("Other")))


def schedule_text(tr: Translator, schedule: Schedule) -> str:
    """The schedule in the staff member's words."""
    if schedule.kind is ScheduleKind.NOW or schedule.local is None:
        return tr.gettext("now")
    when = tr.format_wall_time(schedule.local)
    if schedule.kind is ScheduleKind.LOCAL_TIME:
        return tr.format(LOCAL_TIME_LABELS[schedule.past_zones], when=when)
    zone = schedule.zone or ""
    if schedule.kind is ScheduleKind.AT:
        return tr.format("%(when)s (%(zone)s)", when=when, zone=zone)
    repeat = tr.gettext(RECURRENCE_LABELS[schedule.recurrence or "daily"])
    return tr.format("%(repeat)s from %(when)s (%(zone)s)", repeat=repeat, when=when, zone=zone)


def audience_lines(tr: Translator, deployment: Deployment, audience: Audience) -> list[str]:
    """The audience in words, one filter a line ("Consulate: Embassy in London")."""
    return [
        tr.gettext("%(heading)s: %(values)s") % {"heading": esc(heading), "values": esc(words)}
        for heading, words in audience_parts(tr, deployment, audience)
    ]


def audience_summary(tr: Translator, deployment: Deployment, audience: Audience) -> str:
    """The audience in words on one line, without headings."""
    chosen = {f.name: getattr(audience, f.name) - {""} for f in fields(audience)}
    parts = [
        audience_values(tr, deployment, name, chosen[name])
        for name in AUDIENCE_HEADINGS
        if chosen[name]
    ]
    if not chosen["consulates"]:
        parts.insert(0, tr.gettext("all consulates"))
    return " · ".join(parts)


def describe(tr: Translator, deployment: Deployment, broadcast: Broadcast) -> str:
    """One broadcast in a few lines: number, category, status, when, to whom."""
    return tr.gettext(
        "<b>#%(id)s</b> %(category)s: %(status)s\nWhen: %(when)s\nTo: %(audience)s"
    ) % {
        "id": broadcast.id,
        "category": esc(category_label(tr, broadcast.category)),
        "status": esc(tr.gettext(STATUS_LABELS[broadcast.status])),
        "when": esc(schedule_text(tr, broadcast.schedule)),
        "audience": esc(audience_summary(tr, deployment, broadcast.audience)),
    }


def count_lines(tr: Translator, counts: AudienceBands, default_language: str) -> list[str]:
    """Recipients per language and in total, as bands, with the fallback."""
    lines = [
        tr.ngettext(
            "%(language)s: %(count)s recipient",
            "%(language)s: %(count)s recipients",
            tr.band_count(band),
        )
        % {"language": esc(tr.language_name(language)), "count": tr.format_band(band)}
        for language, band in counts.per_language.items()
    ]
    lines.append(
        tr.gettext("Total: %(total)s, of whom %(fallback)s get the %(default)s text as a fallback")
        % {
            "total": tr.format_band(counts.total),
            "fallback": tr.format_band(counts.fallback),
            "default": esc(tr.language_name(default_language)),
        }
    )
    return lines


def languages_of(tr: Translator, matches: Iterable[Match]) -> str:
    """The languages of the texts ``matches`` were found in, by name."""
    codes = dict.fromkeys(match.field.rsplit(".", 1)[-1] for match in matches)
    return tr.format_list(tr.language_name(code) for code in codes)


def by_topic(matches: Iterable[Match]) -> dict[str, list[Match]]:
    found: dict[str, list[Match]] = {}
    for match in matches:
        found.setdefault(match.topic.id, []).append(match)
    return found


def warning_lines(tr: Translator, matches: Iterable[Match]) -> list[str]:
    """A warning per sensitive topic an announcement mentions, and where."""
    return [
        tr.gettext(
            "⚠️ Sensitive topic: %(topic)s (in the %(languages)s text). Members may fear being"
            " asked about it: check that it is needed and worded with care."
        )
        % {
            "topic": esc(found[0].topic.name_in(tr.language)),
            "languages": esc(languages_of(tr, found)),
        }
        for found in by_topic(matches).values()
    ]


def sensitive_refusal(tr: Translator, refused: SensitiveQuestion) -> str:
    """Why a poll is refused, topic by topic, in the staff member's language."""
    return "\n".join(
        tr.gettext("Polls must never ask about %(topic)s (found in the %(languages)s text).")
        % {
            "topic": esc(found[0].topic.name_in(tr.language)),
            "languages": esc(languages_of(tr, found)),
        }
        for found in by_topic(refused.matches).values()
    )


def progress_text(tr: Translator, progress: BandedProgress, broadcast_id: int) -> str:
    """Live counts (bands) and the estimated time left, in the staff member's language."""
    return tr.gettext(
        "<b>Broadcast #%(id)s</b>\nSent: %(sent)s\nFailed: %(failed)s\n"
        "Unreachable: %(unreachable)s\nPending: %(pending)s\nTime left: %(left)s"
    ) % {
        "id": broadcast_id,
        "sent": tr.format_band(progress.sent),
        "failed": tr.format_band(progress.failed),
        "unreachable": tr.format_band(progress.unreachable),
        "pending": tr.format_band(progress.pending),
        "left": esc(tr.format_time_left(progress.eta_seconds)),
    }


# --- the full view --------------------------------------------------------------------------


Run = tuple[datetime, str, frozenset[str]]
"""A planned run: when (UTC), its zone, and the consulates it is for (empty: the audience)."""


def when_in(tr: Translator, instant: datetime, zone: ZoneInfo) -> str:
    """A moment as a reader in ``zone`` writes it: date, time and the zone's name."""
    return tr.format(
        "%(when)s (%(zone)s)", when=tr.format_datetime(instant, zone, "short"), zone=zone.key
    )


def run_lines(
    tr: Translator,
    deployment: Deployment,
    schedule: Schedule,
    runs: list[Run],
    zone: ZoneInfo | None,
    zones: Mapping[str, frozenset[str]] | None = None,
) -> list[str]:
    """The schedule in the author's words, then each planned run with the consulates it is
    for: in each recipient's local time, in the run's own zone (the next day marked); at a
    consulate's time, the (next) run as it is in each of ``zones`` (the audience's consulates
    by zone); else in the reader's zone (else the run's own)."""
    lines = [tr.gettext("When: %(when)s") % {"when": esc(schedule_text(tr, schedule))}]
    if schedule.kind is ScheduleKind.NOW:
        return lines
    if schedule.kind is not ScheduleKind.LOCAL_TIME and zones and runs:
        due_at = min(run[0] for run in runs)
        by_offset = sorted(zones.items(), key=lambda item: offset_at(due_at, item[0]))
        return lines + [zone_line(tr, deployment, due_at, z, c) for z, c in by_offset]
    local = schedule.kind is ScheduleKind.LOCAL_TIME
    for due_at, run_zone, consulates in sorted(runs, key=lambda run: (run[0], run[1])):
        shown = run_zone if local or zone is None else zone.key
        later = moved_to_next_day(schedule, due_at, run_zone)
        note = tr.gettext("the next day, as that time had passed") if later else ""
        lines.append(zone_line(tr, deployment, due_at, shown, consulates, note))
    return lines


def offset_at(instant: datetime, zone: str) -> timedelta:
    """How far ahead of UTC ``zone`` is at ``instant`` (west first when sorted)."""
    return instant.astimezone(ZoneInfo(zone)).utcoffset() or timedelta()


def zone_line(
    tr: Translator,
    deployment: Deployment,
    instant: datetime,
    zone: str,
    consulates: Iterable[str],
    note: str = "",
) -> str:
    """ "• <date> <time> (<zone>): <consulates> — <note>", the moment as read in ``zone``."""
    line = "• " + esc(when_in(tr, instant, ZoneInfo(zone)))
    named = set(consulates) - {""}
    if named:
        line += ": " + esc(audience_values(tr, deployment, "consulates", named))
    return f"{line} — {esc(note)}" if note else line


def content_block(tr: Translator, payload: Payload) -> tuple[str, str]:
    """One language's content as (heading, body), both marked with its own direction; right
    to left, a poll's lines are isolates (an English question keeps its "?" at its end)."""
    right_to_left = is_right_to_left(payload.language)
    mark = RIGHT_TO_LEFT_MARK if right_to_left else ""
    line = isolate if right_to_left else str
    heading = f"{mark}<b>— {esc(tr.language_name(payload.language))} —</b>"
    if payload.poll_question is not None:
        lines = [f"{mark}<b>{line(esc(payload.poll_question))}</b>"]
        lines += [f"{mark}• {line(esc(option))}" for option in payload.poll_options]
    else:
        text = payload.text or ""
        lines = [text if text.startswith(mark) else mark + text]
        if payload.media is not None:
            lines.append(tr.gettext(MEDIA_LABELS[payload.media.kind]))
        lines += [f"🔗 {esc(b.text)}: {esc(b.url)}" for b in payload.buttons]
    return heading, "\n".join(lines)


def pack(blocks: Iterable[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Blocks joined into as few messages as fit ``limit`` characters as Telegram counts
    them (after HTML is parsed); a block never straddles two messages, and blocks that read
    in different directions never share one (a client lays a message out one way)."""
    messages: list[str] = []
    directions: list[str | None] = []
    for block in blocks:
        direction = text_direction(plain_text(block))
        joined = f"{messages[-1]}\n\n{block}" if messages else block
        if (
            messages
            and reads_the_same_way(direction, directions[-1])
            and len(plain_text(joined)) < limit
        ):
            messages[-1] = joined
            directions[-1] = directions[-1] or direction
        else:
            messages.append(block)
            directions.append(direction)
    return messages


def reads_the_same_way(first: str | None, second: str | None) -> bool:
    """Whether two texts can share a message: the same direction, or one has none (digits)."""
    return first is None or second is None or first == second


def content_blocks(
    tr: Translator, payloads: Iterable[Payload], *, own_way_first: bool = True
) -> list[str]:
    """Every language's content, each block under its heading, those that read the reader's
    way first (or last, to share a message with what follows them); a block too long to
    share a message with its heading is split from it (the body alone always fits)."""
    blocks: list[str] = []
    for payload in sorted(
        payloads, key=lambda p: (is_right_to_left(p.language) == tr.is_rtl) != own_way_first
    ):
        heading, body = content_block(tr, payload)
        together = f"{heading}\n{body}"
        blocks += [together] if len(plain_text(together)) < MESSAGE_LIMIT else [heading, body]
    return blocks


def review_messages(
    tr: Translator,
    deployment: Deployment,
    review: Review,
    viewer: StaffMember | None,
    heading: str = "",
    responses: ResponseSummary | None = None,
) -> list[str]:
    """The full view of a broadcast in the reader's language, packed into messages."""
    broadcast = review.broadcast
    facts = [heading] if heading else []
    facts.append(
        tr.gettext("<b>#%(id)s</b> %(category)s: %(status)s")
        % {
            "id": broadcast.id,
            "category": esc(category_label(tr, broadcast.category)),
            "status": esc(tr.gettext(STATUS_LABELS[broadcast.status])),
        }
    )
    facts.append(tr.gettext("Author: %(author)s") % {"author": esc(broadcast.author)})
    facts += audience_lines(tr, deployment, broadcast.audience)
    facts.append(tr.gettext("Recipients now: %(count)s") % {"count": tr.format_band(review.size)})
    runs = [(r.next_due_at, r.zone, r.consulates) for r in review.runs if r.next_due_at]
    zone = deployment.shared_zone(viewer.consulates) if viewer else None
    facts += run_lines(tr, deployment, broadcast.schedule, runs, zone, review.zones)
    facts += warning_lines(tr, review.warnings)
    facts += response_lines(tr, responses)
    return pack([tr.direction("\n".join(facts)), *content_blocks(tr, review.payloads)])


def offer_lines(tr: Translator, offer: ResponseOffer | None) -> list[str]:
    """The response button under the announcement, and its places."""
    if offer is None:
        return []
    label = tr.gettext(BUTTON_LABELS[offer.kind])
    lines = [tr.gettext("Response button: %(label)s") % {"label": esc(label)}]
    if offer.kind is ResponseKind.ATTEND:
        places = tr.format_number(offer.capacity) if offer.capacity else tr.gettext("no limit")
        lines.append(tr.gettext("Places: %(places)s") % {"places": places})
    return lines


def response_lines(tr: Translator, summary: ResponseSummary | None) -> list[str]:
    """The button and the answers so far, as bands."""
    if summary is None:
        return []
    lines = offer_lines(tr, summary.offer)
    lines.append(tr.gettext("Answers: %(count)s") % {"count": tr.format_band(summary.confirmed)})
    if summary.offer.capacity:
        waiting = tr.format_band(summary.waiting)
        lines.append(tr.gettext("Waiting list: %(count)s") % {"count": waiting})
    return lines


async def send_messages(
    bot: Bot, chat_id: int, messages: list[str], markup: InlineKeyboardMarkup | None
) -> None:
    """Send ``messages`` in order, ``markup`` on the last. Each is already laid out the way
    it reads (``pack``): the reader's own texts through ``Translator.direction``, each
    language's content marked by ``content_block``."""
    for index, text in enumerate(messages):
        last = index == len(messages) - 1
        await bot.send_message(
            chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup if last else None
        )
