"""Views of the site's frame: home, health check, error pages, and placeholders."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.views.decorators.http import require_GET

from architect.web.shared_pages import same_for_everyone


@same_for_everyone
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    # For the Docker HEALTHCHECK: answers without touching the database or templates.
    return HttpResponse("ok", content_type="text/plain")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    # The exception's text is for logs, not for visitors: it can name internal paths.
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request: context processors, the session or the database may be
    # what failed.
    return HttpResponseServerError(loader.get_template("500.html").render())
