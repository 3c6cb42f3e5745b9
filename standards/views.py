from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from qismet_portal.permissions import permission_required

from .selectors import published_versions


@permission_required("standards.view_standard")
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "standards/standard_index.html", {"versions": published_versions()})
