"""Reads for the screening part of the assessment."""


def detail_panel(application, user) -> dict:
    """What the application page shows about screening, for ``user`` (merged into its context)."""
    return {}
