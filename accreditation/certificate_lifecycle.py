"""A certificate's lifecycle, declared once: every status, what it means in plain words to the
public (the register and the verification page say it), and every transition.

The path::

    active ⇄ suspended          (an administrator suspends and reinstates, with a reason)
    active / suspended → withdrawn      (an administrator, with a reason; final)
    active / suspended → expired        (the daily job, once the last valid day has passed)
    active / suspended / expired → superseded   (a later certificate for the same programme)

The model's django-fsm-2 transitions take their sources and targets from ``TRANSITIONS``;
``services.certificates`` words its refusals from the same entries, and the public pages show
``STATUS_INFO``. A new status is one change here (and a migration for the choices).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class CertificateStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    WITHDRAWN = "withdrawn", "Withdrawn"
    EXPIRED = "expired", "Expired"
    SUPERSEDED = "superseded", "Superseded"


C = CertificateStatus

#: Statuses in which a certificate still stands for its application (one at a time).
LIVE_STATUSES = (C.ACTIVE, C.SUSPENDED)


@dataclass(frozen=True)
class CertificateStatusInfo:
    #: What the verification page says, completed with the certificate's own facts.
    public: str
    #: Bootstrap colour of its badge.
    tone: str


STATUS_INFO: dict[str, CertificateStatusInfo] = {
    C.ACTIVE: CertificateStatusInfo(
        "This certificate is valid. The programme is accredited by QISMET.", "success"
    ),
    C.SUSPENDED: CertificateStatusInfo(
        "This certificate is suspended. The programme is not accredited while it is suspended.",
        "warning",
    ),
    C.WITHDRAWN: CertificateStatusInfo(
        "This certificate was withdrawn by QISMET. The programme is no longer accredited.",
        "danger",
    ),
    C.EXPIRED: CertificateStatusInfo(
        "This certificate has expired. The programme is no longer accredited under it.",
        "secondary",
    ),
    C.SUPERSEDED: CertificateStatusInfo(
        "This certificate has been replaced by a newer certificate for the same programme.",
        "secondary",
    ),
}


@dataclass(frozen=True)
class CertificateTransition:
    sources: tuple[str, ...]
    target: str
    #: Completes "… so it cannot be {verb}".
    verb: str
    #: Made by an administrator, who must give a reason (the others are made by the portal).
    by_administrator: bool


TRANSITIONS: dict[str, CertificateTransition] = {
    "suspend": CertificateTransition((C.ACTIVE,), C.SUSPENDED, "suspended", True),
    "reinstate": CertificateTransition((C.SUSPENDED,), C.ACTIVE, "reinstated", True),
    "withdraw": CertificateTransition((C.ACTIVE, C.SUSPENDED), C.WITHDRAWN, "withdrawn", True),
    "expire": CertificateTransition((C.ACTIVE, C.SUSPENDED), C.EXPIRED, "expired", False),
    "supersede": CertificateTransition(
        (C.ACTIVE, C.SUSPENDED, C.EXPIRED), C.SUPERSEDED, "superseded", False
    ),
}

#: The changes an administrator makes from the certificate page, in the order offered.
ADMINISTRATOR_CHANGES = tuple(name for name, t in TRANSITIONS.items() if t.by_administrator)


def refusal(*, number: str, status: str, transition: str) -> str:
    """Why ``transition`` cannot happen to a certificate in ``status``, in plain words."""
    entry = TRANSITIONS[transition]
    label = CertificateStatus(status).label.lower()
    if status == entry.target:
        return f"Certificate {number} is already {label}."
    allowed = " or ".join(f"“{CertificateStatus(s).label.lower()}”" for s in entry.sources)
    return (
        f"Certificate {number} is “{label}”, so it cannot be {entry.verb}. That can only happen "
        f"while it is {allowed}."
    )
