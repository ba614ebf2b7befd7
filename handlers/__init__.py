"""python-telegram-bot handlers: they translate updates into service calls and service results
into messages. No SQL and no business rules live here.

``register_all`` is the one place that adds every feature's handlers, in a commented order.
"""

from __future__ import annotations

from telegram.ext import Application

from bot.roles import ALL_ROLES, Role
from handlers import (
    announce,
    ask,
    broadcasts,
    chat_member,
    console,
    consulate,
    errors,
    flood,
    gatekeeper,
    guidance,
    inbox,
    inbox_rating,
    inbox_summary,
    jobs,
    language,
    my_data,
    persistence_flush,
    polls,
    registration,
    reminders,
    remit,
    responses,
    retention,
    staff,
    start,
    subscription,
)
from handlers.registration import expiry


def register_all(
    application: Application,  # type: ignore[type-arg]
    roles: frozenset[Role] = ALL_ROLES,
) -> None:
    """Add every handler and job, keeping the jobs of ``roles`` (handlers/jobs.py). Groups
    run in order; within a group the first match wins."""
    # Group -2: drop what a person sends beyond their flood allowance, before any lookup.
    flood.register(application, group=-2)
    # Group -1: identify the member and their language before anything else runs.
    gatekeeper.register(application, group=-1)
    # Group 0: features, one module each. The registration conversation comes first: while a
    # member is in it, their buttons and text belong to it (it owns /start too).
    registration.register(application)
    start.register(application)
    language.register(application)
    consulate.register(application)
    subscription.register(application)
    my_data.register(application)
    # Members answering announcements (their response button, sharing a contact).
    responses.register(application)
    guidance.register(application)
    chat_member.register(application)
    # Staff features (refused to everyone else by the gatekeeper, see handlers/access.py).
    staff.register(application)
    console.register(application)
    announce.register(application)
    broadcasts.register(application)
    polls.register(application)
    inbox.register(application)
    inbox_rating.register(application)
    # Members' questions: a small conversation waiting for text, and replies to answers.
    ask.register(application)
    # After the other features: /remit's conversation waits for an amount as plain text, so
    # it must not take the commands and buttons that other features own.
    remit.register(application)
    # Jobs: the departure-reminder sweep, the erasing of abandoned registration drafts and of
    # every other row whose time is up (remit adds the exchange-rate refreshes).
    reminders.register(application)
    expiry.register(application)
    retention.register(application)
    inbox.register_jobs(application)
    inbox_rating.register_jobs(application)
    inbox_summary.register_jobs(application)
    # Last in group 0: anything no feature understood gets a short hint, not silence.
    start.register_fallbacks(application)
    # Group 1: after the features, write conversation state to the database at once.
    persistence_flush.register(application, group=1)
    errors.register(application)
    # Every job is registered: keep those of this process's roles, each behind its lease.
    jobs.assign_jobs(application, roles)
