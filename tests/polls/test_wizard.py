"""PollSketch: the wizard's rules, step by step, and the draft it becomes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from polls.drafting import Problem, ProblemKind
from polls.wizard import PollSketch, parse_closing

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def test_options_are_checked_and_translations_must_match_the_count() -> None:
    sketch = PollSketch("en")
    assert sketch.set_question("en", "Open on Saturdays?", 200) == []
    assert sketch.add_options("en", ["Yes", "x" * 101]) == [
        Problem("options[2].en", ProblemKind.OPTION_TOO_LONG, 100, 101)
    ]
    assert sketch.options["en"] == []  # nothing kept from a refused message
    assert sketch.add_options("en", ["Yes", "No"]) == []
    assert sketch.set_question("fr", "Ouvrir le samedi ?", 200) == []
    assert sketch.add_options("fr", ["Oui", "Non", "Peut-être"]) == [
        Problem("options.fr", ProblemKind.OPTION_COUNT_MISMATCH, 2, 3)
    ]
    assert sketch.add_options("fr", ["Oui"]) == []
    assert sketch.translations == []  # one option still missing
    assert sketch.add_options("fr", ["Non"]) == []
    draft = PollSketch.from_data(sketch.to_data()).draft([], 7, NOW)
    assert draft.options_in("fr") == ("Oui", "Non")
    assert draft.closes_at == NOW + timedelta(hours=24)


def test_a_typed_closing_time_is_read_in_the_zone_and_at_most_30_days_ahead() -> None:
    closes = parse_closing("2027-03-05 18:00", "Asia/Dubai", NOW)
    assert closes == datetime(2027, 3, 5, 14, 0, tzinfo=UTC)
    assert parse_closing("2027-05-01 18:00", "Asia/Dubai", NOW) == Problem(
        "closes", ProblemKind.CLOSES_TOO_LATE, 2_628_000
    )
    assert isinstance(parse_closing("tomorrow", "Asia/Dubai", NOW), Problem)
