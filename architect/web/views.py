"""Views of the site's frame: home, health check, error pages, and placeholders."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.views.decorators.http import require_GET, require_http_methods


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    # For the Docker HEALTHCHECK: answers without touching the database or templates.
    return HttpResponse("ok", content_type="text/plain")


# PLACEHOLDER: stands in for the CONTRACT §5 addresses that the learn, examples and designs
# issues build (see PLACEHOLDERS in architect/urls.py). Each of those issues replaces its
# entries there with its own urls; delete this view and its template with the last one.
@require_http_methods(["GET", "HEAD", "POST"])
def not_built_yet(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return render(request, "web/not_built_yet.html")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    # The exception's text is for logs, not for visitors: it can name internal paths.
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request: context processors, the session or the database may be
    # what failed.
    return HttpResponseServerError(loader.get_template("500.html").render())
