"""Reads for the decisions part of the assessment."""


def detail_panel(application, user) -> dict:
    """What the application page shows about decisions, for ``user`` (merged into its context)."""
    return {}
