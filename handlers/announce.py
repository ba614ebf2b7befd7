"""/announce (staff with COMPOSE): the wizard that composes a broadcast, step by step.

category -> text in the staff member's language, then optionally other languages ("Done"
finishes; the default language is required) -> optional photo or document -> audience
(consulates within the staff member's remit, member types, languages; a "more filters"
screen adds countries of residence, interests, occupation groups and regions of origin) ->
schedule (now; a date and time in the consulate's zone; a date and time in each recipient's
own zone; recurring) -> preview (the message in each language, the planned runs in the
author's zone, recipients per language and the fallback as bands under the disclosure rule,
and a warning for any sensitive topic the texts mention) -> submit. The preview is packed into
as few messages as fit, Submit on the last. The service (broadcasts/compose.py) makes every
decision.

A persistent ConversationHandler: the draft lives in user_data (written after every update),
so a restart resumes the wizard. Buttons are ``v1:ann:<step>:<value>``, every value re-checked.
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from enum import IntEnum
from functools import partial
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.access import Actor, Permission, StaffMember
from bot.registration.answers import MemberType
from broadcasts.audience import Audience
from broadcasts.compose import BroadcastError, BroadcastRequest, Category, Preview
from broadcasts.labels import CATEGORY_LABELS
from broadcasts.payload import DeliveryKind, Media, MediaKind, Payload
from broadcasts.schedule import Recurrence, Schedule
from handlers import callbacks
from handlers.broadcast_view import (
    content_blocks,
    count_lines,
    describe,
    pack,
    run_lines,
    send_messages,
    viewer_zone,
    warning_lines,
)
from handlers.broadcasts import notify_approvers
from handlers.context import App, AppContext
from handlers.registration import labels
from handlers.registration.flow import Step
from handlers.registration.questions import FIELD_NAMES
from handlers.replies import edit_or_reply, esc, reply
from handlers.staff import current_staff

FEATURE = "ann"
DRAFT = "announce"
END = ConversationHandler.END
WHEN_FORMAT = "%Y-%m-%d %H:%M"
MEMBER_TYPE_LABELS = labels.MEMBER_TYPE_NAMES
#: The audience filters kept in the draft, each a sorted list of ticked values.
FILTER_KEYS = (
    "consulates",
    "types",
    "languages",
    "countries",
    "interests",
    "occupations",
    "regions",
)
#: The toggles on the "more filters" screen: button action -> draft key.
MORE_TOGGLES = {"ct": "countries", "int": "interests", "occ": "occupations", "reg": "regions"}


class State(IntEnum):
    CATEGORY = 1
    TEXT = 2
    LANGUAGES = 3
    MEDIA = 4
    AUDIENCE = 5
    SCHEDULE = 6
    WHEN = 7
    PREVIEW = 8


data = partial(callbacks.encode, FEATURE)
button = partial(callbacks.button, FEATURE)


def draft(context: AppContext) -> dict[str, Any]:
    assert context.user_data is not None
    found: dict[str, Any] = context.user_data.setdefault(DRAFT, {})
    return found


# --- steps ----------------------------------------------------------------------------------


async def start(update: Update, context: AppContext) -> State:
    """Begin a new broadcast: choose its category."""
    await current_staff(update, context, Permission.COMPOSE)
    assert context.user_data is not None
    context.user_data[DRAFT] = {"texts": {}, **{key: [] for key in FILTER_KEYS}}
    tr = context.tr
    rows = [[button(tr.gettext(label), "cat", c.value)] for c, label in CATEGORY_LABELS.items()]
    rows.append([button(tr.gettext("Cancel"), "quit")])
    text = tr.gettext("<b>New broadcast</b>\nWhat kind of announcement is it?")
    await reply(update, context, text, InlineKeyboardMarkup(rows))
    return State.CATEGORY


async def ask_text(update: Update, context: AppContext, language: str) -> State:
    draft(context)["pending"] = language
    tr = context.tr
    text = tr.gettext("Send the text in %(language)s (formatting is kept).") % {
        "language": esc(tr.language_name(language))
    }
    await edit_or_reply(update, context, text)
    return State.TEXT


async def ask_languages(update: Update, context: AppContext) -> State:
    tr, services, texts = context.tr, context.services, draft(context)["texts"]
    missing = [code for code in services.languages.enabled if code not in texts]
    rows = [[button(tr.language_name(code), "lang", code)] for code in missing]
    rows.append([button(tr.gettext("Done"), "done")])
    have = ", ".join(tr.language_name(code) for code in texts)
    text = tr.gettext("Saved. Texts so far: %(have)s.\nAdd another language, or press Done.") % {
        "have": esc(have)
    }
    await reply(update, context, text, InlineKeyboardMarkup(rows))
    return State.LANGUAGES


async def ask_media(update: Update, context: AppContext) -> State:
    tr = context.tr
    text = tr.gettext("Send a photo or a document to attach, or press Skip.")
    await edit_or_reply(
        update, context, text, InlineKeyboardMarkup([[button(tr.gettext("Skip"), "skip")]])
    )
    return State.MEDIA


def remit(context: AppContext, staff: StaffMember) -> list[str]:
    """The consulates this staff member may address."""
    return [
        c.id
        for c in context.services.deployment.consulates
        if not staff.consulates or c.id in staff.consulates
    ]


def remit_countries(context: AppContext, staff: StaffMember) -> list[str]:
    """The countries in the jurisdictions of the consulates this staff member may address."""
    mine = set(remit(context, staff))
    found = {
        country
        for c in context.services.deployment.consulates
        if c.id in mine
        for country in c.jurisdiction
    }
    return sorted(found)


def chosen(context: AppContext, key: str) -> list[str]:
    """A filter's ticked values (a draft from before a filter existed has none)."""
    values: list[str] = draft(context).setdefault(key, [])
    return values


