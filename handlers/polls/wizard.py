"""/poll alone (staff with COMPOSE, private chat): the wizard that builds a fuller poll.

mode (segmented / anonymous) -> single or multiple choice -> question in the staff member's
language -> options (typed one per message, or one per line; "Done" once there are two) ->
optionally the same question and options in other enabled languages -> audience (everyone in
the staff member's consulates, or chosen consulates and member types) -> closing time (24 h,
3 days, 7 days, or a typed date and time in the consulate's zone) -> summary with the
recipients per language and the fallback as bands under the disclosure rule -> Submit, which
goes through ``PollService`` like the quick form (so the approval policy applies). Back and
Cancel on every step. A question or option naming one of the deployment's sensitive topics
(bot/sensitive.py) is refused as soon as it is typed, with the topic named; ``PollService``
refuses it again at Submit whatever the route.

The rules live in ``polls.wizard`` (``PollSketch``); this module only translates. A
persistent ConversationHandler: the sketch lives in user_data, so a restart resumes the
wizard. Buttons are ``v1:pw:<action>:<value>``, every value re-checked against the state and
the staff member, who is re-read at every step.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from enum import IntEnum
from functools import partial
from zoneinfo import ZoneInfo

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

from bot.access import Permission, StaffMember
from bot.i18n import N_, Translator
from bot.registration.answers import MemberType
from bot.sensitive import SensitiveQuestion
from broadcasts.payload import MAX_POLL_OPTIONS
from handlers import callbacks
from handlers.broadcast_view import count_lines, sensitive_refusal
from handlers.context import App, AppContext
from handlers.polls.create import publish
from handlers.polls.texts import problem_text
from handlers.registration import labels
from handlers.replies import edit_or_reply, esc, reply
from handlers.staff import current_staff
from polls.drafting import Problem
from polls.publishing import PublishState
from polls.service import CreatedPoll
from polls.wizard import (
    ANONYMOUS,
    CLOSING_CHOICES,
    CLOSING_FORMAT,
    SEGMENTED,
    PollSketch,
    parse_closing,
    split_options,
)

FEATURE = "pw"
DRAFT = "poll_wizard"
PENDING = "poll_wizard_language"
END = ConversationHandler.END

MODE_LABELS = {
    SEGMENTED: N_("Segmented"),
    ANONYMOUS: N_("Anonymous"),
}
CLOSING_LABELS = {
    "24h": N_("24 hours"),
    "3d": N_("3 days"),
    "7d": N_("7 days"),
}


class State(IntEnum):
    MODE = 1
    CHOICE = 2
    QUESTION = 3
    OPTIONS = 4
    LANGUAGES = 5
    AUDIENCE = 6
    CLOSING = 7
    SUMMARY = 8


data = partial(callbacks.encode, FEATURE)
button = partial(callbacks.button, FEATURE)


def navigation(tr: Translator, back: bool = True) -> list[InlineKeyboardButton]:
    row = [button(tr.gettext("Back"), "back")] if back else []
    return [*row, button(tr.gettext("Cancel"), "quit")]


def sketch(context: AppContext) -> PollSketch:
    assert context.user_data is not None
    return PollSketch.from_data(context.user_data[DRAFT])


def save(context: AppContext, current: PollSketch) -> None:
    assert context.user_data is not None
    context.user_data[DRAFT] = current.to_data()


def forget(context: AppContext) -> None:
    assert context.user_data is not None
    context.user_data.pop(DRAFT, None)
    context.user_data.pop(PENDING, None)


def remit(context: AppContext, staff: StaffMember) -> list[str]:
    """The consulates this staff member may address."""
    return [
        c.id
        for c in context.services.deployment.consulates
        if not staff.consulates or c.id in staff.consulates
    ]


def problems_text(tr: Translator, problems: list[Problem]) -> str:
    return "\n".join(problem_text(tr, problem) for problem in problems)


# --- steps ----------------------------------------------------------------------------------


async def start(update: Update, context: AppContext) -> object:
    """Begin a new poll: choose its mode."""
    await current_staff(update, context, Permission.COMPOSE)
    languages = context.services.languages
    own = context.tr.language
    save(context, PollSketch(own if own in languages.enabled else languages.default))
    return await ask_mode(update, context)


async def ask_mode(update: Update, context: AppContext) -> State:
    tr = context.tr
    text = "\n".join(
        [
            tr.gettext("<b>New poll</b>\nHow should answers be counted?"),
            tr.gettext(
                "Segmented: while the poll is open, each answer is linked to the member's"
                " profile, so results can be broken down by consulate, country, member type,"
                " age band, gender and language. When it closes, only the published totals"
                " remain, linked to no one."
            ),
            tr.gettext(
                "Anonymous: Telegram reports counts, not names; results show totals and a"
                " breakdown by language. When it closes, only the published totals remain."
            ),
        ]
    )
    rows = [[button(tr.gettext(label), "mode", mode)] for mode, label in MODE_LABELS.items()]
    rows.append(navigation(tr, back=False))
    await edit_or_reply(update, context, text, InlineKeyboardMarkup(rows))
    return State.MODE


async def ask_choice(update: Update, context: AppContext) -> State:
    tr = context.tr
    rows = [
        [button(tr.gettext("Single choice"), "choice", "single")],
        [button(tr.gettext("Multiple choice"), "choice", "multiple")],
        navigation(tr),
    ]
    text = tr.gettext("May members choose one answer, or several?")
    await edit_or_reply(update, context, text, InlineKeyboardMarkup(rows))
    return State.CHOICE


def set_pending(context: AppContext, language: str) -> None:
    """The language the question and options being typed are in."""
    assert context.user_data is not None
    context.user_data[PENDING] = language


async def ask_question(update: Update, context: AppContext, language: str) -> State:
    set_pending(context, language)
    tr = context.tr
    text = tr.gettext("Send the question in %(language)s.") % {
        "language": esc(tr.language_name(language))
    }
    await edit_or_reply(update, context, text, InlineKeyboardMarkup([navigation(tr)]))
    return State.QUESTION


def pending_language(context: AppContext) -> str | None:
    assert context.user_data is not None
    found = context.user_data.get(PENDING)
    return str(found) if found else None


async def ask_options(update: Update, context: AppContext, current: PollSketch) -> State:
    tr, language = context.tr, pending_language(context) or current.base_language
    have = current.options.get(language, [])
    lines = [f"{index}. {esc(text)}" for index, text in enumerate(have, start=1)]
    if language == current.base_language:
        lines.append(
            tr.gettext(
                "Send the options in %(language)s: one per message, or one message with one"
                " option per line (2 to 12, each up to 100 characters)."
            )
            % {"language": esc(tr.language_name(language))}
        )
    else:
        lines.append(
            tr.ngettext(
                "Send the %(count)s option in %(language)s, in the same order: one per"
                " message, or one message with one option per line.",
                "Send the %(count)s options in %(language)s, in the same order: one per"
                " message, or one message with one option per line.",
                current.option_count,
            )
            % {
                "count": tr.format_number(current.option_count),
                "language": esc(tr.language_name(language)),
            }
        )
    rows = []
    if current.may_finish_options(language):
        rows.append([button(tr.gettext("Done"), "done")])
    rows.append(navigation(tr))
    await reply(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))
    return State.OPTIONS


async def ask_languages(update: Update, context: AppContext, current: PollSketch) -> State:
    tr = context.tr
    have = [current.base_language, *current.translations]
    missing = [code for code in context.services.languages.enabled if code not in have]
    rows = [[button(tr.language_name(code), "lang", code)] for code in missing]
    rows.append([button(tr.gettext("Continue"), "langs")])
    rows.append(navigation(tr))
    text = tr.gettext(
        "Texts so far: %(have)s.\nAdd the question and options in another language, or"
        " Continue (members in other languages see the %(base)s text)."
    ) % {
        "have": esc(", ".join(tr.language_name(code) for code in have)),
        "base": esc(tr.language_name(current.base_language)),
    }
    await reply(update, context, text, InlineKeyboardMarkup(rows))
    return State.LANGUAGES


async def ask_audience(
    update: Update, context: AppContext, staff: StaffMember, current: PollSketch
) -> State:
    tr = context.tr

    def ticked(label: str, on: bool) -> str:
        return f"☑️ {label}" if on else label

    deployment = context.services.deployment
    rows = [[button(tr.gettext("Everyone in my consulates"), "aud", "all")]]
    for cid in remit(context, staff):
        consulate = deployment.consulate(cid)
        name = consulate.name_in(tr.language) if consulate else cid
        rows.append([button(ticked(name, cid in current.consulates), "con", cid)])
    rows.append(
        [
            button(ticked(tr.gettext(label), kind.value in current.member_types), "mt", kind.value)
            for kind, label in labels.MEMBER_TYPE_NAMES.items()
        ]
    )
    rows.append([button(tr.gettext("Continue"), "aud", "go")])
    rows.append(navigation(tr))
    text = tr.gettext(
        "Who should be asked? Everyone in your consulates, or tick consulates and member types"
        " (nothing ticked in a row means all of them), then Continue."
    )
    await edit_or_reply(update, context, text, InlineKeyboardMarkup(rows))
    return State.AUDIENCE


def closing_zone(context: AppContext, staff: StaffMember, current: PollSketch) -> str:
    """The zone a typed closing time is read in: the first chosen consulate's."""
    chosen = current.consulates or remit(context, staff)
    consulate = context.services.deployment.consulate(sorted(chosen)[0])
    assert consulate is not None
    return consulate.timezone


