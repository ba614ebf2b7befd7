"""The core of the Diaspora Outreach Bot: settings, storage, languages and domain services.

Nothing in this package imports ``telegram``; handlers/ translates between Telegram and these
services.
"""
