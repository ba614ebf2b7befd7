"""Errors that stop the program with one clear message for the operator."""


class ConfigError(Exception):
    """A setting, file or path the operator controls is unusable.

    The message names the file, field or variable and says what is wrong, so ``main.py`` can
    print it as the only line of output and exit.
    """
