"""Reads for the scoring part of the assessment."""


def detail_panel(application, user) -> dict:
    """What the application page shows about scoring, for ``user`` (merged into its context)."""
    return {}
