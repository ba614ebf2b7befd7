"""The results chart: one horizontal bar per option, its percentage, labelled with its count,
under the question and how many answered.

Texts arrive already translated, and the figures come from the published results; the chart
only draws them. matplotlib (the Agg canvas directly, no pyplot global state) shapes Arabic and
orders right-to-left text itself through libraqm (bundled since matplotlib 3.11). The fonts
come with the code, so no machine draws empty boxes or logs "font not found": DejaVu Sans
(shipped inside matplotlib) for Latin scripts, and Noto Sans Arabic (shipped here, in
polls/fonts/, under the SIL Open Font License) for Arabic, registered at import. For
right-to-left languages the chart is mirrored: bars grow leftwards from labels on the right.

Staff read it on a phone, where Telegram shows a photo about 360 pixels wide: the picture is
narrow (so it is scaled down little), its text large, and long questions and options wrap.
"""

from __future__ import annotations

import asyncio
import functools
import io
import textwrap
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot.i18n import N_, Translator

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from polls.service import PollReport

#: How a hidden figure is written (the same word as in the text and the CSV).
HIDDEN = N_("suppressed")
#: The subtitle: how many answered, as published.
RESPONDENTS = N_("Respondents: %(count)s")
FONTS_DIR = Path(__file__).parent / "fonts"
ARABIC_FONT = FONTS_DIR / "NotoSansArabic-Regular.ttf"
LATIN_FAMILY = "DejaVu Sans"
ARABIC_FAMILY = "Noto Sans Arabic"
BAR_COLOUR = "#2b6cb0"
SUBTITLE_COLOUR = "#444444"
#: 4.5 inches at 200 dots per inch: 900 pixels wide, shown about 360 wide on a phone, where
#: 12-point text is about 13 pixels high.
WIDTH_INCHES = 4.5
DPI = 200
TEXT_POINTS = 12
TITLE_POINTS = 14
#: Characters per line before a question or an option label wraps.
TITLE_WRAP = 34
LABEL_WRAP = 16
#: From this share on, a bar's figure is written inside it; shorter bars leave room beside.
INSIDE_FROM = 50.0


# matplotlib is imported when the first chart is drawn, not with this module: it takes half a
# second, and every start of the bot and of each command-line verb imports this module.
@functools.cache
def register_fonts() -> None:
    """Make the Arabic font shipped in polls/fonts/ known to matplotlib (once per process)."""
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(ARABIC_FONT))


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


def font_family(right_to_left: bool) -> list[str]:
    """The fonts to try, glyph by glyph: the script's own font first."""
    if right_to_left:
        return [ARABIC_FAMILY, LATIN_FAMILY]
    return [LATIN_FAMILY, ARABIC_FAMILY]


def wrapped(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def build_figure(
    title: str,
    bars: Sequence[ChartBar],
    *,
    subtitle: str = "",
    right_to_left: bool = False,
) -> Figure:
    """The chart as a matplotlib Figure (first option at the top); ``subtitle`` says how many
    answered."""
    from matplotlib.figure import Figure

    register_fonts()
    label_lines = sum(wrapped(bar.label, LABEL_WRAP).count("\n") + 1 for bar in bars)
    title_lines = wrapped(title, TITLE_WRAP).count("\n") + 1
    height = 1.0 + 0.3 * title_lines + 0.35 * max(label_lines, 1) + 0.25 * len(bars)
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, layout="constrained")
    figure.suptitle(wrapped(title, TITLE_WRAP), fontsize=TITLE_POINTS)
    axes = figure.add_subplot()
    positions = list(range(len(bars)))
    axes.barh(positions, [bar.percent for bar in bars], color=BAR_COLOUR)
    axes.set_yticks(positions, [wrapped(bar.label, LABEL_WRAP) for bar in bars])
    axes.tick_params(axis="y", labelsize=TEXT_POINTS, length=0)
    axes.invert_yaxis()
    axes.set_xlim(0, max([100.0, *(bar.percent for bar in bars)]))
    axes.xaxis.set_visible(False)  # each bar carries its own figure
    if subtitle:
        axes.set_title(
            subtitle,
            fontsize=TEXT_POINTS,
            color=SUBTITLE_COLOUR,
            loc="right" if right_to_left else "left",
        )
    for position, bar in zip(positions, bars, strict=True):
        label_value(axes, bar, position, right_to_left=right_to_left)
    if right_to_left:
        axes.invert_xaxis()
        axes.yaxis.tick_right()
    axes.spines[["top", "bottom", "left" if right_to_left else "right"]].set_visible(False)
    return figure


def label_value(axes: Axes, bar: ChartBar, position: int, *, right_to_left: bool) -> None:
    """Write the bar's figure at its end: inside a long bar (in white), beside a short one,
    so the label never runs off the picture however long it is."""
    inside = bar.percent >= INSIDE_FROM
    growth = -1 if right_to_left else 1  # the bar's direction on the picture
    side = -growth if inside else growth
    axes.annotate(
        bar.value_label,
        (bar.percent, position),
        xytext=(4 * side, 0),
        textcoords="offset points",
        va="center",
        ha="left" if side > 0 else "right",
        color="white" if inside else "black",
        fontsize=TEXT_POINTS,
    )


def render_png(figure: Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


#: matplotlib's settings (rcParams) are one per process; rc_context changes them for every
#: thread, so two charts drawn at once would swap fonts. One chart at a time.
RC_LOCK = threading.Lock()


def results_chart(
    title: str,
    bars: Sequence[ChartBar],
    *,
    subtitle: str = "",
    language: str = "en",
    right_to_left: bool = False,
) -> bytes:
    """The chart as PNG bytes, ready to send as a photo."""
    from matplotlib import rc_context

    with (
        RC_LOCK,
        rc_context({"font.family": font_family(right_to_left), "text.language": language}),
    ):
        figure = build_figure(title, bars, subtitle=subtitle, right_to_left=right_to_left)
        return render_png(figure)


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


def chart_subtitle(tr: Translator, report: PollReport) -> str:
    """How many answered, as published (a chart is drawn only once that is shown)."""
    respondents = report.results.tally.respondents
    if respondents is None:
        return ""
    return tr.gettext(RESPONDENTS) % {"count": tr.format_number(respondents)}


async def draw_results_chart(
    title: str,
    bars: Sequence[ChartBar],
    *,
    subtitle: str = "",
    language: str = "en",
    right_to_left: bool = False,
) -> bytes:
    """results_chart in a worker thread: drawing takes a good fraction of a second, and the
    bot keeps answering everyone else meanwhile."""
    return await asyncio.to_thread(
        results_chart,
        title,
        bars,
        subtitle=subtitle,
        language=language,
        right_to_left=right_to_left,
    )


async def draw_report_chart(tr: Translator, report: PollReport) -> bytes:
    """A report's chart as PNG, in the reader's language and direction, saying how many
    answered; drawn off the event loop."""
    return await draw_results_chart(
        report.question,
        chart_bars(tr, report),
        subtitle=chart_subtitle(tr, report),
        language=tr.language,
        right_to_left=tr.is_rtl,
    )