def ticked(label: str, on: bool) -> str:
    return f"☑️ {label}" if on else label


def more_options(context: AppContext, staff: StaffMember) -> dict[str, list[tuple[str, str]]]:
    """Each "more filters" toggle's allowed (value, label) pairs, in display order."""
    tr = context.tr
    return {
        "ct": [(code, tr.country(code)) for code in remit_countries(context, staff)],
        "int": [(kind.value, tr.gettext(label)) for kind, label in labels.INTERESTS.items()],
        "occ": [(kind.value, tr.gettext(label)) for kind, label in labels.OCCUPATIONS.items()],
        "reg": [(r.id, r.name_in(tr.language)) for r in context.services.deployment.regions],
    }


MORE_HEADINGS = {
    "ct": FIELD_NAMES[Step.COUNTRY],
    "int": FIELD_NAMES[Step.INTERESTS],
    "occ": FIELD_NAMES[Step.OCCUPATION],
    "reg": FIELD_NAMES[Step.REGION],
}


def more_markup(context: AppContext, staff: StaffMember) -> InlineKeyboardMarkup:
    """Countries, interests, occupation groups and regions, two or three to a row."""
    tr = context.tr
    rows: list[list[InlineKeyboardButton]] = []
    for action, options in more_options(context, staff).items():
        if not options:
            continue
        # The heading button only redraws this screen.
        rows.append([button(f"— {tr.gettext(MORE_HEADINGS[action])} —", "more")])
        on = set(chosen(context, MORE_TOGGLES[action]))
        width = 3 if action == "ct" else 2
        section = [button(ticked(label, value in on), action, value) for value, label in options]
        rows.extend(section[i : i + width] for i in range(0, len(section), width))
    rows.append([button(tr.gettext("Back"), "back"), button(tr.gettext("Continue"), "aud")])
    return InlineKeyboardMarkup(rows)


async def ask_more_filters(update: Update, context: AppContext, staff: StaffMember) -> State:
    draft(context)["page"] = "more"
    text = context.tr.gettext(
        "More filters: tick countries of residence, interests, occupation groups and regions "
        "of origin (nothing ticked in a section means all of them), then Continue."
    )
    await edit_or_reply(update, context, text, more_markup(context, staff))
    return State.AUDIENCE