async def ask_closing(
    update: Update, context: AppContext, staff: StaffMember, current: PollSketch
) -> State:
    tr = context.tr
    rows = [[button(tr.gettext(label), "close", key) for key, label in CLOSING_LABELS.items()]]
    rows.append(navigation(tr))
    text = tr.gettext(
        "When should the poll close? Choose, or type a date and time as YYYY-MM-DD HH:MM"
        " (time zone %(zone)s, at most 30 days ahead)."
    ) % {"zone": esc(closing_zone(context, staff, current))}
    await edit_or_reply(update, context, text, InlineKeyboardMarkup(rows))
    return State.CLOSING


async def show_summary(
    update: Update, context: AppContext, staff: StaffMember, current: PollSketch
) -> State:
    """The poll in each language, the recipients per language, and Submit."""
    tr, services = context.tr, context.services
    assert update.effective_user is not None and current.closes_at is not None
    draft = current.draft(sorted(staff.consulates), update.effective_user.id, datetime.now(UTC))
    counts = await services.polls.preview(draft, await context.acting(update))
    lines = [
        tr.gettext("<b>Summary</b>"),
        tr.gettext("Mode: %(mode)s") % {"mode": esc(tr.gettext(MODE_LABELS[draft.mode]))},
        tr.gettext("Multiple choice") if draft.allows_multiple else tr.gettext("Single choice"),
    ]
    for language in draft.questions:
        lines.append("")
        lines.append(f"[{esc(language)}] <b>{esc(draft.questions[language])}</b>")
        lines += [f"• {esc(text)}" for text in draft.options_in(language)]
    lines.append("")
    lines += count_lines(tr, counts, draft.base_language)
    lines.insert(
        3, tr.gettext("Closes: %(when)s") % {"when": esc(local_time(context, staff, current))}
    )
    rows = [[button(tr.gettext("Submit"), "submit")], navigation(tr)]
    await edit_or_reply(update, context, "\n".join(lines), InlineKeyboardMarkup(rows))
    return State.SUMMARY


