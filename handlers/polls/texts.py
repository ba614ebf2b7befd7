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


def hidden_text(tr: Translator) -> str:
    """How a hidden figure is written, whatever the reason it is hidden."""
    return tr.gettext("suppressed")


def figure(tr: Translator, value: int | None) -> str:
    return hidden_text(tr) if value is None else tr.format_number(value)


def rate_text(tr: Translator, rate: tuple[float, float]) -> str:
    low, high = (tr.format_percent(value, digits=0) for value in rate)
    return low if low == high else f"{low}–{high}"


def totals_lines(tr: Translator, results: PollResults, labels: tuple[str, ...]) -> list[str]:
    """Respondents, response rate and one line per option; or why nothing is shown yet."""
    tally, k = results.tally, results.min_cell_size
    if tally.respondents is None:
        return [
            tr.gettext(
                "Fewer than %(k)s people have answered: results are shown once at least"
                " %(k)s have, so that no one's answer can be told apart."
            )
            % {"k": tr.format_number(k)}
        ]
    lines = [tr.gettext("Respondents: %(count)s") % {"count": tr.format_number(tally.respondents)}]
    rate = tally.response_rate
    if rate is not None and tally.recipients is not None:
        lines.append(
            tr.gettext("Response rate: %(rate)s of %(recipients)s recipients")
            % {"rate": rate_text(tr, rate), "recipients": tr.format_band(tally.recipients)}
        )
    for option in tally.options:
        share = "" if option.percent is None else f" ({tr.format_percent(option.percent / 100)})"
        lines.append(f"• {esc(labels[option.index])}: {figure(tr, option.votes)}{share}")
    return lines


def published_line(tr: Translator, results: PollResults) -> str:
    """When these figures were published, and when they will change."""
    if results.final:
        return tr.gettext("Final results.")
    return tr.gettext(
        "Results as published; they change once at least %(k)s more people have answered or"
        " changed their answer, and at closing."
    ) % {"k": tr.format_number(results.min_cell_size)}


def summary_text(tr: Translator, report: PollReport) -> str:
    """The question in bold (an isolate: "Saturdays?" keeps its question mark in Arabic), then
    the totals."""
    lines = [f"<b>{tr.isolate(esc(report.question))}</b>"]
    lines += totals_lines(tr, report.results, report.option_labels)
    return "\n".join(lines)


def breakdown_lines(
    tr: Translator, deployment: Deployment, results: PollResults, labels: tuple[str, ...]
) -> list[str]:
    """Every breakdown, hidden figures written as "suppressed" (as in the CSV export)."""
    if results.withheld:
        return []
    lines: list[str] = []
    for breakdown in results.breakdowns:
        lines.append("")
        lines.append(f"<b>{esc(tr.gettext(DIMENSIONS[breakdown.dimension]))}</b>")
        if breakdown.withheld:
            lines.append(tr.gettext("Withheld: too few respondents to show safely."))
            continue
        for row in breakdown.rows:
            name = esc(group_name(tr, deployment, breakdown.dimension, row.group))
            cells = ", ".join(
                f"{esc(labels[index])} {figure(tr, value)}"
                for index, value in enumerate(row.counts)
            )
            lines.append(f"• {name} ({figure(tr, row.respondents)}): {cells}")
    lines.append("")
    lines.append(
        tr.gettext(
            "Groups under %(k)s respondents, and figures that would reveal them, are shown as"
            " “suppressed”."
        )
        % {"k": results.min_cell_size}
    )
    lines.append(published_line(tr, results))
    return lines
