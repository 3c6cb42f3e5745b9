"""Views being built; each answers 404 until its page exists."""

from django.http import Http404


def application_detail(request, *args, **kwargs):
    raise Http404


def application_history(request, *args, **kwargs):
    raise Http404


def application_list(request, *args, **kwargs):
    raise Http404


def application_start(request, *args, **kwargs):
    raise Http404


def application_submit(request, *args, **kwargs):
    raise Http404


def application_withdraw(request, *args, **kwargs):
    raise Http404


def response_edit(request, *args, **kwargs):
    raise Http404
