from django.urls import path

from .views import appeals, applications, evidence

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
    # scoring and evidence preview (views/scoring.py)
    # information requests (views/information.py)
    # moderation, decision and conditions (views/decisions.py)
    # appeals (views/appeals.py)
    path("<int:pk>/appeal/", appeals.appeal_lodge, name="appeal_lodge"),
    path("<int:pk>/appeals/<int:appeal_pk>/", appeals.appeal_detail, name="appeal_detail"),
]
