"""The results chart: a valid PNG whose bars are the option percentages, Arabic included,
drawn in fonts the project ships, readable on a phone and saying how many answered."""

from __future__ import annotations

import asyncio
import io
import struct
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from PIL import Image

from bot.settings import PROJECT_ROOT
from polls.chart import (
    ChartBar,
    bars_for,
    build_figure,
    draw_results_chart,
    results_chart,
)

#: How wide a photo shows in a phone's chat (CSS pixels), and the smallest text still read
#: there without zooming.
PHONE_WIDTH_PX = 360
SMALLEST_READABLE_PX = 12
ARABIC_QUESTION = "هل القنصلية قريبة منك؟"
LONG_QUESTION = (
    "Would you use a consular service that answers questions about contracts, wages and"
    " working conditions by video call on Saturdays and Sundays?"
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk."""
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def test_the_chart_is_a_png_that_decodes() -> None:
    data = results_chart("Question?", bars_for(["Yes", "No"], [75.0, 25.0], [3, 1]))
    width, height = png_size(data)
    assert width >= 2 * PHONE_WIDTH_PX and height > 100
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        assert image.size == (width, height)


def test_the_bars_are_the_percentages_with_their_labels() -> None:
    bars = bars_for(["Yes", "No", "Unsure"], [50.0, 30.0, 20.0], [50, 30, 20])
    figure = build_figure("Question?", bars)
    axes = figure.axes[0]
    widths = [patch.get_width() for patch in axes.patches if isinstance(patch, Rectangle)]
    assert widths == [50.0, 30.0, 20.0]
    assert [label.get_text() for label in axes.get_yticklabels()] == ["Yes", "No", "Unsure"]
    assert [text.get_text() for text in axes.texts] == ["50% (50)", "30% (30)", "20% (20)"]
    assert "Question?" in shown_texts(figure)


def test_an_arabic_chart_is_mirrored_and_renders() -> None:
    bars = [ChartBar("نعم", 60.0, "٦٠٪ (٦)"), ChartBar("لا", 40.0, "٤٠٪ (٤)")]
    figure = build_figure("هل القنصلية قريبة منك؟", bars, right_to_left=True)
    axes = figure.axes[0]
    left, right = axes.get_xlim()
    assert left > right  # bars grow leftwards
    assert [label.get_text() for label in axes.get_yticklabels()] == ["نعم", "لا"]
    data = results_chart("هل القنصلية قريبة منك؟", bars, language="ar", right_to_left=True)
    assert png_size(data)[0] >= 2 * PHONE_WIDTH_PX


def test_arabic_text_finds_its_glyphs() -> None:
    """matplotlib warns "Glyph ... missing from font(s)" when it draws an empty box."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        results_chart(
            "هل القنصلية قريبة منك؟",
            [ChartBar("نعم بالتأكيد", 50.0, "50% (5)")],
            language="ar",
            right_to_left=True,
        )


def texts_of(figure: Figure) -> list[Text]:
    """Every piece of text drawn: titles, option labels, value labels, axis labels."""
    found = [text for text in figure.findobj(Text) if text.get_visible() and text.get_text()]
    return [text for text in found if all(parent.get_visible() for parent in parents(text))]


def parents(text: Text) -> list[object]:
    """The axis a tick label belongs to, whose visibility hides it too."""
    axes = text.axes
    if axes is None:
        return []
    return [axis for axis in (axes.xaxis, axes.yaxis) if text in axis.get_ticklabels()]


def shown_texts(figure: Figure) -> list[str]:
    return [text.get_text() for text in texts_of(figure)]


@pytest.mark.parametrize("right_to_left", [False, True], ids=["ltr", "rtl"])
def test_every_text_reads_on_a_phone_and_fits_in_the_picture(right_to_left: bool) -> None:
    """Telegram shows a photo about 360 px wide on a phone: every text must still be at least
    12 px high there, and none may be cut off by the picture's edge."""
    labels = ["Yes, on Saturdays and on Sundays", "No", "Only by appointment, and only online"]
    bars = bars_for(labels, [100.0, 0.0, 0.0], [1234, 0, 0])
    figure = build_figure(
        LONG_QUESTION, bars, subtitle="Respondents: 1234", right_to_left=right_to_left
    )
    width_px = figure.get_figwidth() * figure.dpi
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    for text in texts_of(figure):
        height_on_phone = text.get_fontsize() * figure.dpi / 72 * PHONE_WIDTH_PX / width_px
        assert height_on_phone >= SMALLEST_READABLE_PX, text.get_text()
        box = text.get_window_extent(renderer)
        assert box.x0 >= 0 and box.x1 <= width_px, f"cut off: {text.get_text()!r}"


def test_the_chart_says_how_many_answered() -> None:
    bars = bars_for(["Yes", "No"], [60.0, 40.0], [12, 8])
    figure = build_figure("Question?", bars, subtitle="Respondents: 20")
    assert "Respondents: 20" in shown_texts(figure)


def test_arabic_is_drawn_with_the_font_the_project_ships() -> None:
    """Noto Sans Arabic comes with the code (polls/fonts/, OFL), not from the machine."""
    import polls.chart as chart

    results_chart(ARABIC_QUESTION, [ChartBar("نعم", 60.0, "٦٠٪ (٦)")], right_to_left=True)
    found = findfont(FontProperties(family="Noto Sans Arabic"), fallback_to_default=False)
    assert Path(found) == chart.ARABIC_FONT
    assert chart.ARABIC_FONT.is_relative_to(PROJECT_ROOT / "polls" / "fonts")
    assert (chart.ARABIC_FONT.parent / "OFL.txt").is_file()


def test_drawing_charts_logs_no_font_warning() -> None:
    """In a fresh process (matplotlib warns once per missing font and process): an English
    and an Arabic chart, with logging at WARNING as the command line has it."""
    script = (
        "import logging, warnings\n"
        "logging.basicConfig(level=logging.WARNING)\n"
        "warnings.simplefilter('error')\n"
        "from polls.chart import ChartBar, bars_for, results_chart\n"
        "results_chart('Question?', bars_for(['Yes', 'No'], [60.0, 40.0], [6, 4]),"
        " subtitle='Respondents: 10')\n"
        f"results_chart({ARABIC_QUESTION!r}, [ChartBar('نعم', 60.0, '٦٠٪ (٦)')],"
        " subtitle='عدد المجيبين: ١٠', language='ar', right_to_left=True)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PROJECT_ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


async def test_the_bot_keeps_answering_while_a_chart_is_drawn() -> None:
    """Drawing takes a noticeable fraction of a second: it happens off the event loop, so
    other members' updates are handled meanwhile."""
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.001)

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0)
    before = ticks
    await draw_results_chart(LONG_QUESTION, bars_for(["Yes", "No"], [60.0, 40.0], [6, 4]))
    ticker.cancel()
    assert ticks - before > 3


async def test_charts_drawn_at_once_are_those_drawn_one_by_one() -> None:
    arabic = bars_for(["نعم", "لا"], [60.0, 40.0], [6, 4])
    english = bars_for(["Yes", "No"], [60.0, 40.0], [6, 4])
    alone = (
        results_chart(ARABIC_QUESTION, arabic, language="ar", right_to_left=True),
        results_chart(LONG_QUESTION, english),
    )
    together = await asyncio.gather(
        *(
            draw
            for _ in range(3)
            for draw in (
                draw_results_chart(ARABIC_QUESTION, arabic, language="ar", right_to_left=True),
                draw_results_chart(LONG_QUESTION, english),
            )
        )
    )
    assert tuple(together[:2]) == alone and set(together) == set(alone)
