"""Reads for the information part of the assessment."""


def detail_panel(application, user) -> dict:
    """What the application page shows about information, for ``user`` (merged into its context)."""
    return {}
