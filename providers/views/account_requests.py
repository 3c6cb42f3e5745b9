"""New organisations ask for an account (public form); administrators approve or reject."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from qismet_portal.exceptions import DomainError
from qismet_portal.permissions import permission_required

from .. import services, throttle
from ..forms import AccountRequestEditForm, AccountRequestForm, AccountRequestRejectForm
from ..models import AccountRequest, AccountRequestEdit
from ..selectors import account_requests_decided, account_requests_pending

#: Sending the public form (valid or not) is limited per client address: this many per hour.
#: Settable with PROVIDER_ACCOUNT_REQUESTS_PER_HOUR.
DEFAULT_REQUESTS_PER_HOUR = 5


def account_request(request: HttpRequest) -> HttpResponse:
    """The public form. No sign-in; throttled per client address; duplicates refused."""
    if request.user.is_authenticated:
        return render(request, "providers/account_request_signed_in.html")
    form = AccountRequestForm(request.POST or None)
    if request.method == "POST":
        limit = int(
            getattr(settings, "PROVIDER_ACCOUNT_REQUESTS_PER_HOUR", DEFAULT_REQUESTS_PER_HOUR)
        )
        if not throttle.allow(request, scope="account-request", limit=limit, period_seconds=3600):
            return render(request, "providers/account_request_throttled.html", status=429)
        if form.is_valid():
            try:
                services.account_request_submit(**form.cleaned_data)
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                return redirect("providers:account_request_sent")
    return render(request, "providers/account_request_form.html", {"form": form})


def account_request_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "providers/account_request_sent.html")


@permission_required("providers.review_account_requests")
def account_request_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "providers/account_request_list.html",
        {
            "pending": account_requests_pending(),
            "decided": account_requests_decided()[:50],
        },
    )


@permission_required("providers.review_account_requests")
def account_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account_request = get_object_or_404(
        AccountRequest.objects.select_related("decided_by", "organisation"), pk=pk
    )
    return _detail(request, account_request, AccountRequestRejectForm())


def _detail(request, account_request, reject_form) -> HttpResponse:
    edits = AccountRequestEdit.objects.filter(account_request=account_request).select_related(
        "changed_by"
    )
    return render(
        request,
        "providers/account_request_detail.html",
        {"account_request": account_request, "reject_form": reject_form, "edits": edits},
    )


@permission_required("providers.review_account_requests")
def account_request_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a waiting request's details; a decided request is shown as it was decided."""
    account_request = get_object_or_404(AccountRequest, pk=pk)
    if not account_request.is_pending:
        messages.error(
            request,
            f"This request has already been {account_request.get_status_display().lower()}, "
            "so its details can no longer be changed.",
        )
        return redirect("providers:account_request_detail", pk=pk)
    form = AccountRequestEditForm(request.POST or None, account_request=account_request)
    if request.method == "POST" and form.is_valid():
        try:
            edit = services.account_request_update(
                account_request=account_request, changed_by=request.user, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            if edit is None:
                messages.info(request, "Nothing was changed.")
            else:
                messages.success(request, "The request's details have been corrected.")
            return redirect("providers:account_request_detail", pk=pk)
    return render(
        request,
        "providers/account_request_edit.html",
        {"account_request": account_request, "form": form},
    )


@require_POST
@permission_required("providers.review_account_requests")
def account_request_approve(request: HttpRequest, pk: int) -> HttpResponse:
    account_request = get_object_or_404(AccountRequest, pk=pk)
    try:
        organisation = services.account_request_approve(
            account_request=account_request, decided_by=request.user
        )
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("providers:account_request_detail", pk=pk)
    messages.success(
        request,
        f"{organisation.name} has been registered. We have emailed {account_request.contact_email} "
        "a link to set a password; they are the organisation's lead.",
    )
    return redirect("providers:organisation_detail", pk=organisation.pk)


@require_POST
@permission_required("providers.review_account_requests")
def account_request_reject(request: HttpRequest, pk: int) -> HttpResponse:
    account_request = get_object_or_404(
        AccountRequest.objects.select_related("decided_by", "organisation"), pk=pk
    )
    form = AccountRequestRejectForm(request.POST)
    if form.is_valid():
        try:
            services.account_request_reject(
                account_request=account_request,
                decided_by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            messages.error(request, str(error))
            return redirect("providers:account_request_detail", pk=pk)
        messages.success(
            request,
            f"The request from {account_request.organisation_name} has been rejected. We have "
            f"emailed the reason to {account_request.contact_email}.",
        )
        return redirect("providers:account_request_list")
    return _detail(request, account_request, form)
