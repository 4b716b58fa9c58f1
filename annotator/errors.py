"""The one exception type for user mistakes: the CLI prints it as one line and exits 1."""


class UserError(Exception):
    """A problem with the user's input (file, line, option), reported without a traceback."""
