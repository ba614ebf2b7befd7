"""/announce (staff with COMPOSE): the wizard that composes a broadcast, step by step.

category -> text in the staff member's language, then optionally other languages ("Done"
finishes; the default language is required) -> optional photo or document -> audience
(consulates and languages by name in the staff member's language, member types; "more
filters" opens a section each for countries of residence, interests, occupation groups and
regions of origin, its heading in the text and only toggles as buttons) ->
schedule (now; a date and time in the consulate's zone; a date and time in each recipient's
own zone; recurring) -> for a time in each recipient's zone that has already passed in some,
each zone's time there and the question: the next day there, or skip those zones (nothing is
sent late) -> preview (the message in each language, the planned runs, recipients per
language and the fallback as bands under the disclosure rule, and a warning for any
sensitive topic the texts mention) -> submit. The preview is packed into as few messages as
fit, Submit on the last, with the choice of a response button under the announcement ("I'm
interested", or "I'll attend", which asks how many places). The service
(broadcasts/compose.py) makes every decision.

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
from bot.i18n import Translator
from bot.registration.answers import MemberType
from broadcasts.audience import Audience
from broadcasts.compose import (
    BroadcastError,
    BroadcastRequest,
    Category,
    Preview,
    TimePassedInZones,
)
from broadcasts.labels import CATEGORY_LABELS, refusal_text
from broadcasts.payload import DeliveryKind, Media, MediaKind, Payload
from broadcasts.response_store import ResponseKind, ResponseOffer
from broadcasts.schedule import PastZones, Recurrence, Schedule
from handlers import callbacks
from handlers.broadcast_view import (
    content_blocks,
    count_lines,
    describe,
    offer_lines,
    pack,
    run_lines,
    send_messages,
    warning_lines,
    zone_line,
)
from handlers.broadcasts import ask_for_approval
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
LANGUAGES_PER_ROW = 3
RESPONSE_CHOICES = tuple(kind.value for kind in ResponseKind)
MAX_PLACES = 1_000_000
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
    PAST = 9
    ZONE = 10
    PLACES = 11


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
    """A button per "more filters" section (with how many are ticked in it), Back, Continue."""
    tr = context.tr
    rows: list[list[InlineKeyboardButton]] = []
    for action, options in more_options(context, staff).items():
        if options:
            heading = tr.gettext(MORE_HEADINGS[action])
            count = len(chosen(context, MORE_TOGGLES[action]))
            label = ticked(f"{heading} ({tr.format_number(count)})", True) if count else heading
            rows.append([button(label, "sec", action)])
    rows.append([button(tr.gettext("Back"), "back"), button(tr.gettext("Continue"), "aud")])
    return InlineKeyboardMarkup(rows)


async def ask_more_filters(update: Update, context: AppContext, staff: StaffMember) -> State:
    """The sections of further filters: countries, interests, occupation groups, regions."""
    draft(context)["page"] = "more"
    text = context.tr.gettext(
        "More filters: choose a section to tick countries of residence, interests, occupation"
        " groups or regions of origin (nothing ticked in a section means all of them), then"
        " Continue."
    )
    await edit_or_reply(update, context, text, more_markup(context, staff))
    return State.AUDIENCE


async def ask_section(
    update: Update, context: AppContext, staff: StaffMember, action: str
) -> State:
    """One "more filters" section: its heading in the text, its values as toggles."""
    tr = context.tr
    draft(context)["page"] = f"more:{action}"
    on = set(chosen(context, MORE_TOGGLES[action]))
    width = 3 if action == "ct" else 2
    options = more_options(context, staff)[action]
    toggles = [button(ticked(label, value in on), action, value) for value, label in options]
    rows = [toggles[i : i + width] for i in range(0, len(toggles), width)]
    rows.append([button(tr.gettext("Back"), "back"), button(tr.gettext("Continue"), "aud")])
    text = tr.format(
        "<b>%(heading)s</b>\nTick the ones to reach (nothing ticked means all of them), then"
        " Back for the other filters or Continue.",
        heading=esc(tr.gettext(MORE_HEADINGS[action])),
    )
    await edit_or_reply(update, context, text, InlineKeyboardMarkup(rows))
    return State.AUDIENCE


def audience_markup(context: AppContext, staff: StaffMember) -> InlineKeyboardMarkup:
    """Consulates and languages by name in the staff member's language, member types."""
    tr, current = context.tr, draft(context)
    rows = [
        [button(ticked(consulate_name(context, cid), cid in current["consulates"]), "con", cid)]
        for cid in remit(context, staff)
    ]
    rows.append(
        [
            button(ticked(tr.gettext(label), kind.value in current["types"]), "mt", kind.value)
            for kind, label in MEMBER_TYPE_LABELS.items()
        ]
    )
    languages = [
        button(ticked(tr.language_name(code), code in current["languages"]), "al", code)
        for code in context.services.languages.enabled
    ]
    rows.extend(
        languages[i : i + LANGUAGES_PER_ROW] for i in range(0, len(languages), LANGUAGES_PER_ROW)
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


def audience_consulates(context: AppContext, staff: StaffMember) -> list[str]:
    """The ticked consulates; none ticked means all the staff member may address (for staff
    of some consulates, those; for the others, every consulate: an empty list)."""
    return draft(context)["consulates"] or (remit(context, staff) if staff.consulates else [])


def zone_candidates(context: AppContext, staff: StaffMember) -> list[str]:
    """The consulates whose local time a date and time may be given in: the audience's."""
    return draft(context)["consulates"] or remit(context, staff)


def schedule_zone(context: AppContext, staff: StaffMember) -> str | None:
    """The zone for 'at' and recurring schedules: the audience's consulates' when they share
    one (so the author's own, for staff of one consulate), else the zone of the consulate
    the author chose; None until they have chosen."""
    deployment = context.services.deployment
    zones = {
        consulate.id: consulate.timezone
        for consulate in deployment.consulates
        if consulate.id in zone_candidates(context, staff)
    }
    if len(set(zones.values())) == 1:
        return next(iter(zones.values()))
    return zones.get(draft(context).get("zone_of", ""))


def consulate_name(context: AppContext, consulate_id: str) -> str:
    """A consulate's name in the staff member's language."""
    consulate = context.services.deployment.consulate(consulate_id)
    return consulate.name_in(context.tr.language) if consulate else consulate_id


async def ask_zone(update: Update, context: AppContext, staff: StaffMember) -> State:
    """The audience spans several time zones: in which consulate's time is the date given?"""
    tr = context.tr
    rows = [
        [button(consulate_name(context, consulate_id), "zone", consulate_id)]
        for consulate_id in zone_candidates(context, staff)
    ]
    rows.append([button(tr.gettext("Back"), "back"), button(tr.gettext("Cancel"), "quit")])
    text = tr.gettext(
        "The audience lives in several time zones. In which consulate's local time will you"
        " give the date and time? The preview shows it in each consulate's time."
    )
    await edit_or_reply(update, context, text, InlineKeyboardMarkup(rows))
    return State.ZONE


def build_schedule(context: AppContext, staff: StaffMember, when: datetime | None) -> Schedule:
    kind = draft(context)["when"]
    if kind == "now" or when is None:
        return Schedule.now()
    if kind == "local":
        past = draft(context).get("past")
        return Schedule.local_time(when, PastZones(past) if past else None)
    zone = schedule_zone(context, staff)
    assert zone is not None  # show_preview asks for it first
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
            consulates=audience_consulates(context, actor.staff),
            member_types=current["types"],
            languages=current["languages"],
            countries=current.get("countries", ()),
            interests=current.get("interests", ()),
            occupation_groups=current.get("occupations", ()),
            regions=current.get("regions", ()),
        ),
        schedule=build_schedule(context, actor.staff, when),
        author=actor,
        response=chosen_offer(current),
    )


