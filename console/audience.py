"""The audience picker's choices, in the staff member's language, and the Audience a posted
form describes. Which consulates and countries a staff member may address is the service's
rule (BroadcastService.addressable_consulates); this only names them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aiohttp import web

from bot.access import Actor
from bot.labels import INTERESTS, MEMBER_TYPE_NAMES, OCCUPATIONS
from bot.services import Services
from broadcasts.audience import Audience
from broadcasts.labels import AUDIENCE_HEADINGS
from console.render import SERVICES, translator_for

#: Form field -> Audience filter, in the order the picker shows them.
AUDIENCE_FIELDS = (
    "consulates",
    "countries",
    "member_types",
    "languages",
    "interests",
    "occupation_groups",
    "regions",
)

Choices = list[tuple[str, str]]


async def audience_choices(request: web.Request, actor: Actor) -> dict[str, tuple[str, Choices]]:
    """Each filter's heading and its (value, name) choices, names in the reader's language."""
    services: Services = request.app[SERVICES]
    tr = await translator_for(request)
    broadcasts = services.broadcasts
    named: dict[str, Choices] = {
        "consulates": [
            (c.id, c.name_in(tr.language)) for c in broadcasts.addressable_consulates(actor)
        ],
        "countries": sorted(
            ((code, tr.country(code)) for code in broadcasts.addressable_countries(actor)),
            key=lambda choice: choice[1],
        ),
        "member_types": [(k.value, tr.gettext(v)) for k, v in MEMBER_TYPE_NAMES.items()],
        "languages": [(code, tr.language_name(code)) for code in services.languages.enabled],
        "interests": [(k.value, tr.gettext(v)) for k, v in INTERESTS.items()],
        "occupation_groups": [(k.value, tr.gettext(v)) for k, v in OCCUPATIONS.items()],
        "regions": [(r.id, r.name_in(tr.language)) for r in services.deployment.regions],
    }
    return {name: (tr.gettext(AUDIENCE_HEADINGS[name]), named[name]) for name in AUDIENCE_FIELDS}


def audience_from(chosen: Mapping[str, Sequence[str]]) -> Audience:
    """The Audience of the ticked values (the service refuses what the actor may not address)."""
    return Audience.of(**{name: list(chosen.get(name, ())) for name in AUDIENCE_FIELDS})
