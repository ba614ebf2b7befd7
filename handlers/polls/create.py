"""/poll: staff create a poll. The quick form ``/poll Question? | Yes | No`` asks everyone in
the staff member's consulates, segmented, as soon as the approval policy lets it go, and closes
24 hours after it is sent (not after it was written: waiting for approval takes none of it).
``/poll`` alone in a private chat starts the staff wizard (``handlers.polls.wizard``);
elsewhere it explains the quick form.

The poll is sent as an announcement (``polls.publishing.BroadcastPublisher``): when it
waits for approval, the staff who may approve it get the same request with buttons as for any
broadcast, and the sweep sends it once approved.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from telegram import Update
from telegram.ext import CommandHandler

from bot.access import Permission
from bot.i18n import Translator
from bot.sensitive import SensitiveQuestion
from broadcasts.audience import Audience
from broadcasts.compose import BroadcastError
from broadcasts.labels import refusal_text
from handlers.broadcast_view import sensitive_refusal
from handlers.broadcasts import ask_for_approval
from handlers.context import App, AppContext
from handlers.polls.texts import problem_text
from handlers.replies import esc, reply
from handlers.staff import current_staff
from polls.drafting import DraftError, PollDraft, quick_draft
from polls.publishing import PublishState
from polls.service import CreatedPoll, PublishingUnavailable


def usage(tr: Translator) -> str:
    return tr.gettext(
        "Quick poll: /poll Question? | Option 1 | Option 2 (up to 12 options). It goes to"
        " everyone in your consulates as soon as it may (once approved, where approval is"
        " needed) and closes 24 hours after it is sent; until then each answer is"
        " linked to the member's profile for breakdowns, and after that only the published"
        " totals remain. For translations, anonymous polls, other audiences and times, use:"
        " python main.py poll create FILE.toml"
    )


def confirmation(tr: Translator, created: CreatedPoll) -> str:
    if created.published.state is PublishState.AWAITING_APPROVAL:
        first = tr.gettext(
            "Poll %(id)s is stored and waits for another staff member's approval; it closes"
            " 24 hours after it is sent."
        )
    else:
        first = tr.gettext("Poll %(id)s is being sent now; it closes in 24 hours.")
    lines = [first % {"id": created.poll_id}]
    if created.fallback_languages:
        languages = ", ".join(tr.language_name(code) for code in created.fallback_languages)
        lines.append(
            tr.gettext(
                "The question and options are in your language only: members who use"
                " %(languages)s see them in your language, with the privacy notice in their own."
            )
            % {"languages": esc(languages)}
        )
    lines.append(tr.gettext("See the answers with /results."))
    return "\n".join(lines)


async def poll_command(update: Update, context: AppContext) -> None:
    """Create a quick poll from ``/poll Question? | A | B``."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    staff = await current_staff(update, context, Permission.COMPOSE)
    _, _, text = (message.text or "").partition(" ")
    tr = context.tr
    if not text.strip():
        await reply(update, context, usage(tr))
        return
    audience = Audience.of(consulates=staff.consulates)
    draft = quick_draft(text, tr.language, audience, user.id, datetime.now(UTC))
    await publish(update, context, draft, confirmation)


async def publish(
    update: Update,
    context: AppContext,
    draft: PollDraft,
    confirm: Callable[[Translator, CreatedPoll], str],
) -> bool:
    """Create the poll through PollService (the approval policy applies), say what happened
    and ask approvers when it waits for them; False when it was not sent."""
    tr = context.tr
    actor = await context.acting(update)
    try:
        created = await context.services.polls.create(draft, actor)
    except DraftError as error:
        lines = [tr.gettext("The poll was not sent:")]
        lines += [problem_text(tr, problem) for problem in error.problems]
        await reply(update, context, "\n".join(lines))
        return False
    except SensitiveQuestion as refused:
        lines = [tr.gettext("The poll was not sent:"), sensitive_refusal(tr, refused)]
        await reply(update, context, "\n".join(lines))
        return False
    except BroadcastError as error:
        lines = [tr.gettext("The poll was not sent:"), esc(refusal_text(tr, error))]
        await reply(update, context, "\n".join(lines))
        return False
    except PublishingUnavailable:
        await reply(update, context, tr.gettext("Sending is not available right now."))
        return False
    lines = [confirm(tr, created)]
    broadcast_id = created.published.broadcast_id
    if created.published.state is PublishState.AWAITING_APPROVAL and broadcast_id is not None:
        services = context.services
        broadcast = await services.broadcasts.get(broadcast_id, actor)
        lines.append(await ask_for_approval(context.bot, services, tr, broadcast, actor))
    await reply(update, context, "\n".join(lines))
    return True


def register(application: App) -> None:
    application.bot_data.access.require(Permission.COMPOSE, commands=("poll",))
    application.add_handler(CommandHandler("poll", poll_command))
