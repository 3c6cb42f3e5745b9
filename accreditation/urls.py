from django.urls import path

from .views import (
    appeals,
    applications,
    assessors,
    certificates,
    decisions,
    evidence,
    information,
    reports,
    scoring,
    screening,
)

app_name = "accreditation"
urlpatterns = [
    # applications and the self-assessment workspace
    path("", applications.application_list, name="application_list"),
    path("start/", applications.application_start, name="application_start"),
    path("<int:pk>/", applications.application_detail, name="application_detail"),
    path("<int:pk>/history/", applications.application_history, name="application_history"),
    path(
        "<int:pk>/criteria/<int:criterion_pk>/",
        applications.response_edit,
        name="response_edit",
    ),
    path("<int:pk>/submit/", applications.application_submit, name="application_submit"),
    path("<int:pk>/withdraw/", applications.application_withdraw, name="application_withdraw"),
    # evidence
    path("<int:pk>/evidence/", evidence.evidence_library, name="evidence_library"),
    path(
        "<int:pk>/criteria/<int:criterion_pk>/evidence/upload/",
        evidence.evidence_upload,
        name="evidence_upload",
    ),
    path(
        "<int:pk>/criteria/<int:criterion_pk>/evidence/link/",
        evidence.evidence_link,
        name="evidence_link",
    ),
    path(
        "<int:pk>/criteria/<int:criterion_pk>/evidence/search/",
        evidence.evidence_search,
        name="evidence_search",
    ),
    path(
        "<int:pk>/evidence/links/<int:link_pk>/remove/",
        evidence.evidence_unlink,
        name="evidence_unlink",
    ),
    path(
        "<int:pk>/evidence/<int:document_pk>/",
        evidence.evidence_detail,
        name="evidence_detail",
    ),
    path(
        "<int:pk>/evidence/<int:document_pk>/replace/",
        evidence.evidence_replace,
        name="evidence_replace",
    ),
    path(
        "<int:pk>/evidence/revisions/<int:revision_pk>/download/",
        evidence.evidence_download,
        name="evidence_download",
    ),
    # screening, assessor profiles and assignment (views/screening.py, views/assessors.py)
    path("screening/", screening.screening_queue, name="screening_queue"),
    path("<int:pk>/screening/", screening.application_screen, name="application_screen"),
    path("<int:pk>/assessors/", screening.assignment_manage, name="assignment_manage"),
    path(
        "assignments/<int:assignment_pk>/",
        screening.assignment_respond,
        name="assignment_respond",
    ),
    path("assessors/me/interests/", assessors.interests_mine, name="interests_mine"),
    path("assessors/<int:user_pk>/", assessors.assessor_profile, name="assessor_profile"),
    # scoring and evidence preview (views/scoring.py)
    path("<int:pk>/scoring/", scoring.scoring_overview, name="scoring_overview"),
    path("<int:pk>/scoring/complete/", scoring.scoring_complete, name="scoring_complete"),
    path(
        "<int:pk>/scoring/<int:criterion_pk>/",
        scoring.scoring_criterion,
        name="scoring_criterion",
    ),
    path(
        "<int:pk>/evidence/revisions/<int:revision_pk>/preview/",
        scoring.evidence_preview,
        name="evidence_preview",
    ),
    # information requests (views/information.py)
    path(
        "<int:pk>/information-requests/new/",
        information.information_request_new,
        name="information_request_new",
    ),
    path(
        "<int:pk>/information-requests/<int:request_pk>/",
        information.information_request_detail,
        name="information_request_detail",
    ),
    path(
        "<int:pk>/information-requests/<int:request_pk>/cancel/",
        information.information_request_cancel,
        name="information_request_cancel",
    ),
    path(
        "<int:pk>/submissions/<int:number>/changes/",
        information.submission_changes,
        name="submission_changes",
    ),
    # moderation, decision and conditions (views/decisions.py)
    path("<int:pk>/moderation/", decisions.moderation_overview, name="moderation_overview"),
    path(
        "<int:pk>/moderation/<int:criterion_pk>/",
        decisions.moderation_criterion,
        name="moderation_criterion",
    ),
    path("<int:pk>/recommendation/", decisions.recommendation, name="recommendation"),
    path("<int:pk>/results/", decisions.results, name="results"),
    path("<int:pk>/decision/", decisions.decision, name="decision"),
    path(
        "<int:pk>/conditions/<int:condition_pk>/",
        decisions.condition_detail,
        name="condition_detail",
    ),
    # appeals (views/appeals.py)
    path("<int:pk>/appeal/", appeals.appeal_lodge, name="appeal_lodge"),
    path("<int:pk>/reports/", reports.report_list, name="report_list"),
    path(
        "<int:pk>/reports/<int:report_pk>/progress/",
        reports.report_progress,
        name="report_progress",
    ),
    path(
        "<int:pk>/reports/<int:report_pk>/download/",
        reports.report_download,
        name="report_download",
    ),
    path("<int:pk>/reports/<int:report_pk>/retry/", reports.report_retry, name="report_retry"),
    path("<int:pk>/reports/<int:report_pk>/share/", reports.report_share, name="report_share"),
    path(
        "<int:pk>/reports/<int:report_pk>/comments/",
        reports.report_comments,
        name="report_comments",
    ),
    path(
        "<int:pk>/reports/<int:report_pk>/comments/close/",
        reports.report_comments_close,
        name="report_comments_close",
    ),
    path(
        "<int:pk>/reports/<int:report_pk>/comments/<int:comment_pk>/answer/",
        reports.report_comment_answer,
        name="report_comment_answer",
    ),
    path("<int:pk>/appeals/<int:appeal_pk>/", appeals.appeal_detail, name="appeal_detail"),
    # certificates (views/certificates.py; the public register and verification are in
    # register_urls.py)
    path("certificates/", certificates.certificate_list, name="certificate_list"),
    path("certificates/export.csv", certificates.certificate_export, name="certificate_export"),
    path("<int:pk>/certificate/", certificates.certificate_detail, name="certificate_detail"),
    path("<int:pk>/certificate/issue/", certificates.certificate_issue, name="certificate_issue"),
    path("<int:pk>/renew/", certificates.renewal_start, name="renewal_start"),
    path(
        "<int:pk>/certificate/progress/",
        certificates.certificate_progress,
        name="certificate_progress",
    ),
    path(
        "<int:pk>/certificate/download/",
        certificates.certificate_download,
        name="certificate_download",
    ),
    path("<int:pk>/certificate/retry/", certificates.certificate_retry, name="certificate_retry"),
    *[
        path(
            f"<int:pk>/certificate/{change}/",
            certificates.certificate_change,
            {"transition": change},
            name=f"certificate_{change}",
        )
        for change in ("suspend", "reinstate", "withdraw")
    ],
]
