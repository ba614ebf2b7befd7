"""What broadcasts' categories, states, repetitions and audience filters are called, in every
language (marked for the catalogues): the chat and the console show the same words."""

from __future__ import annotations

from bot.i18n import N_
from broadcasts.compose import Category
from broadcasts.repository import BroadcastStatus

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
