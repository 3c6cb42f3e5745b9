"""Evidence services: all-or-nothing uploads, revisions, links, history and file clean-up."""

import hashlib

import pytest
from django.utils import timezone

from accreditation.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    EvidenceDocument,
    EvidenceLink,
    EvidenceRevision,
)
from accreditation.services import evidence as services
from accreditation.services.evidence import EvidenceRefused
from qismet_portal.exceptions import DomainError
from tests.accreditation.factories import started_application
from tests.accreditation.hostile import (
    HOSTILE,
    docx_bytes,
    files_under,
    pdf_bytes,
    png_bytes,
    responses_of,
    upload,
    valid_files,
)

pytestmark = pytest.mark.django_db


def add(draft, response, user, *files, pointer=""):
    return services.evidence_upload(
        application=draft, response=response, files=list(files), pointer=pointer, user=user
    )


def submit(application) -> Application:
    now = timezone.now()
    Application.objects.filter(pk=application.pk).update(
        status=ApplicationStatus.SUBMITTED, submitted_at=now, declaration_signed_at=now
    )
    return Application.objects.get(pk=application.pk)


def test_every_accepted_type_is_stored_with_its_facts(
    private_storage, draft, responses, provider_user
):
    files = valid_files()
    links = add(
        draft,
        responses[0],
        provider_user,
        *(upload(name, content) for name, (content, _) in files.items()),
        pointer="section 4, p. 12",
    )
    assert len(links) == len(files) == EvidenceRevision.objects.count()
    for link in links:
        revision = link.document.current
        content, content_type = files[revision.original_name]
        assert revision.number == 1
        assert revision.size == len(content)
        assert revision.sha256 == hashlib.sha256(content).hexdigest()
        assert revision.content_type == content_type
        assert revision.uploaded_by == provider_user
        assert link.pointer == "section 4, p. 12"
        assert link.response == responses[0]
        # stored under a generated name: nothing of the original name reaches the disk
        stem = revision.original_name.rsplit(".", 1)[0]
        assert stem not in revision.file.name
        assert revision.file.name.startswith(f"evidence/{draft.pk}/")
        with revision.file.open("rb") as handle:
            assert handle.read() == content
    assert len(files_under(private_storage)) == len(files)
    events = ApplicationEvent.objects.filter(kind=ApplicationEvent.Kind.EVIDENCE_UPLOADED)
    assert events.count() == len(files)
    assert {event.document_id for event in events} == {link.document_id for link in links}
    assert all(event.criterion == responses[0].criterion for event in events)
    assert all(event.actor == provider_user for event in events)


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_file_refuses_the_whole_batch_and_keeps_earlier_evidence(
    case, private_storage, draft, responses, provider_user
):
    [earlier] = add(draft, responses[0], provider_user, upload("earlier.pdf", pdf_bytes("old")))
    before_files = files_under(private_storage)
    hostile = HOSTILE[case]
    with pytest.raises(EvidenceRefused) as refused:
        add(
            draft,
            responses[0],
            provider_user,
            upload("fine.png", png_bytes()),
            upload(hostile.name, hostile.content),
        )
    [problem] = refused.value.problems
    for words in hostile.expect:
        assert words in problem
    assert EvidenceRevision.objects.count() == 1
    assert EvidenceLink.objects.get() == earlier
    assert files_under(private_storage) == before_files
    with earlier.document.current.file.open("rb") as handle:
        assert handle.read() == pdf_bytes("old")
    assert ApplicationEvent.objects.filter(kind__startswith="evidence").count() == 1


def test_every_problem_of_a_batch_is_listed(private_storage, draft, responses, provider_user):
    with pytest.raises(EvidenceRefused) as refused:
        add(
            draft,
            responses[0],
            provider_user,
            upload("a.pdf", b""),
            upload("ok.pdf", pdf_bytes()),
            upload("b.pdf.exe", b"MZ"),
        )
    assert len(refused.value.problems) == 2
    assert refused.value.problems[0].startswith("“a.pdf” was not uploaded: the file is empty")
    assert refused.value.problems[1].startswith("“b.pdf.exe” was not uploaded:")
    assert not EvidenceDocument.objects.exists()


def test_the_application_quota_counts_every_revision(
    settings, private_storage, draft, responses, provider_user
):
    settings.EVIDENCE_APPLICATION_QUOTA_BYTES = len(pdf_bytes()) * 2 + 10
    add(draft, responses[0], provider_user, upload("one.pdf", pdf_bytes()))
    with pytest.raises(EvidenceRefused) as refused:
        add(
            draft,
            responses[1],
            provider_user,
            upload("two.pdf", pdf_bytes()),
            upload("three.pdf", pdf_bytes()),
        )
    assert "“two.pdf”, “three.pdf” were not uploaded: together they are" in str(refused.value)
    assert "evidence allowance left" in str(refused.value)
    assert EvidenceRevision.objects.count() == 1
    assert len(files_under(private_storage)) == 1


def test_nothing_to_upload_is_a_clear_refusal(draft, responses, provider_user):
    with pytest.raises(EvidenceRefused, match="Choose at least one file"):
        add(draft, responses[0], provider_user)


def test_a_pointer_longer_than_the_field_is_refused(
    private_storage, draft, responses, provider_user
):
    with pytest.raises(EvidenceRefused, match="keep it to 200 or fewer"):
        add(draft, responses[0], provider_user, upload("a.pdf", pdf_bytes()), pointer="p" * 201)
    assert not EvidenceRevision.objects.exists()


