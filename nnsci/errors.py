"""One exception type for every problem a user can cause.

The CLI turns an :class:`NnsciError` into one line on stderr and exit code 1,
so a bad input never ends in a traceback."""


class NnsciError(Exception):
    """A problem with the user's input, data or environment, stated in one line."""
