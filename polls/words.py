"""What a poll's problems, breakdowns and groups are called, in every language (marked for the
catalogues): the chat and the console say the same words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.deployment import Deployment
from bot.i18n import N_, Translator
from bot.labels import GENDERS, MEMBER_TYPE_NAMES
from polls.drafting import Problem, ProblemKind
from polls.results import Dimension, PollResults

#: Problems with nothing counted in them (those that count: ``counted_problem``).
PROBLEMS = {
    ProblemKind.QUESTION_MISSING: N_("%(field)s: the question is empty."),
    ProblemKind.OPTION_EMPTY: N_("%(field)s: the option is empty."),
    ProblemKind.OPTION_REPEATED: N_("%(field)s: the same option is given twice."),
    ProblemKind.UNKNOWN_LANGUAGE: N_("%(field)s: this language is not enabled."),
    ProblemKind.UNKNOWN_MODE: N_("%(field)s: choose segmented or anonymous."),
    ProblemKind.CLOSES_BEFORE_OPENING: N_("%(field)s: the poll would close before it opens."),
    ProblemKind.CLOSES_TOO_LATE: N_("%(field)s: Telegram keeps a poll open for 30 days at most."),
    ProblemKind.CLOSES_UNREADABLE: N_(
        "%(field)s: type the date and time as YYYY-MM-DD HH:MM, for example 2027-03-28 18:00."
    ),
}

DIMENSIONS = {
    Dimension.CONSULATE: N_("By consulate"),
    Dimension.COUNTRY: N_("By country"),
    Dimension.MEMBER_TYPE: N_("By member type"),
    Dimension.AGE_BAND: N_("By age band"),
    Dimension.GENDER: N_("By gender"),
    Dimension.LANGUAGE: N_("By language"),
}


AGE_BANDS = {
    "under_25": N_("Under 25"),
    "25_34": "25–34",
    "35_44": "35–44",
    "45_54": "45–54",
    "55_64": "55–64",
    "65_plus": N_("65 and over"),
}


GROUP_NAMES: dict[Dimension, Mapping[Any, str]] = {
    Dimension.MEMBER_TYPE: MEMBER_TYPE_NAMES,
    Dimension.GENDER: GENDERS,
    Dimension.AGE_BAND: AGE_BANDS,
}


def problem_words(tr: Translator, problem: Problem) -> str:
    """One problem with a poll, in the reader's language (plain text)."""
    values = {"field": problem.field, "limit": problem.limit, "actual": problem.actual}
    template = counted_problem(tr, problem) or tr.gettext(PROBLEMS[problem.kind])
    return template % values


def counted_problem(tr: Translator, problem: Problem) -> str | None:
    """The template of a problem that counts something, in the plural form of its number."""
    actual, limit = problem.actual, problem.limit
    templates = {
        ProblemKind.QUESTION_TOO_LONG: tr.ngettext(
            "%(field)s: the question has %(actual)s character; at most %(limit)s fit.",
            "%(field)s: the question has %(actual)s characters; at most %(limit)s fit.",
            actual,
        ),
        ProblemKind.OPTION_TOO_LONG: tr.ngettext(
            "%(field)s: the option has %(actual)s character; at most %(limit)s fit.",
            "%(field)s: the option has %(actual)s characters; at most %(limit)s fit.",
            actual,
        ),
        ProblemKind.TOO_FEW_OPTIONS: tr.ngettext(
            "%(field)s: a poll needs at least %(limit)s option.",
            "%(field)s: a poll needs at least %(limit)s options.",
            limit,
        ),
        ProblemKind.TOO_MANY_OPTIONS: tr.ngettext(
            "%(field)s: a poll has at most %(limit)s option.",
            "%(field)s: a poll has at most %(limit)s options.",
            limit,
        ),
        ProblemKind.OPTION_COUNT_MISMATCH: tr.ngettext(
            "%(field)s: %(actual)s option given, but the poll has %(limit)s.",
            "%(field)s: %(actual)s options given, but the poll has %(limit)s.",
            actual,
        ),
        ProblemKind.AUDIENCE_TOO_SMALL: tr.ngettext(
            "Fewer than %(limit)s member would receive this poll. A poll needs at least"
            " %(limit)s recipient, so that no one's answer can be told apart: choose a wider"
            " audience.",
            "Fewer than %(limit)s members would receive this poll. A poll needs at least"
            " %(limit)s recipients, so that no one's answer can be told apart: choose a wider"
            " audience.",
            limit,
        ),
    }
    return templates.get(problem.kind)


def group_name(
    tr: Translator, deployment: Deployment, dimension: Dimension, group: str | None
) -> str:
    """A breakdown group in the reader's language."""
    if group is None:
        return tr.gettext("not given")
    if dimension is Dimension.CONSULATE:
        consulate = deployment.consulate(group)
        return consulate.name_in(tr.language) if consulate else group
    if dimension is Dimension.COUNTRY:
        return tr.country(group)
    if dimension is Dimension.LANGUAGE:
        return tr.language_name(group)
    names: Mapping[Any, str] = GROUP_NAMES.get(dimension, {})
    return tr.gettext(names[group]) if group in names else group


def too_few_answered(tr: Translator, k: int) -> str:
    """Why a poll shows no figure yet."""
    return tr.ngettext(
        "Fewer than %(k)s person has answered: results are shown once at least"
        " %(k)s has, so that no one's answer can be told apart.",
        "Fewer than %(k)s people have answered: results are shown once at least"
        " %(k)s have, so that no one's answer can be told apart.",
        k,
    ) % {"k": tr.format_number(k)}


def published_words(tr: Translator, results: PollResults) -> str:
    """When these figures were published, and when they will change."""
    if results.final:
        return tr.gettext("Final results.")
    return tr.ngettext(
        "Results as published; they change once at least %(k)s more person has answered or"
        " changed their answer, and at closing.",
        "Results as published; they change once at least %(k)s more people have answered or"
        " changed their answer, and at closing.",
        results.min_cell_size,
    ) % {"k": tr.format_number(results.min_cell_size)}


def suppressed_note(tr: Translator, k: int) -> str:
    """What "suppressed" means, under every table of figures."""
    return tr.ngettext(
        "Groups under %(k)s respondent, and figures that would reveal them, are shown as"
        " “suppressed”.",
        "Groups under %(k)s respondents, and figures that would reveal them, are shown as"
        " “suppressed”.",
        k,
    ) % {"k": tr.format_number(k)}


def rate_text(tr: Translator, rate: tuple[float, float]) -> str:
    """A response rate as far as the recipients' band allows: "40%" or "36–40%"."""
    low, high = (tr.format_percent(value, digits=0) for value in rate)
    return low if low == high else f"{low}–{high}"
