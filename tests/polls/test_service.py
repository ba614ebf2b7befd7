"""PollService: ``check`` refuses a sensitive question whatever the route, ``preview`` says how
many would be asked as bands, never the count; a quick poll never sent does not stay open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.disclosure import Band
from bot.sensitive import SensitiveQuestion
from bot.services import Services
from broadcasts.audience import Audience
from polls.drafting import PollDraft, quick_draft
from tests.auxil.actors import OPERATOR, in_chat
from tests.broadcasts.builders import add_member

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)


def draft(question: str, *, audience: Audience | None = None) -> PollDraft:
    return PollDraft(
        base_language="en",
        questions={"en": "Which service should open on Saturdays?", "pt": question},
        options=[{"en": "Passports", "pt": "Passaportes"}, {"en": "Other", "pt": "Outro"}],
        closes_at=NOW + timedelta(days=1),
        audience=audience or Audience.of(consulates=["madrid"]),
    )


def test_check_refuses_a_sensitive_question_in_any_language(services: Services) -> None:
    with pytest.raises(SensitiveQuestion) as refused:
        services.polls.check(draft("Você tem autorização de residência válida?"), NOW)
    assert refused.value.matches[0].field == "question.pt"
    services.polls.check(draft("Que serviço deveria abrir aos sábados?"), NOW)


@pytest.mark.parametrize(
    ("members", "band"), [(0, Band(0, 0)), (3, Band(1, 4)), (12, Band(10, 14))]
)
async def test_preview_is_banded(services: Services, members: int, band: Band) -> None:
    for user_id in range(members):
        await add_member(services.database, 600 + user_id, consulate_id="madrid", country="ES")
    counts = await services.polls.preview(draft("Que serviço?"), OPERATOR)
    assert counts.total == band and counts.per_language["en"] == band
    assert counts.per_language["pt"] == Band(0, 0)


@pytest.mark.parametrize("action", ["reject", "cancel"])
async def test_a_quick_poll_stopped_before_it_was_sent_is_closed_not_left_open(
    services: Services, action: str
) -> None:
    for user_id in range(5):
        await add_member(services.database, 700 + user_id, consulate_id="madrid", country="ES")
    author = await services.staff.put(OPERATOR, 41, "editor", ["madrid"])
    approver = await services.staff.put(OPERATOR, 42, "editor", ["madrid"])
    text = "Should the consulate open on Saturdays? | Yes | No"
    quick = quick_draft(text, "en", Audience.of(consulates=["madrid"]), 41, NOW)
    created = await services.polls.create(quick, in_chat(author), NOW)
    broadcast_id = created.published.broadcast_id
    assert broadcast_id is not None
    if action == "reject":
        await services.broadcasts.reject(broadcast_id, in_chat(approver))
    else:
        await services.broadcasts.cancel(broadcast_id, in_chat(author))
    # It closes 24 hours after it is sent, and now it never will be: it closes at once.
    closed = await services.polls.close_due(datetime.now(UTC))
    assert [poll.poll_id for poll in closed] == [created.poll_id]
