"""The console's pages, one module per area; each has ``routes()`` (console/app.py adds them)."""
