"""The results chart: one horizontal bar per option, its percentage, labelled with its count.

Texts arrive already translated; the chart only draws them. matplotlib (the Agg canvas
directly, no pyplot global state) shapes Arabic and orders right-to-left text itself through
libraqm (bundled since matplotlib 3.11); the font list falls back from DejaVu Sans to Noto
Sans Arabic for glyphs DejaVu lacks. For right-to-left languages the chart is mirrored: bars
grow leftwards from labels on the right.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.i18n import N_, Translator

if TYPE_CHECKING:
    from bot.polls.service import PollReport

#: How a hidden figure is written (the same word as in the text and the CSV).
HIDDEN = N_("suppressed")
FONT_FAMILY = ["DejaVu Sans", "Noto Sans Arabic", "Noto Naskh Arabic"]
BAR_COLOUR = "#2b6cb0"
WIDTH_INCHES = 8.0
DPI = 100


@dataclass(frozen=True)
class ChartBar:
    """One option: its label, its share of respondents (0-100) and the text shown beside it."""

    label: str
    percent: float
    value_label: str


def bars_for(
    labels: Sequence[str],
    percents: Sequence[float | None],
    counts: Sequence[int | None],
    hidden: str = "suppressed",
) -> list[ChartBar]:
    """Bars with a plain "42% (123)" beside each, and no bar but ``hidden`` for a figure the
    disclosure rule hides; handlers pass locale-formatted labels instead."""
    return [
        ChartBar(label, 0.0, hidden)
        if share is None or count is None
        else ChartBar(label, share, f"{share:.0f}% ({count})")
        for label, share, count in zip(labels, percents, counts, strict=True)
    ]


def build_figure(title: str, bars: Sequence[ChartBar], *, right_to_left: bool = False) -> Figure:
    """The chart as a matplotlib Figure (first option at the top)."""
    height = 1.2 + 0.5 * max(len(bars), 1)
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    positions = list(range(len(bars)))
    axes.barh(positions, [bar.percent for bar in bars], color=BAR_COLOUR)
    axes.set_yticks(positions, [bar.label for bar in bars])
    axes.invert_yaxis()
    axes.set_xlim(0, max([100.0, *(bar.percent for bar in bars)]) * 1.15)
    axes.set_title(title, wrap=True)
    for position, bar in zip(positions, bars, strict=True):
        axes.annotate(
            bar.value_label,
            (bar.percent, position),
            xytext=(-4 if right_to_left else 4, 0),
            textcoords="offset points",
            va="center",
            ha="right" if right_to_left else "left",
        )
    if right_to_left:
        axes.invert_xaxis()
        axes.yaxis.tick_right()
    axes.spines[["top", "left" if right_to_left else "right"]].set_visible(False)
    return figure


def render_png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def results_chart(
    title: str, bars: Sequence[ChartBar], *, language: str = "en", right_to_left: bool = False
) -> bytes:
    """The chart as PNG bytes, ready to send as a photo."""
    with rc_context({"font.family": FONT_FAMILY, "text.language": language}):
        return render_png(build_figure(title, bars, right_to_left=right_to_left))


def chart_bars(tr: Translator, report: PollReport) -> list[ChartBar]:
    """A report's totals as bars, labelled in the reader's language; no bar for a hidden
    figure (bot/disclosure.py), written the one way hidden figures are."""
    bars = []
    for option in report.results.tally.options:
        label = report.option_labels[option.index]
        if option.votes is None or option.percent is None:
            bars.append(ChartBar(label, 0.0, tr.gettext(HIDDEN)))
            continue
        share = tr.format_percent(option.percent / 100, digits=0)
        bars.append(ChartBar(label, option.percent, f"{share} ({tr.format_number(option.votes)})"))
    return bars


def report_chart(tr: Translator, report: PollReport) -> bytes:
    """A report's chart as PNG, in the reader's language and direction."""
    bars = chart_bars(tr, report)
    return results_chart(report.question, bars, language=tr.language, right_to_left=tr.is_rtl)