def audience_markup(context: AppContext, staff: StaffMember) -> InlineKeyboardMarkup:
    tr, current = context.tr, draft(context)
    rows = [
        [button(ticked(cid, cid in current["consulates"]), "con", cid)]
        for cid in remit(context, staff)
    ]
    rows.append(
        [
            button(ticked(tr.gettext(label), kind.value in current["types"]), "mt", kind.value)
            for kind, label in MEMBER_TYPE_LABELS.items()
        ]
    )
    rows.append(
        [
            button(ticked(code, code in current["languages"]), "al", code)
            for code in context.services.languages.enabled
        ]
    )
    rows.append([button(tr.gettext("More filters"), "more"), button(tr.gettext("Continue"), "aud")])
    return InlineKeyboardMarkup(rows)


async def ask_audience(update: Update, context: AppContext, staff: StaffMember) -> State:
    draft(context).pop("page", None)
    text = context.tr.gettext(
        "Who should receive it? Tick consulates, member types and languages "
        "(nothing ticked in a row means all of them), then Continue."
    )
    await edit_or_reply(update, context, text, audience_markup(context, staff))
    return State.AUDIENCE


async def ask_schedule(update: Update, context: AppContext) -> State:
    tr = context.tr
    rows = [
        [button(tr.gettext("Now"), "when", "now")],
        [button(tr.gettext("At a date and time (consulate's time zone)"), "when", "at")],
        [button(tr.gettext("At a time in each recipient's own time zone"), "when", "local")],
        [
            button(tr.gettext("Daily"), "when", "daily"),
            button(tr.gettext("Weekly"), "when", "weekly"),
            button(tr.gettext("Monthly"), "when", "monthly"),
        ],
    ]
    await edit_or_reply(
        update, context, tr.gettext("When should it go out?"), InlineKeyboardMarkup(rows)
    )
    return State.SCHEDULE


def schedule_zone(context: AppContext, staff: StaffMember) -> str:
    """The consulate zone for 'at' and recurring schedules: the first chosen consulate's."""
    chosen = draft(context)["consulates"] or remit(context, staff)
    consulate = context.services.deployment.consulate(sorted(chosen)[0])
    assert consulate is not None
    return consulate.timezone


def build_schedule(context: AppContext, staff: StaffMember, when: datetime | None) -> Schedule:
    kind = draft(context)["when"]
    if kind == "now" or when is None:
        return Schedule.now()
    if kind == "local":
        return Schedule.local_time(when)
    zone = schedule_zone(context, staff)
    if kind == "at":
        return Schedule.at(when, zone)
    return Schedule.recurring(Recurrence(kind), when, zone)


def build_request(context: AppContext, actor: Actor) -> BroadcastRequest:
    current = draft(context)
    media = None
    if current.get("media"):
        media = Media(MediaKind(current["media"][0]), file_id=current["media"][1])
    payloads = [
        Payload(language, text=text, media=media) for language, text in current["texts"].items()
    ]
    when = datetime.fromisoformat(current["at"]) if current.get("at") else None
    assert actor.staff is not None
    return BroadcastRequest(
        kind=DeliveryKind.MESSAGE,
        category=Category(current["category"]),
        payloads=payloads,
        audience=Audience.of(
            consulates=current["consulates"],
            member_types=current["types"],
            languages=current["languages"],
            countries=current.get("countries", ()),
            interests=current.get("interests", ()),
            occupation_groups=current.get("occupations", ()),
            regions=current.get("regions", ()),
        ),
        schedule=build_schedule(context, actor.staff, when),
        author=actor,
    )


def preview_text(
    context: AppContext, preview: Preview, schedule: Schedule, staff: StaffMember
) -> str:
    """When, to how many (bands), and the warnings."""
    tr, deployment = context.tr, context.services.deployment
    runs = [(run.due_at, run.zone, run.consulates) for run in preview.runs]
    lines = [tr.gettext("<b>Preview</b>")]
    lines += run_lines(tr, deployment, schedule, runs, viewer_zone(deployment, staff))
    lines += count_lines(tr, preview.counts, preview.default_language)
    lines += warning_lines(tr, preview.warnings)
    return "\n".join(lines)


