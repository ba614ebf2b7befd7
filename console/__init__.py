"""The consulate's desk: a web console for staff, served by the bot itself (aiohttp, in the
same process and event loop), calling the same services as the chat handlers with the staff
member as actor: no rule, count or permission is written here (see console/app.py)."""
