"""/predeparture: orientation topics, the note on the member's destination, and the checklist.

Anyone can read the topics; only registered members can tick checklist items (their ticks are
kept per member). Buttons carry ``v1:pd`` callback data: ``t:<topic>``, ``d`` (the note on the
member's own country), ``c`` (the checklist), ``x:<item>`` (tick or untick), nothing (the menu).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.guidance import (
    ChecklistLine,
    DestinationNote,
    GuidanceContent,
    Topic,
    UnknownChecklistItem,
)
from bot.i18n import Translator
from handlers import callbacks
from handlers.context import App, AppContext
from handlers.replies import STALE, alert, back_label, edit_or_reply, esc, reply

FEATURE = "pd"
TOPICS_PER_ROW = 2
ITEMS_PER_ROW = 5
TICKED, OPEN = "✅", "▫️"


# --- what the member sees --------------------------------------------------------------------


def menu_text(tr: Translator) -> str:
    return tr.gettext(
        "<b>Before you leave</b>\nPractical guidance for working abroad safely. Choose a topic."
    )


def menu_markup(
    tr: Translator, content: GuidanceContent, note: DestinationNote | None
) -> InlineKeyboardMarkup:
    """Topic titles two per row, then the member's destination note and the checklist."""
    buttons = [
        InlineKeyboardButton(topic.title, callback_data=callbacks.encode(FEATURE, "t", topic.id))
        for topic in content.topics
    ]
    rows = [buttons[i : i + TOPICS_PER_ROW] for i in range(0, len(buttons), TOPICS_PER_ROW)]
    if note is not None:
        rows.append([InlineKeyboardButton(f"📍 {note.title}", callback_data=data("d"))])
    rows.append([checklist_button(tr)])
    return InlineKeyboardMarkup(rows)


def checklist_button(tr: Translator) -> InlineKeyboardButton:
    return InlineKeyboardButton(tr.gettext("☑️ My checklist"), callback_data=data("c"))


def guidance_button(tr: Translator) -> InlineKeyboardButton:
    return InlineKeyboardButton(tr.gettext("🧳 Before you leave"), callback_data=data())


def back_markup(tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(back_label(tr), callback_data=data())]])


data = partial(callbacks.encode, FEATURE)


def page_text(tr: Translator, page: Topic | DestinationNote) -> str:
    """A topic or destination note: title, body, then its source and review date."""
    return "\n".join(
        [
            f"<b>{esc(page.title)}</b>",
            "",
            page.body,
            "",
            "<i>" + tr.format("Source: %(source)s", source=esc(page.source)) + "</i>",
            "<i>"
            + tr.format("Last reviewed: %(date)s", date=tr.format_date(page.last_reviewed, "long"))
            + "</i>",
        ]
    )


def checklist_text(tr: Translator, lines: list[ChecklistLine], registered: bool) -> str:
    """Progress, then every item in full, numbered: the buttons carry only the numbers."""
    done = sum(line.ticked for line in lines)
    parts = [
        tr.gettext("<b>Your checklist before you leave</b>"),
        tr.format(
            "%(done)s of %(total)s done. Tap a number below to tick or untick that item.",
            done=tr.format_number(done),
            total=tr.format_number(len(lines)),
        ),
    ]
    if not registered:
        parts.append(tr.gettext("Register with /start to tick items and keep your progress."))
    parts.append("")
    parts += [
        f"{mark(line)} {tr.format_number(number)}. {esc(line.item.text)}"
        for number, line in enumerate(lines, start=1)
    ]
    return "\n".join(parts)


def checklist_markup(tr: Translator, lines: list[ChecklistLine]) -> InlineKeyboardMarkup:
    """One short button per item (its mark and number), several to a row, so that they fit a
    phone; the item's full text is in the message."""
    buttons = [
        InlineKeyboardButton(
            f"{mark(line)} {tr.format_number(number)}", callback_data=data("x", line.item.id)
        )
        for number, line in enumerate(lines, start=1)
    ]
    rows = [buttons[i : i + ITEMS_PER_ROW] for i in range(0, len(buttons), ITEMS_PER_ROW)]
    rows.append([InlineKeyboardButton(back_label(tr), callback_data=data())])
    return InlineKeyboardMarkup(rows)


