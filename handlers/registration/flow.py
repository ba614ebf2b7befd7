"""The order of registration's steps, which apply to whom, and where Back and Skip lead."""

from __future__ import annotations

from enum import IntEnum

from bot.registration.answers import MemberType
from bot.registration.draft import Draft


class Step(IntEnum):
    """Conversation states. Values are stored, so only append."""

    CONSENT = 1
    MEMBER_TYPE = 2
    COUNTRY = 3
    DEPARTURE = 4
    CITY = 5
    CONSULATE = 6
    REGION = 7
    OCCUPATION = 8
    SKILLS = 9
    INTERESTS = 10
    BIRTH_YEAR = 11
    GENDER = 12
    INTENTION = 13
    PHONE = 14
    SUMMARY = 15


ORDER = tuple(Step)
OPTIONAL = frozenset(
    {
        Step.DEPARTURE,
        Step.CITY,
        Step.REGION,
        Step.OCCUPATION,
        Step.SKILLS,
        Step.INTERESTS,
        Step.BIRTH_YEAR,
        Step.GENDER,
        Step.INTENTION,
        Step.PHONE,
    }
)
# Steps a member can change from the summary (CONSENT and SUMMARY are not answers).
EDITABLE = tuple(step for step in ORDER if step not in (Step.CONSENT, Step.SUMMARY))


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
        if candidate is not Step.CONSENT and applies(candidate, draft, consulate_choices):
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
