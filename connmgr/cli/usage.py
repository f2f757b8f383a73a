"""A mistake in the command itself, which exits with status 2."""


class UsageError(Exception):
    """A mistake in the command itself: exit status 2."""