def chosen_offer(current: dict[str, Any]) -> ResponseOffer | None:
    """The response button chosen on the preview, if any."""
    kind = current.get("response")
    if kind not in RESPONSE_CHOICES:
        return None
    return ResponseOffer(ResponseKind(kind), current.get("places"))


def response_rows(tr: Translator, current: dict[str, Any]) -> list[list[InlineKeyboardButton]]:
    """The preview's choice of response button: add one, or remove the one chosen."""
    if current.get("response"):
        return [[button(tr.gettext("Remove the response button"), "resp", "none")]]
    return [
        [
            button(tr.gettext('+ "I\'m interested" button'), "resp", ResponseKind.INTERESTED),
            button(tr.gettext('+ "I\'ll attend" button'), "resp", ResponseKind.ATTEND),
        ],
        [button(tr.gettext('+ "Tell me more" button'), "resp", ResponseKind.TELL_ME_MORE)],
    ]


async def ask_places(update: Update, context: AppContext) -> State:
    tr = context.tr
    text = tr.gettext("How many places? Type a number, or press No limit.")
    keyboard = InlineKeyboardMarkup([[button(tr.gettext("No limit"), "places", "none")]])
    await edit_or_reply(update, context, text, keyboard)
    return State.PLACES


def preview_text(
    context: AppContext, preview: Preview, schedule: Schedule, staff: StaffMember
) -> str:
    """When, to how many (bands), and the warnings."""
    tr, deployment = context.tr, context.services.deployment
    runs = [(run.due_at, run.zone, run.consulates) for run in preview.runs]
    lines = [tr.gettext("<b>Preview</b>")]
    zone = deployment.shared_zone(staff.consulates)
    lines += run_lines(tr, deployment, schedule, runs, zone, preview.zones)
    lines += count_lines(tr, preview.counts, preview.default_language)
    lines += warning_lines(tr, preview.warnings)
    return "\n".join(lines)


