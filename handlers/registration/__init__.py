"""Registration with a consulate: consent first, then one question at a time, a summary where
any answer can be changed, and no answer stored in the members table until the member confirms.

Nothing before consent: /start shows the consent text as a plain message with two buttons;
the conversation begins only when "I agree" is pressed, which records the consent (a
'visitor' row, see bot/registration/consent.py). "No, thanks" and Cancel erase that row and
every answer given so far, and a registration left untouched is erased by
handlers/registration/expiry.py.

A persistent ConversationHandler: from consent on, its state and the unconfirmed answers (the
draft, kept in user_data) are written to the database before each reply (``settle``), so a
restart, even a crash right after the reply, resumes the member where that reply left them.
A press the current step cannot take (a button of an earlier question) shows the current
question again. /profile re-enters the same conversation at the summary.

Other features' commands go to those features (see ``on_other_command``). A registration in
progress stays where it was, so the next answer typed still belongs to it; a /profile change
is left, so that what the member types next (an amount for /remit) reaches the feature they
turned to. Changes not yet confirmed are kept as a draft and /profile offers them again.
"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import partial
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.registration import validation
from bot.registration.answers import Gender, Interest, MemberType, OccupationGroup
from bot.registration.countries import is_country, search_countries
from bot.registration.draft import Draft
from handlers import callbacks, guidance, start
from handlers.context import App, AppContext
from handlers.language import forget_unsaved_choice
from handlers.persistence_flush import save_before_reply
from handlers.registration import questions
from handlers.registration.flow import (
    EDITABLE,
    OPTIONAL,
    Step,
    applies,
    first_missing,
    next_step,
    previous_step,
)
from handlers.registration.handover import hand_over
from handlers.replies import STALE, alert, edit_or_reply, esc, reply

CONVERSATION = "registration"
SESSION = "registration"
END = ConversationHandler.END


@dataclass
class Session:
    """The unconfirmed answers and how the member got here (kept in user_data as JSON)."""

    draft: Draft
    editing: bool = False  # came from the summary: go back to it after this answer
    profile: bool = False  # changing a confirmed registration (/profile)

    @classmethod
    def exists(cls, context: AppContext) -> bool:
        """False when the answers are gone (erased with /delete): the conversation is stale."""
        return SESSION in (context.user_data or {})

    @classmethod
    def load(cls, context: AppContext) -> Session:
        raw: dict[str, Any] = (context.user_data or {}).get(SESSION, {})
        return cls(
            draft=Draft.from_dict(raw.get("draft", {})),
            editing=bool(raw.get("editing")),
            profile=bool(raw.get("profile")),
        )

    def save(self, context: AppContext) -> None:
        assert context.user_data is not None
        context.user_data[SESSION] = {
            "draft": self.draft.to_dict(),
            "editing": self.editing,
            "profile": self.profile,
        }


# A button handler for one step: the new state, or None if the button is not this step's.
ButtonAction = Callable[[Update, AppContext, "Session", str], Awaitable[object | None]]


def forget(context: AppContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(SESSION, None)


async def settle(update: Update, context: AppContext, state: object) -> object:
    """Store ``state`` (the step about to be shown, or END) with the draft, before the reply
    that shows it: python-telegram-bot would record it only after this update's replies."""
    await save_before_reply(update, context, CONVERSATION, state)
    return state


def today() -> date:
    return datetime.now(UTC).date()


def consulate_candidates(context: AppContext, draft: Draft) -> list[str]:
    if draft.country is None:
        return []
    return [c.id for c in context.services.registration.consulates_for(draft.country)]


def choices(context: AppContext, draft: Draft) -> int:
    return len(consulate_candidates(context, draft))


# --- asking ---------------------------------------------------------------------------------


async def ask(
    update: Update,
    context: AppContext,
    step: Step,
    session: Session,
    *,
    notice: str | None = None,
    country_choices: list[str] | None = None,
) -> Step:
    """Show the question for ``step`` (replacing the pressed message when there is one)."""
    session.save(context)
    await settle(update, context, step)
    text, markup = question(context, step, session, country_choices)
    if notice:
        text = f"{notice}\n\n{text}"
    if update.callback_query is None:
        await reply(update, context, text, markup)
    else:
        await edit_or_reply(update, context, text, markup)
    return step


