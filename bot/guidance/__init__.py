"""Pre-departure guidance: orientation content, the checklist and departure reminders."""

from bot.guidance.checklist import ChecklistLine, ChecklistService, UnknownChecklistItem
from bot.guidance.content import (
    ChecklistItem,
    DestinationNote,
    GuidanceContent,
    Topic,
    guidance_path,
    load_guidance,
)
from bot.guidance.reminders import (
    DAYS_BEFORE,
    PlannedReminder,
    ReminderService,
    plan_reminders,
    reminder_zone,
)

__all__ = [
    "DAYS_BEFORE",
    "ChecklistItem",
    "ChecklistLine",
    "ChecklistService",
    "DestinationNote",
    "GuidanceContent",
    "PlannedReminder",
    "ReminderService",
    "Topic",
    "UnknownChecklistItem",
    "guidance_path",
    "load_guidance",
    "plan_reminders",
    "reminder_zone",
]