async def show_preview(update: Update, context: AppContext, staff: StaffMember) -> State:
    """Show the message in each language, the counts, and Submit."""
    tr, service = context.tr, context.services.broadcasts
    if needs_zone(context) and schedule_zone(context, staff) is None:
        return await ask_zone(update, context, staff)
    request = build_request(context, await context.acting(update))
    try:
        preview = await service.preview(request, datetime.now(UTC))
    except TimePassedInZones as passed:
        return await ask_past_zones(update, context, passed)
    except BroadcastError as exc:
        notice = tr.gettext("That will not work: %(reason)s") % {
            "reason": esc(refusal_text(tr, exc))
        }
        await reply(update, context, notice)
        return await ask_schedule(update, context)
    chat = update.effective_chat
    assert chat is not None
    payloads = [preview.payloads[code] for code in sorted(preview.payloads)]
    blocks = content_blocks(tr, payloads, own_way_first=False)  # then the summary, Submit
    summary = "\n".join(
        [
            preview_text(context, preview, request.schedule, staff),
            *offer_lines(tr, request.response),
        ]
    )
    rows = [
        *response_rows(tr, draft(context)),
        [button(tr.gettext("Submit"), "submit"), button(tr.gettext("Cancel"), "quit")],
    ]
    await send_messages(
        context.bot, chat.id, pack([*blocks, tr.direction(summary)]), InlineKeyboardMarkup(rows)
    )
    return State.PREVIEW


