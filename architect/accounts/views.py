"""Accounts are optional: they keep designs beyond one browser session.

On signing up or in, the designs made in the session so far become the account's
(``access.claim``). Django's ``login`` gives the session a new key, so the old key is read
first.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from architect.designs.access import claim
from architect.designs.views import see_other


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url("designs:index")


def _sign_in(request: HttpRequest, user) -> int:
    old_key = request.session.session_key
    login(request, user)
    return claim(old_key, user)


def _claimed(request: HttpRequest, count: int) -> None:
    if count:
        noun = "design" if count == 1 else "designs"
        messages.success(request, f"{count} {noun} from this browser now belong to your account.")


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        _claimed(request, _sign_in(request, user))
        messages.success(request, f"Welcome, {user.get_username()}: you are signed in.")
        return see_other(_next(request))
    status = 400 if request.method == "POST" else 200
    return render(
        request, "registration/signup.html", {"form": form, "next": _next(request)}, status=status
    )


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = AuthenticationForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        _claimed(request, _sign_in(request, form.get_user()))
        return see_other(_next(request))
    status = 400 if request.method == "POST" else 200
    return render(
        request, "registration/login.html", {"form": form, "next": _next(request)}, status=status
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, "You are signed out. Your designs stay with your account.")
    return see_other(resolve_url("home"))
