"""/consulate: the member's consulate, with address, opening hours and phone numbers."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.deployment import Consulate, OpeningHours
from bot.i18n import Translator
from handlers import callbacks
from handlers.context import App, AppContext
from handlers.replies import esc, reply

FEATURE = "consulate"


def opening_hours(tr: Translator, spans: tuple[OpeningHours, ...]) -> list[str]:
    """One line per run of days: the days, and the hours in the member's clock (babel)."""
    lines = []
    for span in spans:
        days = tr.weekday(span.first_day)
        if span.last_day != span.first_day:
            days = tr.format("%(first)s to %(last)s", first=days, last=tr.weekday(span.last_day))
        hours = tr.format_time_range(span.opens, span.closes)
        lines.append(f"• {days}: {tr.isolate(hours)}")
    return lines


def consulate_card(tr: Translator, office: Consulate) -> str:
    return "\n".join(
        [
            f"<b>{esc(office.name_in(tr.language))}</b>",
            "",
            tr.format("Address: %(address)s", address=esc(office.address)),
            tr.format("Phone: %(phone)s", phone=esc(office.phone)),
            tr.format("Emergency number (24 hours): %(phone)s", phone=esc(office.emergency_phone)),
            "",
            tr.gettext("Opening hours (local time):"),
            *opening_hours(tr, office.opening_hours),
        ]
    )


async def show_consulate(update: Update, context: AppContext) -> None:
    """Show the member's consulate, or say how to get one."""
    if update.callback_query:
        await update.callback_query.answer()
    member = context.member
    office = context.services.deployment.consulate(member.consulate_id or "") if member else None
    if office is None:
        text = context.tr.gettext(
            "You have no consulate yet. Register with /start, or change your answers with /profile."
        )
        await reply(update, context, text)
        return
    await reply(update, context, consulate_card(context.tr, office))


def register(application: App) -> None:
    application.add_handler(CommandHandler("consulate", show_consulate))
    application.add_handler(
        CallbackQueryHandler(show_consulate, pattern=callbacks.pattern(FEATURE))
    )
