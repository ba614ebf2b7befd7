"""SQLite storage: one connection with WAL, versioned migrations, one repository per aggregate."""

from bot.storage.database import Database

__all__ = ["Database"]