def local_time(context: AppContext, staff: StaffMember, current: PollSketch) -> str:
    """The closing time in the consulate's zone, as staff typed it."""
    assert current.closes_at is not None
    zone = ZoneInfo(closing_zone(context, staff, current))
    return current.closes_at.astimezone(zone).strftime(f"{CLOSING_FORMAT} ({zone.key})")


def confirmation(closes: str) -> Callable[[Translator, CreatedPoll], str]:
    """What staff are told once the poll is stored."""

    def confirm(tr: Translator, created: CreatedPoll) -> str:
        if created.published.state is PublishState.AWAITING_APPROVAL:
            first = tr.gettext(
                "Poll %(id)s is stored and waits for another staff member's approval; it"
                " closes at %(when)s."
            )
        else:
            first = tr.gettext("Poll %(id)s is being sent now; it closes at %(when)s.")
        lines = [first % {"id": created.poll_id, "when": esc(closes)}]
        lines.append(tr.gettext("See the answers with /results."))
        return "\n".join(lines)

    return confirm


async def submit(
    update: Update, context: AppContext, staff: StaffMember, current: PollSketch
) -> object:
    """Create the poll as the quick form does; stay on the summary if it was refused."""
    assert update.effective_user is not None
    draft = current.draft(sorted(staff.consulates), update.effective_user.id, datetime.now(UTC))
    if await publish(update, context, draft, confirmation(local_time(context, staff, current))):
        forget(context)
        return END
    return State.SUMMARY