async def show_preview(update: Update, context: AppContext, staff: StaffMember) -> State:
    """Show the message in each language, the counts, and Submit."""
    tr, service = context.tr, context.services.broadcasts
    request = build_request(context, await context.acting(update))
    try:
        preview = await service.preview(request, datetime.now(UTC))
    except BroadcastError as exc:
        notice = tr.gettext("That will not work: %(reason)s") % {"reason": esc(exc)}
        await reply(update, context, notice)
        return await ask_schedule(update, context)
    chat = update.effective_chat
    assert chat is not None
    payloads = [preview.payloads[code] for code in sorted(preview.payloads)]
    blocks = content_blocks(tr, payloads, own_way_first=False)  # then the summary, Submit
    summary = preview_text(context, preview, request.schedule, staff)
    rows = [[button(tr.gettext("Submit"), "submit"), button(tr.gettext("Cancel"), "quit")]]
    await send_messages(
        context.bot, chat.id, pack([*blocks, tr.direction(summary)]), InlineKeyboardMarkup(rows)
    )
    return State.PREVIEW


async def submit(update: Update, context: AppContext, staff: StaffMember) -> object:
    """Store the broadcast; ask approvers when it needs approval."""
    tr, services = context.tr, context.services
    try:
        created = await services.broadcasts.create(
            build_request(context, await context.acting(update)), datetime.now(UTC)
        )
    except BroadcastError as exc:
        await edit_or_reply(
            update, context, tr.gettext("Not saved: %(reason)s") % {"reason": esc(exc)}
        )
        return await ask_schedule(update, context)
    draft(context).clear()
    lines = [describe(tr, services.deployment, created.broadcast), *map(esc, created.notes)]
    if created.needs_approval:
        told = await notify_approvers(context.bot, services, created.broadcast)
        lines.append(
            tr.ngettext(
                "Sent for approval to %(count)s staff member.",
                "Sent for approval to %(count)s staff members.",
                told,
            )
            % {"count": tr.format_number(told)}
        )
    await edit_or_reply(update, context, "\n".join(lines))
    return END


# --- input ------------------------------------------------------------------------------------


async def on_button(update: Update, context: AppContext, state: State) -> object:
    """Every wizard button: re-check the data against the state and the staff member."""
    query = update.callback_query
    assert query is not None
    staff = await current_staff(update, context, Permission.COMPOSE)
    await query.answer()
    fields = callbacks.fields(query.data, FEATURE)
    action, value = [*fields, "", ""][:2]
    if action == "quit":
        draft(context).clear()
        await edit_or_reply(update, context, context.tr.gettext("Broadcast discarded."))
        return END
    return await on_step_button(update, context, staff, state, action, value)


async def on_step_button(
    update: Update, context: AppContext, staff: StaffMember, state: State, action: str, value: str
) -> object:
    current, services = draft(context), context.services
    if state is State.CATEGORY and action == "cat" and value in set(Category):
        current["category"] = value
        first = (
            context.tr.language
            if context.tr.language in services.languages.enabled
            else services.languages.default
        )
        return await ask_text(update, context, first)
    if state is State.LANGUAGES and action == "lang" and value in services.languages.enabled:
        return await ask_text(update, context, value)
    if state is State.LANGUAGES and action == "done":
        if services.languages.default not in current["texts"]:
            await reply(
                update,
                context,
                context.tr.gettext("The text in %(language)s is needed too.")
                % {"language": esc(context.tr.language_name(services.languages.default))},
            )
            return await ask_text(update, context, services.languages.default)
        return await ask_media(update, context)
    if state is State.MEDIA and action == "skip":
        current.pop("media", None)
        return await ask_audience(update, context, staff)
    if state is State.AUDIENCE:
        return await on_audience_button(update, context, staff, action, value)
    if (
        state is State.SCHEDULE
        and action == "when"
        and value in {"now", "at", "local", *Recurrence}
    ):
        current["when"] = value
        current.pop("at", None)
        if value == "now":
            return await show_preview(update, context, staff)
        return await ask_when(update, context, staff)
    if state is State.PREVIEW and action == "submit":
        return await submit(update, context, staff)
    return state  # a stale or forged button: ignored


