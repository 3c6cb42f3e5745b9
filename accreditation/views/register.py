"""The public register of accredited programmes and the verification of a certificate: open to
everyone, signed in or not (``accounts.two_step.PUBLIC_VIEWS`` lets staff reach them before
their second factor; robots.txt lets crawlers in).

They show only the certificate's public facts (``selectors.certificates.public_record``):
frozen names, number, dates, standard version and status. The verification's JSON carries the
same facts, described by a JSON Schema (``static/schemas/``), and may be cached by anyone for a
few minutes (with ETag and Last-Modified, so a client can ask cheaply whether it changed).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.views.decorators.http import require_GET

from accreditation.certificate_lifecycle import CertificateStatus
from accreditation.forms_certificates import RegisterFilterForm, VerifyForm
from accreditation.models.certificates import NUMBER_PATTERN
from accreditation.selectors.certificates import (
    SCHEMA_PATH,
    RegisterFilters,
    certificate_by_number,
    public_record,
    register_conditions,
    register_page,
)

#: How long anyone may keep a verification answer (seconds): a suspension shows within it.
VERIFY_MAX_AGE = 300


@require_GET
def register(request: HttpRequest) -> HttpResponse:
    conditions = register_conditions()
    form = RegisterFilterForm(request.GET or None, conditions=conditions)
    filters = RegisterFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = RegisterFilters(
            q=data["q"].strip(),
            condition=data["condition"],
            delivery_model=data["delivery_model"],
            region=data["region"],
            status=data["status"] or "current",
        )
    page = register_page(filters, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "register/register.html",
        {
            "form": form,
            "page": page,
            "entries": page.object_list,
            "filters": filters,
            "query": query.urlencode(),
            "filtered": any((filters.q, filters.condition, filters.delivery_model, filters.region))
            or filters.status != "current",
        },
    )


@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    """The form: a valid number goes to its verification page."""
    form = VerifyForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return redirect("register:verify_number", number=form.cleaned_data["number"])
    return render(
        request, "register/verify.html", {"form": form, "schema_url": static(SCHEMA_PATH)}
    )


def _wants_json(request: HttpRequest, as_json: bool) -> bool:
    return as_json or request.GET.get("format") == "json"


def _not_found(request: HttpRequest, number: str, as_json: bool) -> HttpResponse:
    if as_json:
        response = JsonResponse(
            {
                "error": "not_found",
                "message": f"No certificate has the number {number}. Check it against the "
                "certificate, for example QSM-2026-0007.",
                "number": number,
            },
            status=404,
        )
        patch_cache_control(response, public=True, max_age=60)
        return response
    form = VerifyForm(initial={"number": number})
    return render(
        request,
        "register/verify_not_found.html",
        {"number": number, "form": form, "schema_url": static(SCHEMA_PATH)},
        status=404,
    )


@require_GET
def verify_number(request: HttpRequest, number: str, as_json: bool = False) -> HttpResponse:
    as_json = _wants_json(request, as_json)
    number = number.strip().upper()
    certificate = certificate_by_number(number) if re.fullmatch(NUMBER_PATTERN, number) else None
    if certificate is None:
        return _not_found(request, number[:30], as_json)
    record = public_record(certificate)
    if not as_json:
        return render(
            request,
            "register/verify_result.html",
            {
                "certificate": certificate,
                "record": record,
                "statuses": CertificateStatus,
                "schema_url": static(SCHEMA_PATH),
                "json_url": request.path.rstrip("/") + ".json",
            },
        )
    body = json.dumps(record, ensure_ascii=False, sort_keys=True, indent=2)
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    last_modified = _last_modified(certificate)
    response = get_conditional_response(request, etag=etag, last_modified=int(last_modified))
    if response is None:
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Access-Control-Allow-Origin"] = "*"
    patch_cache_control(response, public=True, max_age=VERIFY_MAX_AGE)
    return response


@require_GET
def verify_json(request: HttpRequest, number: str) -> HttpResponse:
    return verify_number(request, number, as_json=True)


def _last_modified(certificate) -> float:
    """When the public answer last changed: the row's last change, or the start of the day
    after its last valid day once that has passed (the status then reads "expired")."""
    changed = certificate.updated_at
    if certificate.is_live and certificate.public_status == CertificateStatus.EXPIRED:
        day_after = certificate.expires_on + datetime.timedelta(days=1)
        start = timezone.make_aware(datetime.datetime.combine(day_after, datetime.time()))
        changed = max(changed, start)
    return changed.timestamp()
