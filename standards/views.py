"""Pages of the standard. Thin: check permission → validate the form → call one service → redirect.

Reading needs a signed-in account (criterion text is not public); drafts exist only for
administrators (404 for everyone else). Managing is for administrators (403 for everyone else).
A published version cannot be edited: those pages say so and send people back to the version.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from qismet_portal.exceptions import DomainError
from qismet_portal.permissions import permission_required

from . import services
from .diff import versions_compare
from .forms import (
    CompareForm,
    CriterionDeleteForm,
    CriterionForm,
    ScaleFormSet,
    StandardImportForm,
    ThemeForm,
    VersionCopyForm,
    VersionSettingsForm,
)
from .io import StandardFileInvalid, export_filename, standard_export, standard_import
from .models import Criterion, StandardVersion, Theme
from .permissions import can_manage_standards
from .scoring import outcome_rule_sentences
from .selectors import (
    criterion_page_for_user,
    standard_for_user,
    standard_listings_for_user,
    version_events,
    version_for_user,
    versions_to_compare,
)

VIEW = "standards.view_standard"
MANAGE = "standards.manage_standards"


def _version_url(version: StandardVersion) -> str:
    return reverse("standards:version_detail", kwargs={"pk": version.pk})


def _refuse_unless_draft(request: HttpRequest, version: StandardVersion) -> HttpResponse | None:
    """A clear message and a way back, rather than an error, for edits of a non-draft version."""
    if version.is_draft:
        return None
    messages.error(
        request,
        f"Version {version.number} is {version.get_status_display().lower()}, so it cannot be "
        "changed. To revise the standard, make a new draft from it.",
    )
    return HttpResponseRedirect(_version_url(version))


# --- reading --------------------------------------------------------------------------------


@permission_required(VIEW)
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "standards/standard_index.html",
        {
            "listings": standard_listings_for_user(request.user),
            "can_manage": can_manage_standards(request.user),
        },
    )


def _mark_neighbour_codes(themes: list[Theme]) -> None:
    """Give each criterion the codes above and below it, for the "Move" buttons to say which
    codes a move swaps."""
    for theme in themes:
        criteria = list(theme.criteria.all())
        for index, criterion in enumerate(criteria):
            criterion.code_above = criteria[index - 1].code if index else ""
            criterion.code_below = criteria[index + 1].code if index + 1 < len(criteria) else ""


@permission_required(VIEW)
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = version_for_user(request.user, pk)
    can_manage = can_manage_standards(request.user)
    themes = list(version.themes.all())
    context = {
        "version": version,
        "standard": version.standard,
        "themes": themes,
        "criteria_count": sum(len(theme.criteria.all()) for theme in themes),
        "rule_sentences": outcome_rule_sentences(version.outcome_rule),
        "can_manage": can_manage,
        "can_edit": can_manage and version.is_draft,
    }
    if context["can_edit"]:
        _mark_neighbour_codes(themes)
    if can_manage:
        context["events"] = version_events(version)
        if version.is_draft:
            context["publish_problems"] = services.version_publish_problems(version)
    return render(request, "standards/version_detail.html", context)


@permission_required(VIEW)
def criterion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = criterion_page_for_user(request.user, pk)
    version = page.criterion.theme.version
    return render(
        request,
        "standards/criterion_detail.html",
        {
            "page": page,
            "criterion": page.criterion,
            "theme": page.criterion.theme,
            "version": version,
            "standard": version.standard,
            "can_edit": can_manage_standards(request.user) and version.is_draft,
        },
    )


@permission_required(VIEW)
def version_compare(request: HttpRequest, pk: int) -> HttpResponse:
    listing = standard_for_user(request.user, pk)
    versions = listing.versions
    initial = {}
    if len(versions) >= 2:
        initial = {"old": versions[1].pk, "new": versions[0].pk}
    form = CompareForm(request.GET or None, initial=initial, versions=versions)
    comparison = None
    if form.is_bound and form.is_valid():
        old, new = versions_to_compare(
            request.user, listing.standard, form.cleaned_data["old"], form.cleaned_data["new"]
        )
        comparison = versions_compare(old, new)
    return render(
        request,
        "standards/version_compare.html",
        {
            "standard": listing.standard,
            "form": form,
            "comparison": comparison,
            "single": len(versions) < 2,
        },
    )


# --- managing -------------------------------------------------------------------------------


@permission_required(MANAGE)
def version_import(request: HttpRequest) -> HttpResponse:
    form = StandardImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            version = standard_import(
                data=form.file_bytes(),
                user=request.user,
                publish=form.cleaned_data["publish"],
                source_name=upload.name,
            )
        except StandardFileInvalid as error:
            problems = error.problems
        except DomainError as error:
            problems = [str(error)]
        else:
            state = "published" if version.is_published else "imported as a draft"
            messages.success(request, f"Version {version.number} of {version.standard} {state}.")
            return redirect(_version_url(version))
    return render(request, "standards/version_import.html", {"form": form, "problems": problems})


@permission_required(MANAGE)
def version_export(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(StandardVersion.objects.select_related("standard"), pk=pk)
    response = HttpResponse(standard_export(version=version), content_type="application/yaml")
    response["Content-Disposition"] = content_disposition_header(True, export_filename(version))
    return response


@permission_required(MANAGE)
def version_copy(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(StandardVersion.objects.select_related("standard"), pk=pk)
    if source.is_draft:
        messages.error(request, "Make new drafts from a published or retired version.")
        return redirect(_version_url(source))
    form = VersionCopyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            draft = services.version_copy_as_draft(
                version=source, number=form.cleaned_data["number"], user=request.user
            )
        except DomainError as error:
            form.add_error("number", str(error))
        else:
            messages.success(
                request,
                f"Draft version {draft.number} made from version {source.number}. Edit it, then "
                "publish it when it is ready.",
            )
            return redirect(_version_url(draft))
    return render(request, "standards/version_copy.html", {"form": form, "source": source})


@permission_required(MANAGE)
def version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(StandardVersion.objects.select_related("standard"), pk=pk)
    if refusal := _refuse_unless_draft(request, version):
        return refusal
    current = version.standard.versions.published().first()
    if request.method == "POST":
        try:
            services.version_publish(version=version, user=request.user)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                f"Version {version.number} is published. New applications now start against it.",
            )
            return redirect(_version_url(version))
    prefetch_related_objects([version], "themes__criteria")
    return render(
        request,
        "standards/version_publish.html",
        {
            "version": version,
            "standard": version.standard,
            "current": current,
            "problems": services.version_publish_problems(version),
        },
    )


@permission_required(MANAGE)
@require_POST
def version_retire(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(StandardVersion.objects.select_related("standard"), pk=pk)
    try:
        services.version_retire(version=version, user=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"Version {version.number} is retired. Applications already started against it keep "
            "it; no new application can start against it.",
        )
    return redirect(_version_url(version))


@permission_required(MANAGE)
def version_settings(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(StandardVersion.objects.select_related("standard"), pk=pk)
    if refusal := _refuse_unless_draft(request, version):
        return refusal
    if request.method == "POST":
        form = VersionSettingsForm(request.POST)
        formset = ScaleFormSet(request.POST, initial=version.scale, prefix="scale")
    else:
        form = VersionSettingsForm(initial=VersionSettingsForm.initial_for(version))
        formset = ScaleFormSet(initial=version.scale, prefix="scale")
    # Both are validated, so every problem on the page is shown at once.
    if request.method == "POST" and all([form.is_valid(), formset.is_valid()]):
        try:
            services.version_settings_update(
                version=version,
                scale=formset.levels(),
                not_applicable_label=form.cleaned_data["not_applicable_label"],
                outcome_rule=form.outcome_rule(),
                certificate_validity_months=form.cleaned_data["certificate_validity_months"],
                notes=form.cleaned_data["notes"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"The settings of version {version.number} are saved.")
            return redirect(_version_url(version))
    return render(
        request,
        "standards/version_settings.html",
        {
            "version": version,
            "standard": version.standard,
            "form": form,
            "formset": formset,
        },
    )


@permission_required(MANAGE)
def version_delete(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(StandardVersion.objects.select_related("standard"), pk=pk)
    if refusal := _refuse_unless_draft(request, version):
        return refusal
    if request.method == "POST":
        try:
            services.version_draft_delete(version=version)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect(_version_url(version))
        messages.success(request, f"Draft version {version.number} has been deleted.")
        return redirect("standards:index")
    return render(
        request,
        "standards/version_delete.html",
        {"version": version, "standard": version.standard},
    )


@permission_required(MANAGE)
def theme_edit(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    theme = get_object_or_404(
        Theme.objects.select_related("version__standard"), version_id=pk, number=number
    )
    version = theme.version
    if refusal := _refuse_unless_draft(request, version):
        return refusal
    form = ThemeForm(request.POST or None, initial={"title": theme.title, "summary": theme.summary})
    if request.method == "POST" and form.is_valid():
        try:
            services.theme_update(theme=theme, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Theme {theme.number} is saved.")
            return redirect(f"{_version_url(version)}#theme-{theme.number}")
    return render(
        request,
        "standards/theme_form.html",
        {"theme": theme, "version": version, "standard": version.standard, "form": form},
    )


def _next_code(theme: Theme) -> str:
    numbers = [
        int(code.split(".")[1])
        for code in theme.criteria.values_list("code", flat=True)
        if code.split(".")[-1].isdigit()
    ]
    return f"{theme.number}.{max(numbers, default=0) + 1}"


@permission_required(MANAGE)
def criterion_create(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    theme = get_object_or_404(
        Theme.objects.select_related("version__standard"), version_id=pk, number=number
    )
    version = theme.version
    if refusal := _refuse_unless_draft(request, version):
        return refusal
    form = CriterionForm(
        request.POST or None, theme_number=theme.number, initial={"code": _next_code(theme)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            criterion = services.criterion_create(theme=theme, **form.service_fields())
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Criterion {criterion.code} is added to theme {number}.")
            return redirect(f"{_version_url(version)}#theme-{theme.number}")
    return render(
        request,
        "standards/criterion_form.html",
        {
            "theme": theme,
            "version": version,
            "standard": version.standard,
            "form": form,
            "criterion": None,
        },
    )


def _criterion_for_admin(pk: int) -> Criterion:
    return get_object_or_404(Criterion.objects.select_related("theme__version__standard"), pk=pk)


@permission_required(MANAGE)
def criterion_edit(request: HttpRequest, pk: int) -> HttpResponse:
    criterion = _criterion_for_admin(pk)
    version = criterion.theme.version
    if refusal := _refuse_unless_draft(request, version):
        return refusal
    form = CriterionForm(
        request.POST or None,
        theme_number=criterion.theme.number,
        initial=CriterionForm.initial_for(criterion),
    )
    if request.method == "POST" and form.is_valid():
        try:
            criterion = services.criterion_update(criterion=criterion, **form.service_fields())
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Criterion {criterion.code} is saved.")
            return redirect("standards:criterion_detail", pk=criterion.pk)
    return render(
        request,
        "standards/criterion_form.html",
        {
            "theme": criterion.theme,
            "version": version,
            "standard": version.standard,
            "form": form,
            "criterion": criterion,
        },
    )


@permission_required(MANAGE)
def criterion_delete(request: HttpRequest, pk: int) -> HttpResponse:
    criterion = _criterion_for_admin(pk)
    version = criterion.theme.version
    if refusal := _refuse_unless_draft(request, version):
        return refusal
    form = CriterionDeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.criterion_delete(
                criterion=criterion, user=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Criterion {criterion.code} has been deleted.")
        return redirect(f"{_version_url(version)}#theme-{criterion.theme.number}")
    return render(
        request,
        "standards/criterion_delete.html",
        {"criterion": criterion, "version": version, "standard": version.standard, "form": form},
    )


@permission_required(MANAGE)
@require_POST
def criterion_move(request: HttpRequest, pk: int) -> HttpResponse:
    criterion = _criterion_for_admin(pk)
    version = criterion.theme.version
    if refusal := _refuse_unless_draft(request, version):
        return refusal
    offset = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if offset is None:
        messages.error(request, "Choose whether to move the criterion up or down.")
    else:
        try:
            renumbered = services.criterion_move(criterion=criterion, offset=offset)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            if renumbered:
                messages.success(
                    request,
                    "Criteria renumbered: " + "; ".join(str(item) for item in renumbered) + ".",
                )
    return redirect(f"{_version_url(version)}#criterion-{criterion.pk}")
