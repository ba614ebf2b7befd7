"""A registration in progress: answers not yet confirmed, kept with the conversation state.

Nothing in a draft reaches the members table until the member confirms the summary, and a
draft is stored at all only for someone who consented (see bot/registration/consent.py).
Answers a stored draft may hold from older versions (city, skills, plans, phone) are
dropped when it is read.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any

from bot.registration.answers import Gender, Interest, MemberType, OccupationGroup


@dataclass
class Draft:
    """Every answer registration collects; all optional until confirm checks the required."""

    member_type: MemberType | None = None
    country: str | None = None
    departure_date: date | None = None
    consulate_id: str | None = None
    region_id: str | None = None
    occupation_group: OccupationGroup | None = None
    interests: set[Interest] = field(default_factory=set)
    birth_year: int | None = None
    gender: Gender | None = None

    @property
    def is_complete(self) -> bool:
        """The answers registration cannot do without: member type, country, consulate."""
        if self.member_type is None or self.country is None:
            return False
        return self.member_type is MemberType.RETURNED or self.consulate_id is not None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (for the conversation store)."""
        data = asdict(self)
        data["departure_date"] = self.departure_date.isoformat() if self.departure_date else None
        data["interests"] = sorted(self.interests)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Draft:
        """Rebuild a draft; unknown keys and values that no longer parse are dropped."""
        known = {f.name for f in fields(cls)}
        draft = cls()
        for key, value in data.items():
            if key in known and value is not None:
                try:
                    setattr(draft, key, _parse(key, value))
                except ValueError:
                    continue
        return draft


def _parse(key: str, value: Any) -> Any:
    parsers: dict[str, Any] = {
        "member_type": MemberType,
        "departure_date": date.fromisoformat,
        "occupation_group": OccupationGroup,
        "gender": Gender,
        "interests": lambda items: {Interest(i) for i in items},
        "birth_year": int,
    }
    parser = parsers.get(key)
    return parser(value) if parser else value
