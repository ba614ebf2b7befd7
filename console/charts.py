"""The console's charts: the same PNG the chat sends (bot/polls/chart.py), from the published
figures only."""

from __future__ import annotations

from bot.i18n import Translator
from bot.polls.chart import report_chart
from bot.polls.service import PollReport


def results_png(tr: Translator, report: PollReport) -> bytes:
    return report_chart(tr, report)
