"""Announcements and their delivery: audience selection, the durable outbox, the rate-limited
sender."""
