"""Reads for the appeals part of the assessment."""


def detail_panel(application, user) -> dict:
    """What the application page shows about appeals, for ``user`` (merged into its context)."""
    return {}
