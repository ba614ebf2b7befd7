"""The text and buttons of each registration step, in the member's language."""

from __future__ import annotations

from datetime import date
from functools import partial

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.deployment import Deployment
from bot.i18n import N_, Translator
from bot.registration.answers import MemberType
from bot.registration.consent import DRAFT_RETENTION, KEPT
from bot.registration.countries import country_names
from bot.registration.draft import Draft
from bot.registration.validation import OLDEST_AGE, YOUNGEST_AGE, Problem
from handlers import callbacks
from handlers.registration import labels
from handlers.registration.flow import OPTIONAL, Step
from handlers.replies import back_label, esc

FEATURE = "reg"
NEVER_FOR_IMMIGRATION = N_(
    "<b>Never for immigration enforcement:</b> we never ask about your immigration or "
    "legal status, and nothing you share here is used for immigration control."
)
IN_CONTROL = N_(
    "<b>You stay in control:</b> /mydata sends you everything we hold, /profile changes "
    "it, /stop pauses announcements and /delete erases it, at any time."
)
EXAMPLE_DATE = date(2027, 3, 15)

FIELD_NAMES = {
    Step.MEMBER_TYPE: N_("Situation"),
    Step.COUNTRY: N_("Country"),
    Step.DEPARTURE: N_("Departure date"),
    Step.CONSULATE: N_("Consulate"),
    Step.REGION: N_("Region of origin"),
    Step.OCCUPATION: N_("Work"),
    Step.INTERESTS: N_("Interests"),
    Step.BIRTH_YEAR: N_("Birth year"),
    Step.GENDER: N_("Gender"),
}


data = partial(callbacks.encode, FEATURE)
button = partial(callbacks.button, FEATURE)


def in_rows(buttons: list[InlineKeyboardButton], per_row: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def navigation(tr: Translator, step: Step) -> list[InlineKeyboardButton]:
    row = [button(back_label(tr), "back")]
    if step in OPTIONAL:
        row.append(button(tr.gettext("Skip"), "skip"))
    row.append(button(tr.gettext("Cancel"), "cancel"))
    return row


def consent(tr: Translator, deployment: Deployment) -> tuple[str, InlineKeyboardMarkup]:
    """The first screen: in a few lines what is kept and why, never for immigration control,
    the member's rights; the full notice one tap away. Nothing is stored before "I agree"."""
    lines = [
        tr.gettext("<b>Before you register</b>"),
        "",
        tr.format(
            "Until you agree, nothing about you is stored. If you agree, we keep your "
            "situation, country and consulate, and only the answers you choose to give, to "
            "send you what concerns you. The staff of your consulate and of the government "
            "(%(government)s) see only totals.",
            government=esc(deployment.government_in(tr.language)),
        ),
        "",
        tr.gettext(NEVER_FOR_IMMIGRATION),
        tr.gettext(IN_CONTROL),
        "",
        tr.gettext("Do you agree to register?"),
    ]
    return "\n".join(lines), consent_keyboard(tr, full_notice_button=True)


def full_notice(tr: Translator, deployment: Deployment) -> tuple[str, InlineKeyboardMarkup]:
    """The full notice: what is kept and why (one line per group in bot.registration.consent,
    so the text names exactly what is stored), who sees it, for how long, and the member's
    rights."""
    days = DRAFT_RETENTION.days
    lines = [
        tr.gettext("<b>Before you register</b>"),
        "",
        tr.gettext(
            "Until you agree, nothing about you is stored. If you agree, we keep only this, "
            "each for the reason given:"
        ),
        *(f"• {tr.gettext(kept.notice)}" for kept in KEPT),
        "",
        tr.format(
            "<b>Who sees it:</b> nobody reads your answers one by one. The bot uses them to "
            "choose who receives each announcement; the staff of your consulate and of the "
            "government (%(government)s) see only totals, and groups too small to stay "
            "anonymous are never shown. Only the technicians who run the service can open its "
            "database.",
            government=esc(deployment.government_in(tr.language)),
        ),
        tr.gettext(NEVER_FOR_IMMIGRATION),
        tr.ngettext(
            "<b>How long:</b> your registration, until you erase it with /delete (your poll "
            "answers then remain only inside anonymous totals). If you cancel, nothing is "
            "kept; if you stop half-way, what you gave is erased %(days)s day after your last "
            "answer.",
            "<b>How long:</b> your registration, until you erase it with /delete (your poll "
            "answers then remain only inside anonymous totals). If you cancel, nothing is "
            "kept; if you stop half-way, what you gave is erased %(days)s days after your last "
            "answer.",
            days,
        )
        % {"days": tr.format_number(days)},
        tr.ngettext(
            "Your poll answers are linked to you only while the poll is open: when it closes, "
            "only its published totals remain, and they name no one. The record of which "
            "announcements were sent to you is erased %(days)s day after they were sent.",
            "Your poll answers are linked to you only while the poll is open: when it closes, "
            "only its published totals remain, and they name no one. The record of which "
            "announcements were sent to you is erased %(days)s days after they were sent.",
            deployment.policies.outbox_days,
        )
        % {"days": tr.format_number(deployment.policies.outbox_days)},
        tr.gettext(IN_CONTROL),
        "",
        tr.gettext("Do you agree to register?"),
    ]
    return "\n".join(lines), consent_keyboard(tr, full_notice_button=False)


def consent_keyboard(tr: Translator, *, full_notice_button: bool) -> InlineKeyboardMarkup:
    rows = [
        [button(tr.gettext("✅ I agree"), "consent", "yes")],
        [button(tr.gettext("No, thanks"), "consent", "no")],
    ]
    if full_notice_button:
        rows.append([button(tr.gettext("📄 Read the full notice"), "consent", "full")])
    return InlineKeyboardMarkup(rows)


def member_type(tr: Translator) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [button(tr.gettext(text), "type", value)] for value, text in labels.MEMBER_TYPES.items()
    ]
    rows.append([button(tr.gettext("Cancel"), "cancel")])
    return tr.gettext("Which describes you best?"), InlineKeyboardMarkup(rows)


