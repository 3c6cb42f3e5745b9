"""Loading a checked standard file into the database, all of it or nothing."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.models import User

from ..models import (
    Criterion,
    Standard,
    StandardVersion,
    Theme,
    VersionEvent,
    criterion_position,
)
from .schema import StandardDocument, StandardFileInvalid, standard_file_parse


def _database_problems(document: StandardDocument, standard: Standard | None) -> list[str]:
    if standard is None:
        return []
    problems = []
    if standard.versions.filter(number=document.number).exists():
        problems.append(
            f"version › number: {standard.code} already has a version {document.number}; "
            "give this version a new number"
        )
    if standard.is_demonstration != document.demonstration:
        marked = "is" if standard.is_demonstration else "is not"
        problems.append(
            f"standard › demonstration: {standard.code} {marked} marked as demonstration content "
            "in the portal, and the file says otherwise"
        )
    return problems


def standard_import(
    *, data: bytes, user: User | None, publish: bool = False, source_name: str = ""
) -> StandardVersion:
    """Create a new draft version (and its standard, if new) from a standard file.

    The whole file is checked first; then everything is written in one transaction, so a refused
    or failed import leaves nothing behind. Criteria keep the keys the file gives them (an export
    of another version of the same standard carries its criteria's identities); a criterion with
    no key in the file gets a new one. With ``publish`` the draft is published at once
    (retiring the standard's current version), through the same checks as publishing by hand.
    An existing standard keeps its name and description; only the new version is added.
    """
    from ..services import version_publish

    document = standard_file_parse(data)
    try:
        with transaction.atomic():
            standard = Standard.objects.select_for_update().filter(code=document.code).first()
            problems = _database_problems(document, standard)
            if problems:
                raise StandardFileInvalid(problems)
            if standard is None:
                standard = Standard.objects.create(
                    code=document.code,
                    name=document.name,
                    description=document.description,
                    is_demonstration=document.demonstration,
                )
            version = _version_create(document, standard)
            note = f"Imported from {source_name}." if source_name else ""
            VersionEvent.objects.create(
                version=version,
                action=VersionEvent.Action.IMPORTED,
                to_status=version.status,
                by=user,
                note=note,
            )
            if publish:
                version = version_publish(version=version, user=user)
    except IntegrityError:
        # Another import of the same standard or version number won the race.
        raise StandardFileInvalid(
            [f"version › number: {document.code} already has a version {document.number}"]
        ) from None
    return version


def _version_create(document: StandardDocument, standard: Standard) -> StandardVersion:
    version = StandardVersion.objects.create(
        standard=standard,
        number=document.number,
        notes=document.notes,
        scale=document.scale,
        not_applicable_label=document.not_applicable_label,
        outcome_rule=document.outcome_rule,
        certificate_validity_months=document.certificate_validity_months,
    )
    themes = Theme.objects.bulk_create(
        Theme(version=version, number=theme.number, title=theme.title, summary=theme.summary)
        for theme in document.themes
    )
    Criterion.objects.bulk_create(
        Criterion(
            theme=theme,
            code=criterion.code,
            title=criterion.title,
            requirement=criterion.requirement,
            guidance=criterion.guidance,
            evidence_examples=criterion.evidence_examples,
            mandatory=criterion.mandatory,
            na_allowed=criterion.na_allowed,
            weight=criterion.weight,
            order=criterion_position(criterion.code),
            merged_keys=list(criterion.merged_keys),
            # A file without keys (written before keys existed) gets new ones.
            **({} if criterion.key is None else {"key": criterion.key}),
        )
        for theme, theme_data in zip(themes, document.themes, strict=True)
        for criterion in theme_data.criteria
    )
    return version