async def ask_past_zones(update: Update, context: AppContext, passed: TimePassedInZones) -> State:
    """Each zone's time there, those already past marked: the next day there, or skip them?"""
    tr, deployment = context.tr, context.services.deployment
    late = {run.zone for run in passed.passed}
    lines = [tr.gettext("<b>That time has already passed in some places</b>")]
    lines += [
        zone_line(
            tr,
            deployment,
            run.due_at,
            run.zone,
            run.consulates,
            tr.gettext("already passed") if run.zone in late else "",
        )
        for run in sorted(passed.runs, key=lambda run: run.due_at)
    ]
    lines.append(
        tr.gettext(
            "Nothing is sent late. Should it go out there the next day at the same time, or not"
            " at all?"
        )
    )
    rows = [
        [button(tr.gettext("The next day there"), "past", PastZones.NEXT_DAY.value)],
        [button(tr.gettext("Skip those places"), "past", PastZones.SKIP.value)],
        [button(tr.gettext("Change the time"), "retime"), button(tr.gettext("Cancel"), "quit")],
    ]
    await reply(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))
    return State.PAST


def needs_zone(context: AppContext) -> bool:
    """Whether the chosen schedule is given in a consulate's time (at, recurring)."""
    return draft(context).get("when") not in (None, "now", "local")


async def submit(update: Update, context: AppContext, staff: StaffMember) -> object:
    """Store the broadcast; ask approvers when it needs approval."""
    tr, services = context.tr, context.services
    actor = await context.acting(update)
    try:
        created = await services.broadcasts.create(build_request(context, actor), datetime.now(UTC))
    except TimePassedInZones as passed:  # more zones passed since the preview
        return await ask_past_zones(update, context, passed)
    except BroadcastError as exc:
        await edit_or_reply(
            update,
            context,
            tr.gettext("Not saved: %(reason)s") % {"reason": esc(refusal_text(tr, exc))},
        )
        return await ask_schedule(update, context)
    draft(context).clear()
    lines = [describe(tr, services.deployment, created.broadcast), *map(esc, created.notes)]
    if created.needs_approval:
        lines.append(await ask_for_approval(context.bot, services, tr, created.broadcast, actor))
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
        for key in ("at", "past", "zone_of"):
            current.pop(key, None)
        if value == "now":
            return await show_preview(update, context, staff)
        if needs_zone(context) and schedule_zone(context, staff) is None:
            return await ask_zone(update, context, staff)
        return await ask_when(update, context, staff)
    if state is State.ZONE and action == "zone" and value in zone_candidates(context, staff):
        current["zone_of"] = value
        return await ask_when(update, context, staff)
    if state is State.ZONE and action == "back":
        return await ask_schedule(update, context)
    if state is State.PAST and action == "past" and value in set(PastZones):
        current["past"] = value
        return await show_preview(update, context, staff)
    if state is State.PAST and action == "retime":
        return await ask_when(update, context, staff)
    if state is State.PREVIEW and action == "submit":
        return await submit(update, context, staff)
    if state is State.PREVIEW and action == "resp" and value in ("none", *RESPONSE_CHOICES):
        current.pop("places", None)
        current["response"] = value if value != "none" else None
        if value == ResponseKind.ATTEND:
            return await ask_places(update, context)
        return await show_preview(update, context, staff)
    if state is State.PLACES and action == "places" and value == "none":
        return await show_preview(update, context, staff)
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
        return await ask_section(update, context, staff, action)
    if action == "sec" and value in MORE_TOGGLES:
        return await ask_section(update, context, staff, value)
    # "Back" goes up a screen; "more", or a refused button, shows (again) the screen it is on.
    page = "" if action in toggles else current.get("page") or ""
    if action == "back":
        page = "more" if page.startswith("more:") else ""
    elif action == "more":
        page = "more"
    if page.startswith("more:") and page[5:] in MORE_TOGGLES:
        return await ask_section(update, context, staff, page[5:])
    if page == "more":
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
            "zone": esc(schedule_zone(context, staff) or "")
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
        current.pop("past", None)  # a new time: ask again where it has passed
        return await show_preview(update, context, staff)
    if state is State.PLACES:
        places = (message.text or "").strip()
        if not places.isdigit() or not 0 < int(places) <= MAX_PLACES:
            await reply(update, context, context.tr.gettext("Please type a whole number."))
            return State.PLACES
        current["places"] = int(places)
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
