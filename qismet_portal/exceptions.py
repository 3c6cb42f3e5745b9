"""Domain errors raised by services and model guards.

Views turn them into form errors or messages; they never reach the user as a 500.
"""


class DomainError(Exception):
    """A business rule refused the requested change. The message is shown to the user."""


class ImmutableError(DomainError):
    """Something that must never change after a point (a published standard version) was changed."""


class TransitionNotAllowed(DomainError):
    """A status change that the state machine does not allow from the current state."""