def test_files_stored_before_a_failure_are_deleted(
    monkeypatch, private_storage, draft, responses, provider_user
):
    """A failure after files reached storage (here: writing history) leaves no file behind."""
    calls = {"n": 0}
    real = services.event_record

    def fail_on_second(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(services, "event_record", fail_on_second)
    with pytest.raises(RuntimeError):
        add(
            draft,
            responses[0],
            provider_user,
            upload("one.pdf", pdf_bytes()),
            upload("two.pdf", pdf_bytes("2")),
        )
    assert not EvidenceRevision.objects.exists()
    assert files_under(private_storage) == []


def test_replacing_keeps_the_old_revision(private_storage, draft, responses, provider_user):
    [link] = add(draft, responses[0], provider_user, upload("policy.pdf", pdf_bytes("v1")))
    document = link.document
    first = document.current
    revision = services.evidence_replace(
        application=draft,
        document=document,
        file=upload("policy (2025).docx", docx_bytes()),
        user=provider_user,
    )
    document.refresh_from_db()
    assert document.current == revision
    assert revision.number == 2
    assert list(document.revisions.values_list("number", flat=True)) == [2, 1]
    with first.file.open("rb") as handle:
        assert handle.read() == pdf_bytes("v1")
    with revision.file.open("rb") as handle:
        assert handle.read() == docx_bytes()
    event = ApplicationEvent.objects.get(kind=ApplicationEvent.Kind.EVIDENCE_REPLACED)
    assert event.document == document
    assert "policy.pdf (version 1) replaced by policy (2025).docx" in event.detail


def test_a_refused_replacement_changes_nothing(private_storage, draft, responses, provider_user):
    [link] = add(draft, responses[0], provider_user, upload("policy.pdf", pdf_bytes()))
    with pytest.raises(EvidenceRefused, match="its content is a PDF, not a Word document"):
        services.evidence_replace(
            application=draft,
            document=link.document,
            file=upload("policy.docx", pdf_bytes()),
            user=provider_user,
        )
    assert EvidenceRevision.objects.count() == 1
    assert len(files_under(private_storage)) == 1


def test_reuse_links_one_document_to_two_criteria_and_unlink_keeps_it(
    private_storage, draft, responses, provider_user
):
    [first] = add(draft, responses[0], provider_user, upload("plan.pdf", pdf_bytes()))
    second = services.evidence_link(
        application=draft,
        response=responses[1],
        document=first.document,
        pointer="  appendix   B ",
        user=provider_user,
    )
    assert second.pointer == "appendix B"
    assert set(first.document.links.values_list("response_id", flat=True)) == {
        responses[0].pk,
        responses[1].pk,
    }
    with pytest.raises(DomainError, match="already evidence for criterion"):
        services.evidence_link(
            application=draft,
            response=responses[1],
            document=first.document,
            pointer="",
            user=provider_user,
        )
    services.evidence_unlink(application=draft, link=first, user=provider_user)
    services.evidence_unlink(application=draft, link=second, user=provider_user)
    assert not EvidenceLink.objects.exists()
    assert EvidenceDocument.objects.get() == first.document  # still in the library
    assert len(files_under(private_storage)) == 1
    kinds = list(
        ApplicationEvent.objects.filter(kind__startswith="evidence").values_list(
            "kind", "criterion"
        )
    )
    assert kinds == [
        ("evidence_uploaded", responses[0].criterion_id),
        ("evidence_linked", responses[1].criterion_id),
        ("evidence_unlinked", responses[0].criterion_id),
        ("evidence_unlinked", responses[1].criterion_id),
    ]


def test_another_applications_objects_are_refused(private_storage, draft, responses, provider_user):
    other = started_application()
    other_response = responses_of(other)[0]
    [link] = add(draft, responses[0], provider_user, upload("plan.pdf", pdf_bytes()))
    with pytest.raises(DomainError):
        add(draft, other_response, provider_user, upload("x.pdf", pdf_bytes()))
    with pytest.raises(DomainError):
        services.evidence_link(
            application=other,
            response=other_response,
            document=link.document,
            pointer="",
            user=provider_user,
        )
    with pytest.raises(DomainError):
        services.evidence_unlink(application=other, link=link, user=provider_user)


def test_a_submitted_application_refuses_every_change(
    private_storage, draft, responses, provider_user
):
    [link] = add(draft, responses[0], provider_user, upload("plan.pdf", pdf_bytes()))
    submitted = submit(draft)
    message = "is waiting for screening, so its evidence can no longer be changed"
    with pytest.raises(DomainError, match=message):
        add(submitted, responses[0], provider_user, upload("new.pdf", pdf_bytes()))
    with pytest.raises(DomainError, match=message):
        services.evidence_replace(
            application=submitted,
            document=link.document,
            file=upload("new.pdf", pdf_bytes()),
            user=provider_user,
        )
    with pytest.raises(DomainError, match=message):
        services.evidence_link(
            application=submitted,
            response=responses[1],
            document=link.document,
            pointer="",
            user=provider_user,
        )
    with pytest.raises(DomainError, match=message):
        services.evidence_unlink(application=submitted, link=link, user=provider_user)
    assert EvidenceRevision.objects.count() == 1
    assert EvidenceLink.objects.count() == 1
    assert len(files_under(private_storage)) == 1


def test_a_stale_draft_object_does_not_bypass_the_lock(
    private_storage, draft, responses, provider_user
):
    """The status is read again under the row lock, so a submission meanwhile wins."""
    submit(draft)  # ``draft`` in memory still says draft
    with pytest.raises(DomainError, match="can no longer be changed"):
        services.evidence_link(
            application=draft,
            response=responses[1],
            document=EvidenceDocument.objects.create(application=draft),
            pointer="",
            user=provider_user,
        )
