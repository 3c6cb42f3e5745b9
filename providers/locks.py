"""Why a programme's details may not change now, asked of the apps that know.

``providers`` sits below ``accreditation``: it must not import it. An app that can lock a
programme (accreditation, while QISMET has an application of it) registers a function here when
it starts; ``programme_update`` asks every registered function before changing anything.
"""

from collections.abc import Callable

#: Each takes a programme (locked by the caller) and returns a plain reason, or "" if unlocked.
_CHECKS: list[Callable[[object], str]] = []


def register_programme_lock(check: Callable[[object], str]) -> None:
    if check not in _CHECKS:
        _CHECKS.append(check)


def programme_lock_reason(programme) -> str:
    """The first reason given by a registered check, or "" when the programme may change."""
    for check in _CHECKS:
        reason = check(programme)
        if reason:
            return reason
    return ""