def question(
    context: AppContext, step: Step, session: Session, country_choices: list[str] | None
) -> tuple[str, InlineKeyboardMarkup]:
    tr, draft, deployment = context.tr, session.draft, context.services.deployment
    if step is Step.MEMBER_TYPE:
        return questions.member_type(tr)
    if step is Step.COUNTRY:
        return questions.country(tr, draft, deployment, country_choices)
    if step is Step.DEPARTURE:
        return questions.departure(tr)
    if step is Step.CONSULATE:
        return questions.consulate(tr, draft, deployment, consulate_candidates(context, draft))
    if step is Step.REGION:
        return questions.region(tr, deployment)
    if step is Step.OCCUPATION:
        return questions.occupation(tr)
    if step is Step.INTERESTS:
        return questions.interests(tr, draft)
    if step is Step.BIRTH_YEAR:
        return questions.birth_year(tr)
    if step is Step.GENDER:
        return questions.gender(tr)
    return questions.summary(tr, draft, deployment, summary_steps(context, draft))


def summary_steps(context: AppContext, draft: Draft) -> list[Step]:
    """The answers shown in the summary: every step that applies (a single consulate too)."""
    count = choices(context, draft)
    return [
        step
        for step in EDITABLE
        if applies(step, draft, count) or (step is Step.CONSULATE and draft.consulate_id)
    ]


async def advance(update: Update, context: AppContext, step: Step, session: Session) -> Step:
    """Go on after an answer: to the next step, or back to the summary when editing."""
    context.services.registration.assign_consulate(session.draft)
    missing = first_missing(session.draft)
    if missing is Step.CONSULATE and choices(context, session.draft) <= 1:
        missing = None  # assigned automatically
    if session.editing:
        return await ask(update, context, missing or Step.SUMMARY, session)
    following = next_step(step, session.draft, choices(context, session.draft))
    if missing is not None and ORDER_INDEX[missing] < ORDER_INDEX[following]:
        following = missing
    return await ask(update, context, following, session)


ORDER_INDEX = {step: index for index, step in enumerate(Step)}


# --- entry points ---------------------------------------------------------------------------


async def begin(update: Update, context: AppContext) -> object:
    """/start: registered members get the main menu; everyone else the consent text first."""
    if update.callback_query:
        await update.callback_query.answer()
    if is_registered(context):
        await start.start(update, context)
        return END
    return await offer_consent(update, context)


def is_registered(context: AppContext) -> bool:
    return context.member is not None and context.member.registered


async def offer_consent(update: Update, context: AppContext) -> object:
    """The welcome and the consent text. No conversation state: nothing about the person is
    kept, in the database or in memory, until they press "I agree"."""
    forget(context)
    await settle(update, context, END)
    await reply(update, context, start.welcome_text(context))
    text, keyboard = questions.consent(context.tr, context.services.deployment)
    await reply(update, context, text, keyboard)
    return END