# --- input ------------------------------------------------------------------------------------


async def on_button(update: Update, context: AppContext, state: State) -> object:
    """Every wizard button: re-check the data against the state and the staff member."""
    query = update.callback_query
    assert query is not None
    staff = await current_staff(update, context, Permission.COMPOSE)
    await query.answer()
    assert context.user_data is not None
    if DRAFT not in context.user_data:
        return END
    action, value = [*callbacks.fields(query.data, FEATURE), "", ""][:2]
    if action == "quit":
        forget(context)
        await edit_or_reply(update, context, context.tr.gettext("Poll discarded."))
        return END
    current = sketch(context)
    if action == "back":
        found = await go_back(update, context, staff, state, current)
    else:
        found = await on_step_button(update, context, staff, state, current, action, value)
    save(context, current)
    return found


async def go_back(
    update: Update, context: AppContext, staff: StaffMember, state: State, current: PollSketch
) -> object:
    language = pending_language(context) or current.base_language
    if state is State.CHOICE:
        return await ask_mode(update, context)
    if state in (State.QUESTION, State.OPTIONS) and language != current.base_language:
        current.drop_language(language)
        return await ask_languages(update, context, current)
    if state is State.QUESTION:
        return await ask_choice(update, context)
    if state is State.OPTIONS:
        return await ask_question(update, context, current.base_language)
    if state is State.LANGUAGES:
        current.restart_options()
        set_pending(context, current.base_language)
        return await ask_options(update, context, current)
    if state is State.AUDIENCE:
        return await ask_languages(update, context, current)
    if state is State.CLOSING:
        return await ask_audience(update, context, staff, current)
    if state is State.SUMMARY:
        return await ask_closing(update, context, staff, current)
    return state


async def on_step_button(
    update: Update,
    context: AppContext,
    staff: StaffMember,
    state: State,
    current: PollSketch,
    action: str,
    value: str,
) -> object:
    enabled = context.services.languages.enabled
    if state is State.MODE and action == "mode" and value in MODE_LABELS:
        current.mode = value
        return await ask_choice(update, context)
    if state is State.CHOICE and action == "choice" and value in ("single", "multiple"):
        current.allows_multiple = value == "multiple"
        return await ask_question(update, context, current.base_language)
    pending = pending_language(context) or current.base_language
    if state is State.OPTIONS and action == "done" and current.may_finish_options(pending):
        return await ask_languages(update, context, current)
    translatable = value in enabled and value != current.base_language
    if state is State.LANGUAGES and action == "lang" and translatable:
        current.drop_language(value)
        return await ask_question(update, context, value)
    if state is State.LANGUAGES and action == "langs":
        return await ask_audience(update, context, staff, current)
    if state is State.AUDIENCE:
        return await on_audience_button(update, context, staff, current, action, value)
    if state is State.CLOSING and action == "close" and value in CLOSING_CHOICES:
        current.closes_at = datetime.now(UTC) + CLOSING_CHOICES[value]
        return await show_summary(update, context, staff, current)
    if state is State.SUMMARY and action == "submit" and current.closes_at is not None:
        return await submit(update, context, staff, current)
    return state  # a stale or forged button: ignored


