"""Django settings for Mail Architect, read from the environment.

Every variable is listed, with its default, in docs/settings.md. Debug is off unless
DJANGO_DEBUG says otherwise, so a forgotten variable errs on the safe side.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from architect.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_rate,
    env_str,
    parse_cache_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if SECRET_KEY is None:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. With debug off it is required: set it to a long random "
            "string (for example the output of "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DJANGO_DEBUG=true for local development."
        )
    SECRET_KEY = "django-insecure-development-only-never-use-this-key-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", ".localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "architect",
    "architect.web",
    "architect.learn",
    "architect.designs",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles, so that runserver leaves static files to WhiteNoise as in production.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "architect.web.middleware.ContentSecurityPolicyMiddleware",
    "architect.designs.busy.DatabaseBusyMiddleware",
    # After CSRF and sign-in: counts the writes of each client, answers 429 past the limit.
    "architect.web.limits.LimitsMiddleware",
]

ROOT_URLCONF = "architect.urls"
WSGI_APPLICATION = "architect.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # Last, so that it overrides the CSRF token while a shared page is rendered.
                "architect.web.shared_pages.csrf_placeholder",
            ],
        },
    },
]

try:
    DATABASES = {
        "default": dj_database_url.parse(
            env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
            conn_max_age=60,
            conn_health_checks=True,
        )
    }
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL cannot be used: {error}") from error
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent saves on SQLite (docs/settings.md): WAL lets readers go on during a
    # write; BEGIN IMMEDIATE takes the write lock when a transaction starts, so two saves
    # queue on the busy timeout (seconds) instead of one failing at its first write.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sign-in pages (architect/accounts); a visitor needs no account to design.
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "designs:index"
LOGOUT_REDIRECT_URL = "home"

CACHES = {"default": parse_cache_url(env_str("DJANGO_CACHE_URL", "locmem://"))}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed names; WhiteNoise serves them with far-future cache headers.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Security headers. The Content-Security-Policy comes from architect.web.middleware.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# The Docker HEALTHCHECK asks over plain HTTP from inside the container.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # The app runs behind a proxy that terminates TLS and sets this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOG_LEVEL = env_choice(
    "DJANGO_LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        # Replaces Django's own "django" handlers (console in debug, mail to ADMINS) so that
        # each record is written once, to stderr.
        "django": {"handlers": ["stderr"], "level": LOG_LEVEL, "propagate": False},
    },
}

# The live check (docs/live-check.md) never probes non-public addresses for a visitor
# unless the operator allows it (a lab or an internal deployment).
LIVE_CHECK_ALLOW_PRIVATE = env_bool("LIVE_CHECK_ALLOW_PRIVATE", False)
# A PEM file of more certificate authorities (a private CA) the live check trusts for SMTP
# and MTA-STS certificates, besides the system's.
LIVE_CHECK_CAFILE = env_str("LIVE_CHECK_CAFILE")
if LIVE_CHECK_CAFILE is not None and not Path(LIVE_CHECK_CAFILE).is_file():
    raise ImproperlyConfigured(
        f"LIVE_CHECK_CAFILE={LIVE_CHECK_CAFILE}: no such file (a PEM file of CA certificates)"
    )

# Rate limits and storage caps (docs/settings.md, "Rate limits, storage caps and expiry").
# A rate is (count, seconds) in fixed windows, counted in the cache so that every app
# server shares it; None turns that limit off.
RATE_LIMITS = {
    # Sign-in attempts from one client address, and for one account name from anywhere.
    "login-address": env_rate("RATE_LIMIT_LOGIN_ADDRESS", "30/15m"),
    "login-account": env_rate("RATE_LIMIT_LOGIN_ACCOUNT", "10/15m"),
    # Every change to a design (saves, share links, live checks, undo...).
    "writes": env_rate("RATE_LIMIT_WRITES", "60/1m"),
    # What makes something new: designs (new, import, copy, duplicate), DKIM keys, accounts.
    "creates": env_rate("RATE_LIMIT_CREATES", "30/1h"),
}
# The client's address for the limits: REMOTE_ADDR, unless the proxy in front sets this
# header (X-Forwarded-For: its last address; X-Real-IP). Only set it when that proxy
# overwrites or appends to the header: a client can send any header it likes.
CLIENT_IP_HEADER = env_str("CLIENT_IP_HEADER")
# What one browser session without an account, and one account, may store: designs, and
# bytes of design documents counting their undo history (architect/designs/quota.py).
DESIGN_QUOTAS = {
    "anonymous": {
        "designs": env_int("QUOTA_ANONYMOUS_DESIGNS", 20, minimum=1),
        "bytes": env_int("QUOTA_ANONYMOUS_BYTES", 50_000_000, minimum=1),
    },
    "account": {
        "designs": env_int("QUOTA_ACCOUNT_DESIGNS", 200, minimum=1),
        "bytes": env_int("QUOTA_ACCOUNT_BYTES", 500_000_000, minimum=1),
    },
}
# manage.py expire_designs removes designs without an account not changed for this long.
EXPIRE_ANONYMOUS_DAYS = env_int("EXPIRE_ANONYMOUS_DAYS", 30, minimum=1)
# A design whose document (canonical JSON) is longer than this gets its export.zip built
# off the request, with a page that follows the build (architect/designs/views/files.py),
# and is planned off the request for the designer when this process has not loaded it.
BUNDLE_BACKGROUND_BYTES = env_int("BUNDLE_BACKGROUND_BYTES", 500_000, minimum=0)
