"""/results (VIEW): recent polls as buttons; a choice sends the totals, the breakdowns with
small groups suppressed, the chart as a photo and the aggregate CSV as a document.
/closepoll ID (COMPOSE): stop taking answers, stop every recipient's Telegram poll and, when
the poll shares its results, send participants the totals in their own language.

Staff limited to some consulates see and close only polls sent within their remit: PollService
checks the acting person on every call (bot/access.py); a refusal is the one short answer.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.access import Permission
from handlers import callbacks
from handlers.context import App, AppContext
from handlers.polls.closing import finish_closing
from handlers.polls.texts import breakdown_lines, summary_text
from handlers.replies import chat_id_of, reply
from handlers.staff import current_staff
from polls.chart import draw_report_chart
from polls.export import export_csv

FEATURE = "pres"
QUESTION_PREVIEW = 40


async def results_command(update: Update, context: AppContext) -> None:
    """List recent polls, or report on ``/results ID``."""
    args = context.args or []
    if args and args[0].isdigit():
        await send_report(update, context, int(args[0]))
        return
    polls = await context.services.polls.recent(await context.acting(update))
    if not polls:
        await reply(update, context, context.tr.gettext("No polls yet."))
        return
    rows = [
        [
            InlineKeyboardButton(
                f"#{poll.id} {question[:QUESTION_PREVIEW]} ({poll.status})",
                callback_data=callbacks.encode(FEATURE, str(poll.id)),
            )
        ]
        for poll, question in polls
    ]
    text = context.tr.gettext("Choose a poll:")
    await reply(update, context, text, InlineKeyboardMarkup(rows))


async def results_button(update: Update, context: AppContext) -> None:
    """Report on the poll whose button was pressed (the press is answered once the report
    is allowed: a refusal answers it with an alert instead)."""
    query = update.callback_query
    assert query is not None
    await current_staff(update, context, Permission.VIEW)
    fields = callbacks.fields(query.data, FEATURE)
    if len(fields) == 1 and fields[0].isdigit():
        await send_report(update, context, int(fields[0]))
    await query.answer()


async def send_report(update: Update, context: AppContext, poll_id: int) -> None:
    """Totals and breakdowns as text, then the chart and the CSV."""
    tr, chat_id = context.tr, chat_id_of(update)
    assert chat_id is not None
    actor = await context.acting(update)
    try:
        report = await context.services.polls.report(
            poll_id, tr.language, actor, ("text", "png", "csv")
        )
    except LookupError:
        await reply(update, context, tr.gettext("No poll has that number."))
        return
    deployment = context.services.deployment
    lines = [summary_text(tr, report)]
    lines += breakdown_lines(tr, deployment, report.results, report.option_labels)
    await reply(update, context, "\n".join(lines))
    if report.results.withheld:
        return  # nothing to draw or export yet
    await context.bot.send_photo(chat_id, await draw_report_chart(tr, report))
    csv_text = export_csv(report.results, report.question, report.option_labels)
    await context.bot.send_document(
        chat_id, csv_text.encode("utf-8"), filename=f"poll-{poll_id}-results.csv"
    )


async def close_command(update: Update, context: AppContext) -> None:
    """Close ``/closepoll ID``: later answers are ignored."""
    await current_staff(update, context, Permission.COMPOSE)
    tr, args = context.tr, context.args or []
    if len(args) != 1 or not args[0].isdigit():
        await reply(update, context, tr.gettext("Use: /closepoll &lt;poll number&gt;"))
        return
    poll_id = int(args[0])
    polls = context.services.polls
    try:
        closed = await polls.close(poll_id, await context.acting(update))
    except LookupError:
        await reply(update, context, tr.gettext("No poll has that number."))
        return
    if closed.already_closed:
        await reply(update, context, tr.gettext("That poll is already closed."))
        return
    await finish_closing(context.bot, context.services, closed)
    text = tr.gettext("Poll %(id)s is closed; answers from now on are ignored.")
    await reply(update, context, text % {"id": poll_id})


def register(application: App) -> None:
    access = application.bot_data.access
    access.require(Permission.VIEW, commands=("results",), features=(FEATURE,))
    access.require(Permission.COMPOSE, commands=("closepoll",))
    application.add_handler(CommandHandler("results", results_command))
    application.add_handler(
        CallbackQueryHandler(results_button, pattern=callbacks.pattern(FEATURE))
    )
    application.add_handler(CommandHandler("closepoll", close_command))
