"""What a poll's problems, breakdowns and groups are called, in every language (marked for the
catalogues): the chat and the console say the same words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.deployment import Deployment
from bot.i18n import N_, Translator
from bot.labels import GENDERS, MEMBER_TYPE_NAMES
from bot.polls.drafting import Problem, ProblemKind
from bot.polls.results import Dimension

PROBLEMS = {
    ProblemKind.QUESTION_MISSING: N_("%(field)s: the question is empty."),
    ProblemKind.QUESTION_TOO_LONG: N_(
        "%(field)s: the question has %(actual)s characters; at most %(limit)s fit."
    ),
    ProblemKind.TOO_FEW_OPTIONS: N_("%(field)s: a poll needs at least %(limit)s options."),
    ProblemKind.TOO_MANY_OPTIONS: N_("%(field)s: a poll has at most %(limit)s options."),
    ProblemKind.OPTION_EMPTY: N_("%(field)s: the option is empty."),
    ProblemKind.OPTION_TOO_LONG: N_(
        "%(field)s: the option has %(actual)s characters; at most %(limit)s fit."
    ),
    ProblemKind.OPTION_REPEATED: N_("%(field)s: the same option is given twice."),
    ProblemKind.UNKNOWN_LANGUAGE: N_("%(field)s: this language is not enabled."),
    ProblemKind.UNKNOWN_MODE: N_("%(field)s: choose segmented or anonymous."),
    ProblemKind.CLOSES_BEFORE_OPENING: N_("%(field)s: the poll would close before it opens."),
    ProblemKind.CLOSES_TOO_LATE: N_("%(field)s: Telegram keeps a poll open for 30 days at most."),
    ProblemKind.OPTION_COUNT_MISMATCH: N_(
        "%(field)s: %(actual)s options given, but the poll has %(limit)s."
    ),
    ProblemKind.CLOSES_UNREADABLE: N_(
        "%(field)s: type the date and time as YYYY-MM-DD HH:MM, for example 2027-03-28 18:00."
    ),
    ProblemKind.AUDIENCE_TOO_SMALL: N_(
        "Fewer than %(limit)s members would receive this poll. A poll needs at least %(limit)s"
        " recipients, so that no one's answer can be told apart: choose a wider audience."
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
    return tr.gettext(PROBLEMS[problem.kind]) % values


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
