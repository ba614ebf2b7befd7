"""The order of registration's steps, which apply to whom, and where Back and Skip lead."""

from __future__ import annotations

from enum import IntEnum

from bot.registration.answers import MemberType
from bot.registration.draft import Draft


class Step(IntEnum):
    """Conversation states, in the order asked. Values are stored, so only append, and never
    reuse a retired value: 1 was the consent (now a message before the conversation), 5, 9,
    13 and 14 were city, skills, plans and phone, which no feature read (migration 0014)."""

    MEMBER_TYPE = 2
    COUNTRY = 3
    DEPARTURE = 4
    CONSULATE = 6
    REGION = 7
    OCCUPATION = 8
    INTERESTS = 10
    BIRTH_YEAR = 11
    GENDER = 12
    SUMMARY = 15


ORDER = tuple(Step)
OPTIONAL = frozenset(
    {
        Step.DEPARTURE,
        Step.REGION,
        Step.OCCUPATION,
        Step.INTERESTS,
        Step.BIRTH_YEAR,
        Step.GENDER,
    }
)
# Steps a member can change from the summary (SUMMARY is not an answer).
EDITABLE = tuple(step for step in ORDER if step is not Step.SUMMARY)


def applies(step: Step, draft: Draft, consulate_choices: int) -> bool:
    """Whether ``step`` is asked of this member."""
    if step is Step.COUNTRY:
        return draft.member_type is not MemberType.RETURNED
    if step is Step.DEPARTURE:
        return draft.member_type is MemberType.LEAVING
    if step is Step.CONSULATE:
        return draft.member_type is not MemberType.RETURNED and consulate_choices > 1
    return True


def next_step(step: Step, draft: Draft, consulate_choices: int) -> Step:
    """The step after ``step`` for this member (SUMMARY at the end)."""
    for candidate in ORDER[ORDER.index(step) + 1 :]:
        if applies(candidate, draft, consulate_choices):
            return candidate
    return Step.SUMMARY


def previous_step(step: Step, draft: Draft, consulate_choices: int) -> Step:
    """The step before ``step`` for this member (MEMBER_TYPE at the start)."""
    for candidate in reversed(ORDER[: ORDER.index(step)]):
        if applies(candidate, draft, consulate_choices):
            return candidate
    return Step.MEMBER_TYPE


def first_missing(draft: Draft) -> Step | None:
    """The first required answer still missing, if any."""
    if draft.member_type is None:
        return Step.MEMBER_TYPE
    if draft.member_type is not MemberType.RETURNED:
        if draft.country is None:
            return Step.COUNTRY
        if draft.consulate_id is None:
            return Step.CONSULATE
    return None
