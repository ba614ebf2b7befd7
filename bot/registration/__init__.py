"""Registration with a consulate: the answers, their checks, country search and the rules
for turning a confirmed draft into a member."""
