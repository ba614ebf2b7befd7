"""The inbox: members ask their consulate (/ask), staff answer (/inbox)."""