async def on_consent(update: Update, context: AppContext) -> object:
    """ "I agree", "No, thanks" or "Read the full notice" under the consent text (no
    conversation has begun yet)."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    if is_registered(context):
        return await begin(update, context)
    await query.answer()
    answer = callbacks.fields(query.data, questions.FEATURE)
    if answer == ["consent", "yes"]:
        return await agree(update, context, user.id)
    if answer == ["consent", "full"]:
        text, keyboard = questions.full_notice(context.tr, context.services.deployment)
        await edit_or_reply(update, context, text, keyboard)
        return END
    return await decline(update, context, user.id)


async def agree(update: Update, context: AppContext, user_id: int) -> object:
    """Record the consent (with the language in use), then ask the first question."""
    await context.services.registration.agree(user_id, context.tr.language)
    forget_unsaved_choice(context)  # now in their row
    return await ask(update, context, Step.MEMBER_TYPE, Session(Draft()))


async def decline(update: Update, context: AppContext, user_id: int) -> object:
    """Keep nothing, not even a language chosen before (or a consent given earlier)."""
    await context.services.registration.withdraw(user_id)
    forget(context)
    forget_unsaved_choice(context)
    await settle(update, context, END)
    text = context.tr.gettext(
        "Understood. Nothing about you has been kept. If you change your mind, send /start."
    )
    await edit_or_reply(update, context, text)
    return END


async def open_profile(update: Update, context: AppContext) -> object:
    """/profile: the member's confirmed answers in the summary, ready to change (or the
    changes they left unconfirmed, said to be so)."""
    if update.callback_query:
        await update.callback_query.answer()
    user = update.effective_user
    assert user is not None
    draft = await context.services.registration.profile(user.id)
    if draft is None:
        await reply(
            update,
            context,
            context.tr.gettext("You are not registered yet. Send /start to register."),
        )
        return END
    kept = Session.load(context) if Session.exists(context) else None
    if kept is not None and kept.profile:
        notice = context.tr.gettext(
            "These changes are not saved yet. Press Confirm to save them, or Cancel to keep "
            "your profile as it was."
        )
        kept.editing = True
        return await ask(update, context, Step.SUMMARY, kept, notice=notice)
    return await ask(update, context, Step.SUMMARY, Session(draft, editing=True, profile=True))


async def on_other_command(update: Update, context: AppContext, step: Step) -> object:
    """Another feature's command, which that feature answers. A /profile change is left
    first (see ``leave_profile``); a registration in progress waits at its question."""
    if not Session.exists(context):
        new_state: object = END
    elif Session.load(context).profile:
        await leave_profile(update, context)
        new_state = END
    else:
        new_state = step
    try:
        await hand_over(update, context, CONVERSATION)
    except ApplicationHandlerStop as stop:
        raise ApplicationHandlerStop(new_state) from stop
    return new_state


async def leave_profile(update: Update, context: AppContext) -> None:
    """Leave /profile: forget it if nothing changed, else keep the changes as a draft for the
    next /profile and say so."""
    user = update.effective_user
    assert user is not None
    session = Session.load(context)
    if session.draft == await context.services.registration.profile(user.id):
        forget(context)
        await settle(update, context, END)
        return
    session.save(context)
    await settle(update, context, END)
    text = context.tr.gettext(
        "Your profile changes are not saved yet. Send /profile to see them and confirm them."
    )
    await reply(update, context, text)


# --- answers --------------------------------------------------------------------------------


async def on_button(update: Update, context: AppContext, step: Step) -> object:
    """Any registration button, interpreted for the step the member is at."""
    query = update.callback_query
    assert query is not None
    if not Session.exists(context):
        return await begin(update, context)
    fields = callbacks.fields(query.data, questions.FEATURE)
    session = Session.load(context)
    outcome = await handle_button(update, context, step, session, fields)
    if outcome is None:
        outcome = await ask_again(update, context, step, session)
    await query.answer()
    return outcome


async def ask_again(update: Update, context: AppContext, step: Step, session: Session) -> Step:
    """A button this step cannot take (an earlier question's, say after a restart): show the
    question the member is at instead of a dead end."""
    notice = context.tr.gettext(
        "That button belongs to an earlier question. Here is where you are:"
    )
    return await ask(update, context, step, session, notice=notice)


async def on_button_outside(update: Update, context: AppContext) -> object:
    """A registration button pressed outside the conversation: changes left unconfirmed in
    /profile are shown again; anything else is no longer valid."""
    kept = Session.exists(context) and Session.load(context).profile
    if kept and is_registered(context):
        return await open_profile(update, context)
    await alert(update, context, context.tr.gettext(STALE))
    return END


async def handle_button(
    update: Update, context: AppContext, step: Step, session: Session, fields: list[str]
) -> object | None:
    """The new state, or None when the button does not belong to this step."""
    action, value = [*fields, "", ""][:2]
    if len(fields) > 2:
        return None
    if action == "cancel":
        return await cancel(update, context)
    if action == "back" and step is not Step.MEMBER_TYPE:
        return await go_back(update, context, step, session)
    if action == "skip" and step in OPTIONAL:
        clear_answer(session.draft, step)
        return await advance(update, context, step, session)
    handler = BUTTON_ACTIONS.get((step, action))
    if handler is None:
        return None
    return await handler(update, context, session, value)


async def go_back(update: Update, context: AppContext, step: Step, session: Session) -> object:
    if session.editing and step is not Step.SUMMARY:
        return await ask(update, context, first_missing(session.draft) or Step.SUMMARY, session)
    if step is Step.SUMMARY and session.profile:
        return await cancel(update, context)
    target = previous_step(step, session.draft, choices(context, session.draft))
    return await ask(update, context, target, session)


def clear_answer(draft: Draft, step: Step) -> None:
    attribute = {
        Step.DEPARTURE: "departure_date",
        Step.REGION: "region_id",
        Step.OCCUPATION: "occupation_group",
        Step.BIRTH_YEAR: "birth_year",
        Step.GENDER: "gender",
    }.get(step)
    if attribute:
        setattr(draft, attribute, None)
    elif step is Step.INTERESTS:
        draft.interests = set()


async def on_member_type(
    update: Update, context: AppContext, session: Session, value: str
) -> object | None:
    if value not in set(MemberType):
        return None
    context.services.registration.start_draft(MemberType(value), session.draft)
    return await advance(update, context, Step.MEMBER_TYPE, session)


async def on_country(
    update: Update, context: AppContext, session: Session, value: str
) -> object | None:
    if not is_country(value) or value == context.services.deployment.home_country:
        return None
    set_country(session.draft, value)
    return await advance(update, context, Step.COUNTRY, session)


def set_country(draft: Draft, country: str) -> None:
    """A new country makes the consulate of the old one meaningless."""
    if draft.country != country:
        draft.consulate_id = None
    draft.country = country


async def on_consulate(
    update: Update, context: AppContext, session: Session, value: str
) -> object | None:
    if value not in consulate_candidates(context, session.draft):
        return None
    session.draft.consulate_id = value
    return await advance(update, context, Step.CONSULATE, session)


async def on_region(
    update: Update, context: AppContext, session: Session, value: str
) -> object | None:
    if context.services.deployment.region(value) is None:
        return None
    session.draft.region_id = value
    return await advance(update, context, Step.REGION, session)


def closed_choice(step: Step, answers: type[StrEnum], attribute: str) -> ButtonAction:
    """A button that sets one answer from a closed set, then moves on."""

    async def choose(
        update: Update, context: AppContext, session: Session, value: str
    ) -> object | None:
        if value not in set(answers):
            return None
        setattr(session.draft, attribute, answers(value))
        return await advance(update, context, step, session)

    return choose


async def on_interest(
    update: Update, context: AppContext, session: Session, value: str
) -> object | None:
    if value not in set(Interest):
        return None
    session.draft.interests ^= {Interest(value)}
    return await ask(update, context, Step.INTERESTS, session)


async def on_interests_done(
    update: Update, context: AppContext, session: Session, value: str
) -> object | None:
    return await advance(update, context, Step.INTERESTS, session) if not value else None


async def on_edit(
    update: Update, context: AppContext, session: Session, value: str
) -> object | None:
    if not value.isdigit() or int(value) not in {
        s.value for s in summary_steps(context, session.draft)
    }:
        return None
    session.editing = True
    return await ask(update, context, Step(int(value)), session)


async def on_confirm(
    update: Update, context: AppContext, session: Session, value: str
) -> object | None:
    if value or not session.draft.is_complete:
        return None
    user = update.effective_user
    assert user is not None
    registration = context.services.registration
    if await registration.confirm(user.id, context.tr.language, session.draft) is None:
        return await offer_consent(update, context)  # the consent was withdrawn or expired
    await context.services.departures.plan(user.id, datetime.now(UTC))
    forget(context)
    await settle(update, context, END)
    context.member = await context.services.members.find(user.id)
    if session.profile:
        text = context.tr.gettext("Your changes are saved.")
    elif session.draft.consulate_id:
        office = context.services.deployment.consulate(session.draft.consulate_id)
        text = context.tr.gettext(
            "Thank you! You are registered with %(consulate)s. You can see or change your "
            "answers at any time with /profile."
        ) % {"consulate": esc(office.name_in(context.tr.language) if office else "")}
    else:
        text = context.tr.gettext(
            "Thank you! You are registered. You can see or change your answers at any time "
            "with /profile."
        )
    await edit_or_reply(update, context, text)
    if session.draft.member_type is MemberType.LEAVING and not session.profile:
        await guidance.offer_after_registration(update, context)
    await reply(
        update, context, context.tr.gettext("What would you like to do?"), start.main_menu(context)
    )
    return END


BUTTON_ACTIONS: dict[tuple[Step, str], ButtonAction] = {
    (Step.MEMBER_TYPE, "type"): on_member_type,
    (Step.COUNTRY, "country"): on_country,
    (Step.CONSULATE, "consulate"): on_consulate,
    (Step.REGION, "region"): on_region,
    (Step.OCCUPATION, "occ"): closed_choice(Step.OCCUPATION, OccupationGroup, "occupation_group"),
    (Step.INTERESTS, "int"): on_interest,
    (Step.INTERESTS, "done"): on_interests_done,
    (Step.GENDER, "gender"): closed_choice(Step.GENDER, Gender, "gender"),
    (Step.SUMMARY, "edit"): on_edit,
    (Step.SUMMARY, "confirm"): on_confirm,
}


async def on_text(update: Update, context: AppContext, step: Step) -> object:
    """A typed answer: checked, explained and asked again when wrong."""
    message = update.effective_message
    assert message is not None and message.text is not None
    if not Session.exists(context):
        return await begin(update, context)
    session = Session.load(context)
    text, tr = message.text, context.tr
    if step is Step.COUNTRY:
        return await on_country_text(update, context, session, text)
    checks: dict[Step, Callable[[str], validation.Checked[Any]]] = {
        Step.DEPARTURE: lambda t: validation.check_departure_date(t, tr.language, today()),
        Step.BIRTH_YEAR: lambda t: validation.check_birth_year(t, today()),
    }
    check = checks.get(step)
    if check is None:
        notice = tr.gettext("Please choose one of the buttons.")
        return await ask(update, context, step, session, notice=notice)
    checked = check(text)
    if checked.problem is not None:
        notice = questions.problem(tr, checked.problem, today())
        return await ask(update, context, step, session, notice=notice)
    attribute = {Step.DEPARTURE: "departure_date", Step.BIRTH_YEAR: "birth_year"}[step]
    setattr(session.draft, attribute, checked.value)
    return await advance(update, context, step, session)


async def on_country_text(
    update: Update, context: AppContext, session: Session, text: str
) -> object:
    home = context.services.deployment.home_country
    found = search_countries(text, context.tr.language)
    if found == [home]:
        notice = questions.home_country(context.tr, session.draft, home)
        return await ask(update, context, Step.COUNTRY, session, notice=notice)
    found = [code for code in found if code != home]
    if len(found) == 1:
        set_country(session.draft, found[0])
        return await advance(update, context, Step.COUNTRY, session)
    if found:
        notice = context.tr.gettext("Which one do you mean?")
        return await ask(
            update, context, Step.COUNTRY, session, notice=notice, country_choices=found
        )
    notice = context.tr.gettext(
        "I could not find a country called “%(text)s”. Try typing it another way, or choose below."
    ) % {"text": esc(validation.clean_text(text)[:40])}
    return await ask(update, context, Step.COUNTRY, session, notice=notice)


async def cancel(update: Update, context: AppContext) -> object:
    """Leave registration. A /profile change keeps the registration as it was; a registration
    in progress is erased with the consent it began with. (The caller answers the button.)"""
    profile = Session.load(context).profile
    forget(context)
    await settle(update, context, END)
    if profile:
        text = context.tr.gettext("No changes were made.")
    else:
        user = update.effective_user
        assert user is not None
        await context.services.registration.withdraw(user.id)
        text = context.tr.gettext(
            "Registration cancelled. Nothing was saved. Send /start if you change your mind."
        )
    if update.callback_query:
        await edit_or_reply(update, context, text)
    else:
        await reply(update, context, text)
    return END


async def resume(update: Update, context: AppContext, step: Step) -> object:
    """/start or /profile in the middle of registration: ask the current question again."""
    if not Session.exists(context):
        return await begin(update, context)
    return await ask(update, context, step, Session.load(context))


def step_handlers(step: Step) -> list[BaseHandler[Update, AppContext, object]]:
    """The handlers active while the member is at ``step``."""
    bound: list[BaseHandler[Update, AppContext, object]] = [
        CallbackQueryHandler(
            partial(on_button, step=step), pattern=callbacks.pattern(questions.FEATURE)
        ),
        CommandHandler(["start", "profile"], partial(resume, step=step)),
        CommandHandler("cancel", cancel),
        MessageHandler(filters.TEXT & ~filters.COMMAND, partial(on_text, step=step)),
        # Last: every other command belongs to another feature.
        MessageHandler(filters.COMMAND, partial(on_other_command, step=step)),
    ]
    return bound


def conversation() -> ConversationHandler[AppContext]:
    private = filters.ChatType.PRIVATE
    with warnings.catch_warnings():
        # Buttons are matched by their data, not per message: that is intended here.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        return ConversationHandler(
            entry_points=[
                CommandHandler("start", begin, filters=private),
                CommandHandler("profile", open_profile, filters=private),
                CallbackQueryHandler(begin, pattern=callbacks.exact(questions.data("begin"))),
                CallbackQueryHandler(
                    open_profile, pattern=callbacks.exact(questions.data("profile"))
                ),
                *(
                    CallbackQueryHandler(
                        on_consent, pattern=callbacks.exact(questions.data("consent", answer))
                    )
                    for answer in ("yes", "no", "full")
                ),
                CallbackQueryHandler(
                    on_button_outside, pattern=callbacks.pattern(questions.FEATURE)
                ),
            ],
            states={step: step_handlers(step) for step in Step},
            fallbacks=[],
            name=CONVERSATION,
            persistent=True,
        )


def register(application: App) -> None:
    application.add_handler(conversation())
