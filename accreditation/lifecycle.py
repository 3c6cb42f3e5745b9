"""The application's lifecycle, declared once: every status, what it means to the people who see
it, and every transition between statuses.

Everything else reads from here: the model's django-fsm-2 transitions take their sources and
targets from ``TRANSITIONS``; ``application_transition`` words its refusals from the same
entries; pages show ``STATUS_INFO`` (a plain name and "what happens next", for the provider and
for QISMET staff). A new status or transition is one change in this file (and a migration for the
choices), not a hunt through views and messages.

The path::

    draft → submitted → in assessment → moderation → awaiting decision → decided
              ↑   ↓          ↑   ↓                                        (accredited /
           returned      information requested                             with conditions /
                                                                            not accredited)
    with conditions → accredited        (every condition signed off)
    with conditions / not accredited → appeal → decided again

Withdrawal is allowed until the assessors have finished scoring: after that the provider would
be withdrawing to avoid a decision already in the making, which an accrediting body must not
allow. Programmes are locked from submission until a decision (and again during an appeal), so
what the assessors read stays what was declared.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Waiting for screening"
    RETURNED = "returned", "Returned to provider"
    IN_ASSESSMENT = "in_assessment", "In assessment"
    INFORMATION_REQUESTED = "information_requested", "More information requested"
    MODERATION = "moderation", "In moderation"
    AWAITING_DECISION = "awaiting_decision", "Awaiting decision"
    ACCREDITED = "accredited", "Accredited"
    CONDITIONAL = "conditional", "Accredited with conditions"
    NOT_ACCREDITED = "not_accredited", "Not accredited"
    APPEAL = "appeal", "Appeal under review"
    WITHDRAWN = "withdrawn", "Withdrawn"


S = ApplicationStatus


@dataclass(frozen=True)
class StatusInfo:
    """What a status means, for the two audiences that see it."""

    provider_next: str
    staff_next: str
    #: Bootstrap colour of its badge.
    tone: str = "secondary"


STATUS_INFO: dict[str, StatusInfo] = {
    S.DRAFT: StatusInfo(
        "Answer every criterion and link your evidence. Someone who can sign then submits it.",
        "The provider is still writing its self-assessment.",
        "secondary",
    ),
    S.SUBMITTED: StatusInfo(
        "QISMET is checking that your application is complete. You will hear within 10 working "
        "days whether it goes to assessment or comes back to you.",
        "An administrator checks it is complete, then accepts it for assessment or returns it "
        "to the provider with reasons.",
        "primary",
    ),
    S.RETURNED: StatusInfo(
        "QISMET has returned your application with reasons, shown at the top. Make the changes, "
        "then submit it again.",
        "Waiting for the provider to make changes and submit again.",
        "warning",
    ),
    S.IN_ASSESSMENT: StatusInfo(
        "Two independent assessors are reading your application and scoring each criterion. "
        "They may ask you for more information.",
        "The assessors score every criterion. When both have finished, the lead assessor "
        "moderates.",
        "info",
    ),
    S.INFORMATION_REQUESTED: StatusInfo(
        "The assessors have asked for more information on some criteria, listed in the request below. "
        "Only those criteria are open again: answer them and submit by the date given.",
        "Waiting for the provider to answer a request for more information.",
        "warning",
    ),
    S.MODERATION: StatusInfo(
        "The assessors have finished. The lead assessor is agreeing the final scores and "
        "writing a recommendation.",
        "The lead assessor agrees each score and writes a recommendation.",
        "info",
    ),
    S.AWAITING_DECISION: StatusInfo(
        "An administrator who was not one of your assessors will make the decision.",
        "An administrator who did not assess this application decides the outcome.",
        "info",
    ),
    S.ACCREDITED: StatusInfo(
        "Your programme is accredited.",
        "Accredited.",
        "success",
    ),
    S.CONDITIONAL: StatusInfo(
        "Your programme is accredited with conditions. Send evidence against each condition "
        "before its deadline; when every condition is signed off, it is fully accredited.",
        "The provider is working on its conditions; an administrator signs each one off.",
        "success",
    ),
    S.NOT_ACCREDITED: StatusInfo(
        "Your programme was not accredited. The decision gives the reasons; you may appeal "
        "within the period shown.",
        "Not accredited. The provider may appeal within the appeal window.",
        "danger",
    ),
    S.APPEAL: StatusInfo(
        "Your appeal is being considered by people who had no part in the assessment or the "
        "decision.",
        "Reviewers who had no part in the assessment or the decision consider the appeal.",
        "warning",
    ),
    S.WITHDRAWN: StatusInfo(
        "This application was withdrawn and is kept for the record.",
        "Withdrawn by the provider; kept for the record.",
        "secondary",
    ),
}


@dataclass(frozen=True)
class Transition:
    """One allowed change: from which statuses, to which, and how people say it happened."""

    sources: tuple[str, ...]
    targets: tuple[str, ...]
    #: Completes "… so it cannot be {verb} now".
    verb: str

    @property
    def target(self):
        """The single target for django-fsm, or the list a transition may choose from."""
        return self.targets[0] if len(self.targets) == 1 else None


DECIDED = (S.ACCREDITED, S.CONDITIONAL, S.NOT_ACCREDITED)

TRANSITIONS: dict[str, Transition] = {
    "submit": Transition((S.DRAFT, S.RETURNED), (S.SUBMITTED,), "submitted"),
    "accept": Transition((S.SUBMITTED,), (S.IN_ASSESSMENT,), "accepted for assessment"),
    "return_to_provider": Transition((S.SUBMITTED,), (S.RETURNED,), "returned to the provider"),
    "request_information": Transition(
        (S.IN_ASSESSMENT,), (S.INFORMATION_REQUESTED,), "sent a request for more information"
    ),
    "respond": Transition(
        (S.INFORMATION_REQUESTED,), (S.IN_ASSESSMENT,), "re-submitted with more information"
    ),
    "cancel_information_request": Transition(
        (S.INFORMATION_REQUESTED,), (S.IN_ASSESSMENT,), "taken back from the provider"
    ),
    "begin_moderation": Transition((S.IN_ASSESSMENT,), (S.MODERATION,), "moderated"),
    "recommend": Transition((S.MODERATION,), (S.AWAITING_DECISION,), "sent for a decision"),
    "decide": Transition((S.AWAITING_DECISION,), DECIDED, "decided"),
    "conditions_met": Transition((S.CONDITIONAL,), (S.ACCREDITED,), "accredited unconditionally"),
    "lodge_appeal": Transition((S.CONDITIONAL, S.NOT_ACCREDITED), (S.APPEAL,), "appealed"),
    "decide_appeal": Transition((S.APPEAL,), DECIDED, "decided on appeal"),
    "withdraw": Transition(
        (S.DRAFT, S.SUBMITTED, S.RETURNED, S.IN_ASSESSMENT, S.INFORMATION_REQUESTED),
        (S.WITHDRAWN,),
        "withdrawn",
    ),
}

#: Statuses in which an application is alive: one per programme at a time.
OPEN_STATUSES = tuple(
    s for s in ApplicationStatus if s not in (S.ACCREDITED, S.NOT_ACCREDITED, S.WITHDRAWN)
)
#: Statuses in which the provider may change any answer and evidence. (While information is
#: requested, only the criteria named in the request re-open: see ``accreditation.selectors``.)
EDITABLE_STATUSES = (S.DRAFT, S.RETURNED)
#: Statuses in which QISMET has the application: the programme's details are locked.
PROGRAMME_LOCKED_STATUSES = (
    S.SUBMITTED,
    S.IN_ASSESSMENT,
    S.INFORMATION_REQUESTED,
    S.MODERATION,
    S.AWAITING_DECISION,
    S.APPEAL,
)
#: Statuses in which assessors work on the application.
ASSESSMENT_STATUSES = (S.IN_ASSESSMENT, S.INFORMATION_REQUESTED, S.MODERATION)
#: Statuses after a decision (the appeal re-opens one).
DECIDED_STATUSES = DECIDED


def _sentence_list(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} or {words[-1]}"


def refusal(*, reference: str, status: str, transition: str) -> str:
    """Why ``transition`` cannot happen to an application in ``status``, said from the
    declaration: where it is, and where it would have to be."""
    entry = TRANSITIONS[transition]
    label = ApplicationStatus(status).label.lower()
    if status in entry.targets and transition in ("submit", "withdraw"):
        return f"Application {reference} has already been {entry.verb}."
    if status == S.WITHDRAWN:
        return f"Application {reference} was withdrawn, so it cannot be {entry.verb}."
    allowed = _sentence_list([f"“{ApplicationStatus(s).label.lower()}”" for s in entry.sources])
    return (
        f"Application {reference} is “{label}”, so it cannot be {entry.verb} now. That can "
        f"only happen while it is {allowed}."
    )