def mark(line: ChecklistLine) -> str:
    return TICKED if line.ticked else OPEN


# --- looking things up -------------------------------------------------------------------------


def content_for(context: AppContext) -> GuidanceContent:
    return context.services.guidance_for(context.tr.language)


async def destination_note(update: Update, context: AppContext) -> DestinationNote | None:
    """The note on the registered member's country (where they live or are going), if any."""
    user = update.effective_user
    if user is None or context.member is None or not context.member.registered:
        return None
    profile = await context.services.registration.profile(user.id)
    if profile is None or profile.country is None:
        return None
    return content_for(context).destination(profile.country)


async def checklist_lines(context: AppContext) -> list[ChecklistLine]:
    member = context.member
    content = content_for(context)
    if member is None or not member.registered:
        return [ChecklistLine(item, False) for item in content.checklist]
    return await context.services.checklist.lines(member.id, content)


def is_registered(context: AppContext) -> bool:
    return context.member is not None and context.member.registered


# --- callbacks -----------------------------------------------------------------------------


async def show_menu(update: Update, context: AppContext) -> None:
    """/predeparture: the topic menu."""
    markup = menu_markup(context.tr, content_for(context), await destination_note(update, context))
    await reply(update, context, menu_text(context.tr), markup)


async def offer_after_registration(update: Update, context: AppContext) -> None:
    """Offer the guidance to a member who has just registered as preparing to leave."""
    tr = context.tr
    intro = tr.gettext(
        "You are preparing to leave. Here is guidance for before you go; "
        "you can open it again at any time with /predeparture."
    )
    markup = menu_markup(tr, content_for(context), await destination_note(update, context))
    await reply(update, context, f"{intro}\n\n{menu_text(tr)}", markup)


async def on_button(update: Update, context: AppContext) -> None:
    """Any /predeparture button: every field is checked against the content and the member."""
    query = update.callback_query
    assert query is not None
    fields = callbacks.fields(query.data, FEATURE)
    action = BUTTONS.get((fields[0] if fields else "", len(fields)))
    if action is None or not await action(update, context, fields[1:]):
        await alert(update, context, context.tr.gettext(STALE))


async def menu_in_place(update: Update, context: AppContext, _fields: list[str]) -> bool:
    await answer(update)
    markup = menu_markup(context.tr, content_for(context), await destination_note(update, context))
    await edit_or_reply(update, context, menu_text(context.tr), markup)
    return True


async def topic_in_place(update: Update, context: AppContext, fields: list[str]) -> bool:
    topic = content_for(context).topic(fields[0])
    if topic is None:
        return False
    await answer(update)
    await edit_or_reply(update, context, page_text(context.tr, topic), back_markup(context.tr))
    return True


async def destination_in_place(update: Update, context: AppContext, _fields: list[str]) -> bool:
    note = await destination_note(update, context)
    if note is None:
        return False
    await answer(update)
    await edit_or_reply(update, context, page_text(context.tr, note), back_markup(context.tr))
    return True


async def checklist_in_place(update: Update, context: AppContext, _fields: list[str]) -> bool:
    await answer(update)
    await show_checklist(update, context)
    return True


async def toggle_item(update: Update, context: AppContext, fields: list[str]) -> bool:
    """Tick or untick one item; visitors are told to register instead."""
    member = context.member
    if member is None or not member.registered:
        text = context.tr.gettext(
            "Only registered members can tick items. Send /start to register."
        )
        await alert(update, context, text)
        return True
    try:
        await context.services.checklist.toggle(member.id, fields[0], datetime.now(UTC))
    except UnknownChecklistItem:
        return False
    await answer(update)
    await show_checklist(update, context)
    return True


async def show_checklist(update: Update, context: AppContext) -> None:
    lines = await checklist_lines(context)
    text = checklist_text(context.tr, lines, is_registered(context))
    await edit_or_reply(update, context, text, checklist_markup(context.tr, lines))


async def answer(update: Update) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()


BUTTONS = {
    ("", 0): menu_in_place,
    ("t", 2): topic_in_place,
    ("d", 1): destination_in_place,
    ("c", 1): checklist_in_place,
    ("x", 2): toggle_item,
}


def register(application: App) -> None:
    application.add_handler(CommandHandler("predeparture", show_menu))
    application.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(FEATURE)))
