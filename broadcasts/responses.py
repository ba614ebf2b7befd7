"""Members answer announcements: the one response button an announcement may carry ("I'm
interested", or "I'll attend" with optional places and a waiting list), the answers, and the
names and contacts members choose to share with the programme office.

Rules, all here (handlers and the console only translate):

- A member may answer only an announcement that was sent to them (an outbox row marked sent
  for one of its deliveries): a button pressed by anyone else, or forged callback data, is
  refused (``ResponseRefused``). Pressing again withdraws the answer.
- "I'll attend" with places: answers beyond them wait in line, in the order they came; a
  confirmed member who withdraws lets the first in line in, and the caller tells them.
- Staff see the numbers of answers under the disclosure rule (bot/disclosure.py): bands, as
  for progress, never an exact count under k.
- For investment and programme announcements only, a member who answered may share their name
  and one contact (their Telegram @username, or a phone number sent with Telegram's contact
  button) with the staff of the announcement's consulates, for that announcement only, after a
  second screen saying exactly that. They can remove it at any time (/mydata lists it);
  withdrawing the answer removes it too, and /delete erases answers and contacts
  (ON DELETE CASCADE from members).
- The list of shared contacts, and its CSV export, are for staff holding SEE_CONTACTS over
  every consulate of the announcement (``require``); each reading is written to the audit log.

- "Tell me more" opens an /ask thread (handlers/ask.py) under the topic that fits the
  announcement's category (bot/inbox/announcements.py), for members it was sent to only; a
  press is kept as an answer (counted in bands like the others, erased like them) and the
  question the member then writes under that topic starts with "About announcement #N: ...".

Answers and shared contacts
are erased ``responses_days`` after the announcement finished (bot/retention.py), if the
member did not withdraw them or erase their data before.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, replace

from bot.access import Actor, Permission, allows, require
from bot.deployment import Deployment
from bot.disclosure import Band, Disclosure
from bot.i18n import N_, Languages
from bot.inbox.announcements import ABOUT_LINE, first_words, topic_for
from bot.staff import StaffService
from bot.storage.database import Database
from broadcasts.compose import BroadcastService, Category
from broadcasts.payload import Button, Payload
from broadcasts.repository import Broadcast
from broadcasts.response_store import (
    Answer,
    ContactKind,
    Promoted,
    ResponseKind,
    ResponseOffer,
    ResponseRepository,
    SharedContact,
)

logger = logging.getLogger(__name__)

#: Callback data of a response button: ``v1:resp:<action>:<broadcast id>`` (handlers/responses.py
#: matches the same grammar in full, see handlers/callbacks.py).
FEATURE = "resp"
PRESS = "press"
#: Callback data of "Tell me more": handled by /ask (handlers/ask.py).
TELL_ME_MORE_DATA = "v1:ask:about:{}"
#: Categories whose announcements let members share a contact with the programme office.
SHARING_CATEGORIES = frozenset({Category.INVESTMENT.value, Category.PROGRAMME.value})
BUTTON_LABELS = {
    ResponseKind.INTERESTED: N_("I'm interested"),
    ResponseKind.ATTEND: N_("I'll attend"),
    ResponseKind.TELL_ME_MORE: N_("Tell me more"),
}


def callback_data(action: str, broadcast_id: int) -> str:
    return f"v1:{FEATURE}:{action}:{broadcast_id}"


class ResponseRefused(ValueError):
    """The member may not do this (not sent to them, no button, no sharing here, no answer)."""


@dataclass(frozen=True)
class Pressed:
    """What pressing the button did: ``answer`` is None when it withdrew the answer;
    ``promoted`` the member let in from the waiting list; ``may_share`` that the member may
    now be offered to share a contact."""

    kind: ResponseKind
    answer: Answer | None
    promoted: Promoted | None = None
    may_share: bool = False


@dataclass(frozen=True)
class SharingTerms:
    """What the confirmation screen says: with the staff of which consulates (empty: every
    consulate) the name and contact would be shared."""

    broadcast_id: int
    consulates: tuple[str, ...]


@dataclass(frozen=True)
class ResponseSummary:
    """What staff see of an announcement's answers: the button, bands, and whether this
    staff member may see the shared contacts (and how many entries the list has then)."""

    offer: ResponseOffer
    confirmed: Band
    waiting: Band
    may_see_contacts: bool
    shares_contacts: bool


@dataclass
class ResponseService:
    database: Database
    deployment: Deployment
    languages: Languages
    staff: StaffService
    broadcasts: BroadcastService

    def __post_init__(self) -> None:
        self.repository = ResponseRepository(self.database)
        self.disclosure = Disclosure(self.deployment.policies.poll_min_cell_size)

    # --- composing and sending ---------------------------------------------------------------
    async def offer(self, broadcast_id: int) -> ResponseOffer | None:
        return await self.repository.offer(broadcast_id)

    async def with_button(self, broadcast: Broadcast, payloads: list[Payload]) -> list[Payload]:
        """The payloads as sent: each with the response button, labelled in its language."""
        offer = await self.repository.offer(broadcast.id)
        if offer is None or offer.kind not in BUTTON_LABELS:
            return payloads
        data = callback_data(PRESS, broadcast.id)
        if offer.kind is ResponseKind.TELL_ME_MORE:
            data = TELL_ME_MORE_DATA.format(broadcast.id)
        return [
            replace(p, buttons=(*p.buttons, Button(self.label(offer, p.language), None, data)))
            for p in payloads
        ]

    def label(self, offer: ResponseOffer, language: str) -> str:
        return self.languages.translator(language).gettext(BUTTON_LABELS[offer.kind])

    # --- members -----------------------------------------------------------------------------
    async def press(self, broadcast_id: int, telegram_user_id: int) -> Pressed:
        """Answer, or withdraw the answer given before."""
        broadcast, offer, member_id = await self._recipient(broadcast_id, telegram_user_id)
        if offer.kind is ResponseKind.TELL_ME_MORE:
            raise ResponseRefused(f"broadcast {broadcast_id} carries 'tell me more'")
        if await self.repository.answer(broadcast_id, member_id) is not None:
            _, promoted = await self.repository.withdraw(broadcast_id, member_id, offer.capacity)
            return Pressed(offer.kind, None, promoted)
        answer = await self.repository.add(broadcast_id, member_id, offer.capacity)
        return Pressed(offer.kind, answer, may_share=_collects_contacts(broadcast, offer))

    async def tell_me_more(self, broadcast_id: int, telegram_user_id: int) -> str:
        """Record the press; the inbox topic the member's question goes under."""
        broadcast, offer, member_id = await self._recipient(broadcast_id, telegram_user_id)
        if offer.kind is not ResponseKind.TELL_ME_MORE:
            raise ResponseRefused(f"broadcast {broadcast_id} does not carry 'tell me more'")
        await self.repository.pressed(broadcast_id, member_id)
        return topic_for(broadcast.category)

    async def about(self, member_id: int, broadcast_id: int) -> str | None:
        """The first line staff see on a question asked with this announcement's "Tell me
        more" (in the deployment's language); None unless the member pressed it."""
        offer = await self.repository.offer(broadcast_id)
        pressed = await self.repository.answer(broadcast_id, member_id)
        if offer is None or offer.kind is not ResponseKind.TELL_ME_MORE or pressed is None:
            return None
        broadcast = await self.broadcasts.repository.get(broadcast_id)
        if broadcast is None:
            return None
        payloads = await self.broadcasts.repository.payloads(broadcast)
        chosen = [p for p in payloads if p.language == broadcast.default_language] or payloads
        words = first_words(chosen[0].text or "") if chosen else ""
        tr = self.languages.translator(self.deployment.default_language)
        return tr.gettext(ABOUT_LINE) % {"number": str(broadcast.id), "words": words}

    async def sharing_terms(self, broadcast_id: int, telegram_user_id: int) -> SharingTerms:
        """What the member would share with whom (ResponseRefused if they may not)."""
        broadcast, offer, member_id = await self._recipient(broadcast_id, telegram_user_id)
        if not _collects_contacts(broadcast, offer):
            raise ResponseRefused(f"broadcast {broadcast_id} does not collect contacts")
        if await self.repository.answer(broadcast_id, member_id) is None:
            raise ResponseRefused(f"no answer to broadcast {broadcast_id}")
        return SharingTerms(broadcast_id, tuple(sorted(broadcast.audience.consulates)))

    async def share(
        self,
        broadcast_id: int,
        telegram_user_id: int,
        name: str,
        kind: ContactKind,
        contact: str,
    ) -> None:
        """Keep the name and contact the member agreed to share for this announcement."""
        await self.sharing_terms(broadcast_id, telegram_user_id)
        member_id = await self._member(telegram_user_id)
        if not name.strip() or not contact.strip():
            raise ResponseRefused("a shared contact needs a name and a contact")
        if not await self.repository.share(
            broadcast_id, member_id, name.strip()[:128], kind, contact.strip()[:64]
        ):
            raise ResponseRefused(f"no answer to broadcast {broadcast_id}")

    async def unshare(self, broadcast_id: int, telegram_user_id: int) -> bool:
        """Remove the contact shared for this announcement; False if there was none."""
        member_id = await self.repository.member_id(telegram_user_id)
        if member_id is None:
            return False
        return await self.repository.unshare(broadcast_id, member_id)

    async def shared_by(self, telegram_user_id: int) -> list[SharedContact]:
        """Every contact the member shares (for /mydata)."""
        member_id = await self.repository.member_id(telegram_user_id)
        return [] if member_id is None else await self.repository.contacts_of(member_id)

    async def _recipient(
        self, broadcast_id: int, telegram_user_id: int
    ) -> tuple[Broadcast, ResponseOffer, int]:
        offer = await self.repository.offer(broadcast_id)
        member_id = await self.repository.recipient(broadcast_id, telegram_user_id)
        broadcast = await self.broadcasts.repository.get(broadcast_id)
        if offer is None or offer.kind not in BUTTON_LABELS or member_id is None or not broadcast:
            raise ResponseRefused(f"broadcast {broadcast_id} was not sent with a button to them")
        return broadcast, offer, member_id

    async def _member(self, telegram_user_id: int) -> int:
        member_id = await self.repository.member_id(telegram_user_id)
        if member_id is None:
            raise ResponseRefused("not a member")
        return member_id

    # --- staff -------------------------------------------------------------------------------
    async def summary(self, broadcast_id: int, actor: Actor) -> ResponseSummary | None:
        """The answers to a broadcast as bands (None when it carries no button)."""
        broadcast = await self.broadcasts.get(broadcast_id, actor)
        offer = await self.repository.offer(broadcast_id)
        if offer is None:
            return None
        counts = await self.repository.counts(broadcast_id)
        collects = _collects_contacts(broadcast, offer)
        return ResponseSummary(
            offer,
            self.disclosure.band(counts.confirmed),
            self.disclosure.band(counts.waiting),
            collects and self._may_see_contacts(broadcast, actor),
            collects,
        )

    async def contacts(self, broadcast_id: int, actor: Actor) -> list[SharedContact]:
        """The names and contacts members agreed to share for this announcement."""
        await self._contacts_allowed(broadcast_id, actor)
        contacts = await self.repository.contacts(broadcast_id)
        await self.staff.audit(actor, "broadcast.contacts.view", str(broadcast_id))
        return contacts

    async def contacts_csv(self, broadcast_id: int, actor: Actor) -> str:
        """The list as CSV (name, contact kind, contact, shared at); the export is audited."""
        await self._contacts_allowed(broadcast_id, actor)
        contacts = await self.repository.contacts(broadcast_id)
        await self.staff.audit(
            actor, "broadcast.contacts.export", str(broadcast_id), entries=len(contacts)
        )
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["name", "contact_kind", "contact", "shared_at"])
        for entry in contacts:
            kind = entry.contact_kind.value
            writer.writerow([_defused(entry.name), kind, entry.contact, entry.shared_at])
        return out.getvalue()

    async def _contacts_allowed(self, broadcast_id: int, actor: Actor) -> Broadcast:
        require(actor, Permission.SEE_CONTACTS)  # before anything is looked up
        broadcast = await self.broadcasts.get(broadcast_id, actor)
        require(actor, Permission.SEE_CONTACTS, broadcast.audience.consulates)
        return broadcast

    def _may_see_contacts(self, broadcast: Broadcast, actor: Actor) -> bool:
        return allows(actor, Permission.SEE_CONTACTS, broadcast.audience.consulates)


def _collects_contacts(broadcast: Broadcast, offer: ResponseOffer) -> bool:
    """Members who answered may share a contact: investment and programme announcements with
    "I'm interested" or "I'll attend" (a "Tell me more" press leads to /ask instead)."""
    return broadcast.category in SHARING_CATEGORIES and offer.kind is not ResponseKind.TELL_ME_MORE


def _defused(value: str) -> str:
    """A name a spreadsheet will not run as a formula (members type their own names; phone
    numbers and usernames come from Telegram and may start with + or @)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