async def on_audience_button(
    update: Update, context: AppContext, staff: StaffMember, action: str, value: str
) -> object:
    current, services = draft(context), context.services
    toggles = {
        "con": ("consulates", set(remit(context, staff))),
        "mt": ("types", {kind.value for kind in MemberType}),
        "al": ("languages", set(services.languages.enabled)),
    }
    if action == "aud":
        current.pop("page", None)
        return await ask_schedule(update, context)
    if action in toggles and value in toggles[action][1]:
        key = toggles[action][0]
        current[key] = sorted(set(current[key]) ^ {value})
    if action in MORE_TOGGLES:
        allowed = {value for value, _ in more_options(context, staff)[action]}
        if value in allowed:  # forged or stale values are refused
            key = MORE_TOGGLES[action]
            current[key] = sorted(set(chosen(context, key)) ^ {value})
        return await ask_more_filters(update, context, staff)
    # "more" (or a refused button while on that screen) shows it; "back" returns to the first.
    if action == "more" or (action not in toggles and action != "back" and current.get("page")):
        return await ask_more_filters(update, context, staff)
    return await ask_audience(update, context, staff)


async def ask_when(update: Update, context: AppContext, staff: StaffMember) -> State:
    tr, kind = context.tr, draft(context)["when"]
    if kind == "local":
        text = tr.gettext(
            "Type the date and time as YYYY-MM-DD HH:MM; each recipient gets it at that time "
            "where they live."
        )
    else:
        text = tr.gettext("Type the date and time as YYYY-MM-DD HH:MM (time zone %(zone)s).") % {
            "zone": esc(schedule_zone(context, staff))
        }
    await edit_or_reply(update, context, text)
    return State.WHEN


async def on_text(update: Update, context: AppContext, state: State) -> object:
    """Typed input: a text in the pending language, or the date and time."""
    message = update.effective_message
    staff = await current_staff(update, context, Permission.COMPOSE)
    assert message is not None
    current = draft(context)
    if state is State.TEXT and current.get("pending"):
        current["texts"][current.pop("pending")] = message.text_html
        return await ask_languages(update, context)
    if state is State.WHEN:
        try:
            when = datetime.strptime((message.text or "").strip(), WHEN_FORMAT)
        except ValueError:
            await reply(
                update,
                context,
                context.tr.gettext(
                    "Please type it as YYYY-MM-DD HH:MM, for example 2027-03-28 10:00."
                ),
            )
            return State.WHEN
        current["at"] = when.isoformat()
        return await show_preview(update, context, staff)
    await reply(update, context, context.tr.gettext("Please use the buttons, or /cancel."))
    return state


async def on_media(update: Update, context: AppContext) -> object:
    """A photo or document to attach (kept by Telegram file id)."""
    message = update.effective_message
    staff = await current_staff(update, context, Permission.COMPOSE)
    assert message is not None
    if message.photo:
        draft(context)["media"] = [MediaKind.PHOTO.value, message.photo[-1].file_id]
    elif message.document:
        draft(context)["media"] = [MediaKind.DOCUMENT.value, message.document.file_id]
    return await ask_audience(update, context, staff)


async def cancel(update: Update, context: AppContext) -> object:
    """Leave the wizard; nothing is kept."""
    draft(context).clear()
    await reply(update, context, context.tr.gettext("Broadcast discarded."))
    return END


def state_handlers(state: State) -> list[BaseHandler[Update, AppContext, object]]:
    found: list[BaseHandler[Update, AppContext, object]] = [
        CallbackQueryHandler(partial(on_button, state=state), pattern=callbacks.pattern(FEATURE)),
        MessageHandler(filters.TEXT & ~filters.COMMAND, partial(on_text, state=state)),
    ]
    if state is State.MEDIA:
        found.append(MessageHandler(filters.PHOTO | filters.Document.ALL, on_media))
    return found


def conversation() -> ConversationHandler[AppContext]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        return ConversationHandler(
            entry_points=[CommandHandler("announce", start, filters=filters.ChatType.PRIVATE)],
            states={state: state_handlers(state) for state in State},
            fallbacks=[CommandHandler("cancel", cancel), CommandHandler("announce", start)],
            name="announce",
            persistent=True,
        )


def register(application: App) -> None:
    application.bot_data.access.require(
        Permission.COMPOSE, commands=("announce",), features=(FEATURE,)
    )
    application.add_handler(conversation())
