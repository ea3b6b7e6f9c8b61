"""Accounts are optional: they keep designs beyond one browser session.

On signing up or in, the designs made in the session so far become the account's
(``access.claim``). Django's ``login`` gives the session a new key, so the old key is read
first.

Sign-in attempts are limited (``architect.web.limits``, docs/settings.md): so many from one
client address, and so many for one account name from anywhere, in a window of time. Past
either, the attempt answers 429 without the password being checked, right or wrong, until
the window ends. An attempt that succeeds is not counted against the address, and clears
the account name's count: guessing is what the limits slow, not signing in.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from architect.designs.access import claim
from architect.designs.views import see_other
from architect.web import limits

log = logging.getLogger(__name__)


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


def _attempt_refused(request: HttpRequest) -> HttpResponse | None:
    """Count a sign-in attempt by address and by account name; a 429 past either limit."""
    address = limits.client_address(request)
    name = _account_name(request)
    verdicts = [("address", limits.hit("login-address", address))]
    if name:
        verdicts.append(("account", limits.hit("login-account", name)))
    refused = [(which, v) for which, v in verdicts if not v.allowed]
    if not refused:
        return None
    which, verdict = max(refused, key=lambda item: item[1].retry_after)
    if which == "address":
        message = "Too many sign-in attempts have come from your address."
    else:
        message = "Too many sign-in attempts have been made for this account name."
    log.warning("sign-in limit (%s) reached from %s", which, address)
    back = (reverse("accounts:login"), "the sign-in page")
    return limits.too_many(
        request, message + " No password is checked for now.", verdict.retry_after, back
    )


def _account_name(request: HttpRequest) -> str:
    # Django's user names are case-sensitive, but the limit is not: Alice and alice count
    # together, so changing the case buys no extra guesses.
    return request.POST.get("username", "").strip().casefold()[:300]


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and (refused := _attempt_refused(request)) is not None:
        return refused
    form = AuthenticationForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        limits.give_back("login-address", limits.client_address(request))
        limits.forget("login-account", _account_name(request))
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