async def on_audience_button(
    update: Update,
    context: AppContext,
    staff: StaffMember,
    current: PollSketch,
    action: str,
    value: str,
) -> object:
    if action == "aud" and value == "all":
        current.consulates, current.member_types = [], []
        return await ask_closing(update, context, staff, current)
    if action == "aud" and value == "go":
        return await ask_closing(update, context, staff, current)
    if action == "con" and value in remit(context, staff):
        current.consulates = sorted(set(current.consulates) ^ {value})
    elif action == "mt" and value in {kind.value for kind in MemberType}:
        current.member_types = sorted(set(current.member_types) ^ {value})
    return await ask_audience(update, context, staff, current)


async def on_text(update: Update, context: AppContext, state: State) -> object:
    """Typed input: the question, options, or the closing time."""
    message = update.effective_message
    staff = await current_staff(update, context, Permission.COMPOSE)
    assert message is not None and context.user_data is not None
    if DRAFT not in context.user_data:
        return END
    current = sketch(context)
    found = await on_typed(update, context, staff, state, current, message.text or "")
    save(context, current)
    return found


async def on_typed(
    update: Update,
    context: AppContext,
    staff: StaffMember,
    state: State,
    current: PollSketch,
    text: str,
) -> object:
    tr, polls = context.tr, context.services.polls
    language = pending_language(context) or current.base_language
    refused = sensitive_in(context, state, language, text)
    if refused is not None:
        await reply(update, context, sensitive_refusal(tr, refused))
        if state is State.QUESTION:
            return await ask_question(update, context, language)
        return await ask_options(update, context, current)
    if state is State.QUESTION:
        problems = current.set_question(language, text, polls.question_room(current, language))
        if problems:
            await reply(update, context, problems_text(tr, problems))
            return await ask_question(update, context, language)
        return await ask_options(update, context, current)
    if state is State.OPTIONS:
        problems = current.add_options(language, split_options(text))
        if problems:
            await reply(update, context, problems_text(tr, problems))
        elif current.is_complete(language) and (
            language != current.base_language or current.option_count == MAX_POLL_OPTIONS
        ):
            return await ask_languages(update, context, current)
        return await ask_options(update, context, current)
    if state is State.CLOSING:
        now = datetime.now(UTC)
        closes = parse_closing(text, closing_zone(context, staff, current), now)
        if isinstance(closes, Problem):
            await reply(update, context, problems_text(tr, [closes]))
            return State.CLOSING
        current.closes_at = closes
        return await show_summary(update, context, staff, current)
    await reply(update, context, tr.gettext("Please use the buttons, or /cancel."))
    return state


def sensitive_in(
    context: AppContext, state: State, language: str, text: str
) -> SensitiveQuestion | None:
    """The refusal for a typed question or options naming a sensitive topic, else None."""
    if state is State.QUESTION:
        texts = [(f"question.{language}", text)]
    elif state is State.OPTIONS:
        texts = [(f"options.{language}", option) for option in split_options(text)]
    else:
        return None
    matches = context.services.deployment.sensitive.scan(texts)
    return SensitiveQuestion(matches) if matches else None


async def cancel(update: Update, context: AppContext) -> object:
    """Leave the wizard; nothing is kept."""
    forget(context)
    await reply(update, context, context.tr.gettext("Poll discarded."))
    return END


def state_handlers(state: State) -> list[BaseHandler[Update, AppContext, object]]:
    return [
        CallbackQueryHandler(partial(on_button, state=state), pattern=callbacks.pattern(FEATURE)),
        MessageHandler(filters.TEXT & ~filters.COMMAND, partial(on_text, state=state)),
    ]


def conversation() -> ConversationHandler[AppContext]:
    entry = CommandHandler("poll", start, filters=filters.ChatType.PRIVATE, has_args=False)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        return ConversationHandler(
            entry_points=[entry],
            states={state: state_handlers(state) for state in State},
            fallbacks=[
                CommandHandler("cancel", cancel),
                CommandHandler("poll", start, filters=filters.ChatType.PRIVATE, has_args=False),
            ],
            name="poll_wizard",
            persistent=True,
        )


def register(application: App) -> None:
    application.bot_data.access.require(Permission.COMPOSE, commands=("poll",), features=(FEATURE,))
    application.add_handler(conversation())
