"""What broadcasts' categories, states, repetitions and audience filters are called, in every
language (marked for the catalogues): the chat and the console show the same words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields
from typing import Any

from bot.deployment import Deployment
from bot.i18n import N_, Translator
from bot.labels import INTERESTS, MEMBER_TYPE_NAMES, OCCUPATIONS
from broadcasts.audience import Audience
from broadcasts.compose import BroadcastError, BroadcastProblem, Category
from broadcasts.repository import BroadcastStatus
from broadcasts.schedule import PastZones

CATEGORY_LABELS: dict[Category, str] = {
    Category.CONSULAR: N_("Consular notice"),
    Category.EMERGENCY: N_("Emergency"),
    Category.INVESTMENT: N_("Investment"),
    Category.PROGRAMME: N_("Programme"),
    Category.EVENT: N_("Event"),
    Category.YOUTH_CULTURE: N_("Youth and culture"),
    Category.OTHER: N_("Other"),
}
STATUS_LABELS: dict[BroadcastStatus, str] = {
    BroadcastStatus.PENDING_APPROVAL: N_("waiting for approval"),
    BroadcastStatus.SCHEDULED: N_("scheduled"),
    BroadcastStatus.RUNNING: N_("sending"),
    BroadcastStatus.PAUSED: N_("paused"),
    BroadcastStatus.DONE: N_("done"),
    BroadcastStatus.CANCELLED: N_("cancelled"),
    BroadcastStatus.REJECTED: N_("rejected"),
}
RECURRENCE_LABELS = {
    "daily": N_("every day"),
    "weekly": N_("every week"),
    "monthly": N_("every month"),
}
#: A schedule in each recipient's local time, by what it does where that time had passed.
LOCAL_TIME_LABELS: dict[PastZones | None, str] = {
    None: N_("%(when)s in each recipient's local time"),
    PastZones.NEXT_DAY: N_(
        "%(when)s in each recipient's local time (where that had passed: the next day)"
    ),
    PastZones.SKIP: N_("%(when)s in each recipient's local time (not where that had passed)"),
}
#: Each audience filter's heading, in the order shown.
AUDIENCE_HEADINGS = {
    "consulates": N_("Consulate"),
    "countries": N_("Country"),
    "regions": N_("Region of origin"),
    "member_types": N_("Situation"),
    "occupation_groups": N_("Work"),
    "interests": N_("Interests"),
    "languages": N_("Language"),
}


_LABELS: dict[str, Mapping[Any, str]] = {
    "member_types": MEMBER_TYPE_NAMES,
    "occupation_groups": OCCUPATIONS,
    "interests": INTERESTS,
}


def audience_values(
    tr: Translator, deployment: Deployment, name: str, values: Iterable[str]
) -> str:
    """One filter's values in words: names and labels in the reader's language, never ids."""
    names: list[str] = []
    for value in sorted(values):
        if name == "consulates":
            consulate = deployment.consulate(value)
            names.append(consulate.name_in(tr.language) if consulate else value)
        elif name == "regions":
            region = deployment.region(value)
            names.append(region.name_in(tr.language) if region else value)
        elif name == "countries":
            names.append(tr.country(value))
        elif name == "languages":
            names.append(tr.language_name(value))
        else:
            names.append(tr.gettext(_LABELS[name][value]) if value in _LABELS[name] else value)
    return tr.format_list(names)


def audience_parts(
    tr: Translator, deployment: Deployment, audience: Audience
) -> list[tuple[str, str]]:
    """The audience in words: (heading, values) for each filter used, and always the
    consulates ("all consulates" when none is named)."""
    chosen = {f.name: getattr(audience, f.name) - {""} for f in fields(audience)}
    return [
        (
            tr.gettext(heading),
            audience_values(tr, deployment, name, chosen[name]) or tr.gettext("all consulates"),
        )
        for name, heading in AUDIENCE_HEADINGS.items()
        if chosen[name] or name == "consulates"
    ]


#: Each refusal as the chat and the console say it (``id``: the broadcast's number); a text
#: too long counts characters, so it is said with ngettext in ``refusal_text``.
PROBLEM_TEXTS: dict[BroadcastProblem, str] = {
    BroadcastProblem.NOT_FOUND: N_("There is no broadcast #%(id)s."),
    BroadcastProblem.NOT_PENDING: N_("Broadcast #%(id)s is no longer waiting for approval."),
    BroadcastProblem.OWN_BROADCAST: N_(
        "Another staff member must approve it: the author cannot approve their own broadcast."
    ),
    BroadcastProblem.FINISHED: N_("Broadcast #%(id)s is already %(status)s."),
    BroadcastProblem.NOT_PAUSABLE: N_(
        "Broadcast #%(id)s is %(status)s: only a scheduled or sending broadcast can be paused."
    ),
    BroadcastProblem.NOT_PAUSED: N_("Broadcast #%(id)s is not paused."),
    BroadcastProblem.TIME_PASSED: N_("That time has already passed: choose a later one."),
    BroadcastProblem.INVALID: N_(
        "This broadcast cannot be saved as it is: check its texts, attachment, audience and time."
    ),
}


def refusal_text(tr: Translator, error: BroadcastError) -> str:
    """Why a broadcast request or action was refused, in the reader's language."""
    shown: dict[str, str] = {}
    for name, value in error.values.items():
        if isinstance(value, BroadcastStatus):
            shown[name] = tr.gettext(STATUS_LABELS[value])
        elif isinstance(value, int) and name != "id":  # a number, not a broadcast's name
            shown[name] = tr.format_number(value)
        elif name == "language":
            shown[name] = tr.language_name(str(value))
        else:
            shown[name] = str(value)
    if error.problem is BroadcastProblem.TEXT_TOO_LONG:
        return tr.nformat(
            "The %(language)s text is longer than Telegram allows (%(limit)s character):"
            " shorten it.",
            "The %(language)s text is longer than Telegram allows (%(limit)s characters):"
            " shorten it.",
            int(str(error.values["limit"])),
            **shown,
        )
    return tr.format(PROBLEM_TEXTS[error.problem], **shown)
