"""Views being built; each answers 404 until its page exists."""

from django.http import Http404


def evidence_detail(request, *args, **kwargs):
    raise Http404


def evidence_download(request, *args, **kwargs):
    raise Http404


def evidence_library(request, *args, **kwargs):
    raise Http404


def evidence_link(request, *args, **kwargs):
    raise Http404


def evidence_replace(request, *args, **kwargs):
    raise Http404


def evidence_unlink(request, *args, **kwargs):
    raise Http404


def evidence_upload(request, *args, **kwargs):
    raise Http404
