"""A bare python-telegram-bot echo bot: the baseline the registration benchmark compares to.

Configured like the real bot (same connection pool, same concurrency), with nothing else.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters
from telegram.request import HTTPXRequest


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message and update.effective_message.text:
        await update.effective_message.reply_text(update.effective_message.text)


def main() -> None:
    application = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_BASE_URL"])
        .request(HTTPXRequest(connection_pool_size=64))
        .concurrent_updates(64)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    print("Receiving updates by long polling", flush=True)
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
