"""The results chart: a valid PNG whose bars are the option percentages, Arabic included."""

from __future__ import annotations

import io
import struct
import warnings

from matplotlib.patches import Rectangle
from PIL import Image

from bot.polls.chart import ChartBar, bars_for, build_figure, results_chart

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
    assert width == 800 and height > 100
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
    assert axes.get_title() == "Question?"


def test_an_arabic_chart_is_mirrored_and_renders() -> None:
    bars = [ChartBar("نعم", 60.0, "٦٠٪ (٦)"), ChartBar("لا", 40.0, "٤٠٪ (٤)")]
    figure = build_figure("هل القنصلية قريبة منك؟", bars, right_to_left=True)
    axes = figure.axes[0]
    left, right = axes.get_xlim()
    assert left > right  # bars grow leftwards
    assert [label.get_text() for label in axes.get_yticklabels()] == ["نعم", "لا"]
    data = results_chart("هل القنصلية قريبة منك؟", bars, language="ar", right_to_left=True)
    assert png_size(data)[0] == 800


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