def country(
    tr: Translator, draft: Draft, deployment: Deployment, choices: list[str] | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """Ask for the country; ``choices`` are search results to pick from, if any."""
    if draft.member_type is MemberType.LEAVING:
        text = tr.gettext(
            "Which country are you going to? Type its name, or part of it, or choose below."
        )
    else:
        text = tr.gettext(
            "In which country do you live? Type its name, or part of it, or choose below."
        )
    names = country_names(tr.language)
    codes = choices if choices is not None else served_countries(deployment, names)
    buttons = [button(names.get(code, code), "country", code) for code in codes]
    return text, InlineKeyboardMarkup([*in_rows(buttons, 2), navigation(tr, Step.COUNTRY)])


def home_country(tr: Translator, draft: Draft, home: str) -> str:
    """Why the home country is not an answer here, and what to do instead."""
    name = esc(tr.country(home))
    if draft.member_type is MemberType.LEAVING:
        return tr.gettext(
            "%(country)s is the country you are leaving. Please type the country you are going to."
        ) % {"country": name}
    return tr.gettext(
        "%(country)s is home: this question asks in which country you live abroad. If you "
        "have come back to live in %(country)s, press “%(back)s” and choose “%(returned)s”."
    ) % {
        "country": name,
        "back": back_label(tr),
        "returned": tr.gettext(labels.MEMBER_TYPES[MemberType.RETURNED]),
    }


def served_countries(deployment: Deployment, names: dict[str, str]) -> list[str]:
    served = {code for consulate in deployment.consulates for code in consulate.jurisdiction}
    return sorted(served, key=lambda code: names.get(code, code))


def departure(tr: Translator) -> tuple[str, InlineKeyboardMarkup]:
    text = tr.format(
        "When do you plan to leave? Type the date, for example %(example)s. You can skip this.",
        example=tr.format_date(EXAMPLE_DATE, "short"),
    )
    return text, InlineKeyboardMarkup([navigation(tr, Step.DEPARTURE)])


def consulate(
    tr: Translator, draft: Draft, deployment: Deployment, candidates: list[str]
) -> tuple[str, InlineKeyboardMarkup]:
    country_name = tr.country(draft.country or "")
    if draft.country and deployment.consulates_serving(draft.country):
        text = tr.gettext("Several consulates serve %(country)s. Which one is closest to you?")
    else:
        text = tr.gettext(
            "No consulate serves %(country)s yet. Choose the one you would like to be "
            "registered with."
        )
    buttons = []
    for consulate_id in candidates:
        office = deployment.consulate(consulate_id)
        if office is not None:
            buttons.append([button(office.name_in(tr.language), "consulate", office.id)])
    return text % {"country": esc(country_name)}, InlineKeyboardMarkup(
        [*buttons, navigation(tr, Step.CONSULATE)]
    )


def region(tr: Translator, deployment: Deployment) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [button(r.name_in(tr.language), "region", r.id) for r in deployment.regions]
    return tr.gettext(
        "Which region are you originally from? You can skip this."
    ), InlineKeyboardMarkup([*in_rows(buttons, 2), navigation(tr, Step.REGION)])


def occupation(tr: Translator) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [button(tr.gettext(text), "occ", value) for value, text in labels.OCCUPATIONS.items()]
    return tr.gettext("What kind of work do you do? You can skip this."), InlineKeyboardMarkup(
        [*in_rows(buttons, 2), navigation(tr, Step.OCCUPATION)]
    )


def interests(tr: Translator, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [
        [button(("✅ " if value in draft.interests else "▫️ ") + tr.gettext(text), "int", value)]
        for value, text in labels.INTERESTS.items()
    ]
    buttons.append([button(tr.gettext("Done"), "done")])
    text = tr.gettext("What would you like to hear about? Choose all that apply, then press Done.")
    return text, InlineKeyboardMarkup([*buttons, navigation(tr, Step.INTERESTS)])


def birth_year(tr: Translator) -> tuple[str, InlineKeyboardMarkup]:
    text = tr.gettext("In which year were you born? Type it, for example 1990. You can skip this.")
    return text, InlineKeyboardMarkup([navigation(tr, Step.BIRTH_YEAR)])


def gender(tr: Translator) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [button(tr.gettext(text), "gender", value) for value, text in labels.GENDERS.items()]
    return tr.gettext("What is your gender? You can skip this."), InlineKeyboardMarkup(
        [*in_rows(buttons, 2), navigation(tr, Step.GENDER)]
    )


def summary(
    tr: Translator, draft: Draft, deployment: Deployment, steps: list[Step]
) -> tuple[str, InlineKeyboardMarkup]:
    lines = [tr.gettext("<b>Please check your answers</b>"), ""]
    for step in steps:
        shown = tr.isolate(esc(answer(tr, draft, deployment, step)))
        lines.append(f"{tr.gettext(FIELD_NAMES[step])}: {shown}")
    lines += ["", tr.gettext("Press an answer to change it, or Confirm.")]
    edits = [
        button("✏️ " + tr.gettext(FIELD_NAMES[step]), "edit", str(step.value)) for step in steps
    ]
    keyboard = [
        *in_rows(edits, 2),
        [button(tr.gettext("✅ Confirm"), "confirm")],
        [button(tr.gettext("Cancel"), "cancel")],
    ]
    return "\n".join(lines), InlineKeyboardMarkup(keyboard)


def answer(tr: Translator, draft: Draft, deployment: Deployment, step: Step) -> str:
    """One answer as the member reads it in the summary."""
    empty = "—"
    if step is Step.MEMBER_TYPE:
        return labels.label(tr, labels.MEMBER_TYPES, draft.member_type)
    if step is Step.COUNTRY:
        return tr.country(draft.country) if draft.country else empty
    if step is Step.DEPARTURE:
        return tr.format_date(draft.departure_date, "long") if draft.departure_date else empty
    if step is Step.CONSULATE:
        office = deployment.consulate(draft.consulate_id or "")
        return office.name_in(tr.language) if office else empty
    if step is Step.REGION:
        region_ = deployment.region(draft.region_id or "")
        return region_.name_in(tr.language) if region_ else empty
    if step is Step.OCCUPATION:
        return labels.label(tr, labels.OCCUPATIONS, draft.occupation_group)
    if step is Step.INTERESTS:
        chosen = [
            tr.gettext(text) for value, text in labels.INTERESTS.items() if value in draft.interests
        ]
        return ", ".join(chosen) or empty
    if step is Step.GENDER:
        return labels.label(tr, labels.GENDERS, draft.gender)
    if step is Step.BIRTH_YEAR:
        return str(draft.birth_year) if draft.birth_year else empty
    return empty


def problem(tr: Translator, issue: Problem, today: date) -> str:
    """Explain what was wrong with a typed answer."""
    if issue is Problem.NOT_A_YEAR:
        return tr.gettext("Please type the year with four digits, for example 1990.")
    if issue is Problem.IMPLAUSIBLE_YEAR:
        return tr.gettext("Please check the year: it should be between %(first)s and %(last)s.") % {
            "first": today.year - OLDEST_AGE,
            "last": today.year - YOUNGEST_AGE,
        }
    if issue is Problem.NOT_A_DATE:
        return tr.gettext("I could not read that date. Please type it like %(example)s.") % {
            "example": tr.format_date(EXAMPLE_DATE, "short")
        }
    if issue is Problem.DATE_IN_PAST:
        return tr.gettext("That date has already passed. Please type a future date, or press Skip.")
    return tr.gettext("That is more than two years away. Please check the date, or press Skip.")
