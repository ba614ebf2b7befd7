"""The polls feature's words: draft problems, dimension and group names, the results text.

Every template is translated first and formatted after, and every value is escaped for HTML.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.deployment import Deployment
from bot.i18n import N_, Translator
from bot.polls import Dimension, PollResults
from bot.polls.drafting import Problem, ProblemKind
from bot.polls.service import PollReport
from handlers.registration import labels
from handlers.replies import esc

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
    Dimension.MEMBER_TYPE: labels.MEMBER_TYPE_NAMES,
    Dimension.GENDER: labels.GENDERS,
    Dimension.AGE_BAND: AGE_BANDS,
}


def problem_text(tr: Translator, problem: Problem) -> str:
    values = {"field": esc(problem.field), "limit": problem.limit, "actual": problem.actual}
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


def totals_lines(tr: Translator, results: PollResults, labels: tuple[str, ...]) -> list[str]:
    """Respondents, response rate and one line per option."""
    tally = results.tally
    lines = [tr.gettext("Respondents: %(count)s") % {"count": tr.format_number(tally.respondents)}]
    if tally.recipients is not None and tally.response_rate is not None:
        lines.append(
            tr.gettext("Response rate: %(rate)s of %(recipients)s recipients")
            % {
                "rate": tr.format_percent(tally.response_rate),
                "recipients": tr.format_number(tally.recipients),
            }
        )
    for option in tally.options:
        lines.append(
            f"• {esc(labels[option.index])}: {tr.format_number(option.votes)}"
            f" ({tr.format_percent(option.percent / 100)})"
        )
    return lines


def summary_text(tr: Translator, report: PollReport) -> str:
    """The question in bold, then the totals."""
    lines = [f"<b>{esc(report.question)}</b>"]
    lines += totals_lines(tr, report.results, report.option_labels)
    return "\n".join(lines)


def breakdown_lines(
    tr: Translator, deployment: Deployment, results: PollResults, labels: tuple[str, ...]
) -> list[str]:
    """Every breakdown, hidden figures written as "suppressed" (as in the CSV export)."""
    hidden = tr.gettext("suppressed")
    lines: list[str] = []
    for breakdown in results.breakdowns:
        lines.append("")
        lines.append(f"<b>{esc(tr.gettext(DIMENSIONS[breakdown.dimension]))}</b>")
        if breakdown.withheld:
            lines.append(tr.gettext("Withheld: too few respondents to show safely."))
            continue
        for row in breakdown.rows:
            name = esc(group_name(tr, deployment, breakdown.dimension, row.group))
            count = hidden if row.respondents is None else tr.format_number(row.respondents)
            cells = ", ".join(
                f"{esc(labels[index])} {hidden if value is None else tr.format_number(value)}"
                for index, value in enumerate(row.counts)
            )
            lines.append(f"• {name} ({count}): {cells}")
    lines.append("")
    lines.append(
        tr.gettext(
            "Groups under %(k)s respondents, and figures that would reveal them, are shown as"
            " “suppressed”."
        )
        % {"k": results.min_cell_size}
    )
    return lines
