"""Settings come from the environment and refuse values they cannot read."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from architect.env import env_bool, env_list, parse_cache_url
from tests.helpers import BASE_DIR, SECRET_KEY, read_settings, run_python


def test_it_turns_debug_off_by_default():
    assert read_settings({"DJANGO_SECRET_KEY": SECRET_KEY}, "DEBUG") == {"DEBUG": False}


@pytest.mark.parametrize("value", ["true", "TRUE", "1", "yes"])
def test_it_turns_debug_on_for_a_true_value(value):
    assert read_settings({"DJANGO_DEBUG": value}, "DEBUG") == {"DEBUG": True}


def test_it_refuses_to_start_without_a_SECRET_KEY_when_debug_is_off():
    result = run_python("manage.py", "check")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_it_uses_a_development_key_when_debug_is_on_and_none_is_given():
    result = run_python("manage.py", "check", env={"DJANGO_DEBUG": "true"})

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_a_debug_value_it_cannot_read():
    result = run_python(
        "manage.py", "check", env={"DJANGO_DEBUG": "ture", "DJANGO_SECRET_KEY": SECRET_KEY}
    )

    assert result.returncode != 0
    assert "DJANGO_DEBUG='ture' is not a yes/no value" in result.stderr


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("Yes", True), ("1", True), ("false", False), ("NO", False), ("0", False)],
)
def test_it_reads_yes_no_values_in_any_case(monkeypatch, value, expected):
    monkeypatch.setenv("SOME_FLAG", value)
    assert env_bool("SOME_FLAG", not expected) is expected


@pytest.mark.parametrize("value", [None, "", "  "])
def test_it_falls_back_to_the_default_when_a_flag_is_unset_or_empty(monkeypatch, value):
    monkeypatch.delenv("SOME_FLAG", raising=False)
    if value is not None:
        monkeypatch.setenv("SOME_FLAG", value)
    assert env_bool("SOME_FLAG", True) is True
    assert env_bool("SOME_FLAG", False) is False


def test_it_rejects_maybe_as_a_yes_no_value(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG='maybe'"):
        env_bool("SOME_FLAG", False)


def test_it_splits_comma_lists_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("SOME_LIST", " mail.example.org, ,.example.net ,")
    assert env_list("SOME_LIST") == ["mail.example.org", ".example.net"]


def test_it_allows_only_local_hosts_by_default():
    hosts = read_settings({"DJANGO_SECRET_KEY": SECRET_KEY}, "ALLOWED_HOSTS")["ALLOWED_HOSTS"]
    assert "localhost" in hosts
    assert "127.0.0.1" in hosts
    assert "*" not in hosts


def test_it_reads_allowed_hosts_and_trusted_origins():
    env = {
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "architect.example.org,.example.net",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://architect.example.org",
    }
    assert read_settings(env, "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS") == {
        "ALLOWED_HOSTS": ["architect.example.org", ".example.net"],
        "CSRF_TRUSTED_ORIGINS": ["https://architect.example.org"],
    }


@pytest.mark.parametrize(
    ("url", "backend", "location"),
    [
        ("locmem://", "locmem.LocMemCache", ""),
        ("redis://cache.internal:6379/1", "redis.RedisCache", "redis://cache.internal:6379/1"),
        (
            "rediss://:pw@cache.internal:6380/0",
            "redis.RedisCache",
            "rediss://:pw@cache.internal:6380/0",
        ),
        ("file:///var/cache/architect", "filebased.FileBasedCache", "/var/cache/architect"),
        ("dummy://", "dummy.DummyCache", None),
    ],
)
def test_it_reads_cache_urls(url, backend, location):
    cache = parse_cache_url(url)
    assert cache["BACKEND"] == f"django.core.cache.backends.{backend}"
    assert cache.get("LOCATION") == location


@pytest.mark.parametrize(
    "url", ["memcached://cache:11211", "file://relative/dir", "file:///", "redis://", "nonsense"]
)
def test_it_refuses_cache_urls_it_cannot_use(url):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_CACHE_URL"):
        parse_cache_url(url)


def test_it_uses_the_cache_url_from_the_environment():
    env = {"DJANGO_SECRET_KEY": SECRET_KEY, "DJANGO_CACHE_URL": "redis://cache.internal:6379/2"}
    caches = read_settings(env, "CACHES")["CACHES"]
    assert caches["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"

    result = run_python(
        "manage.py",
        "check",
        env={"DJANGO_SECRET_KEY": SECRET_KEY, "DJANGO_CACHE_URL": "memcached://x"},
    )
    assert result.returncode != 0
    assert "DJANGO_CACHE_URL='memcached://x': unknown cache" in result.stderr


def test_it_uses_sqlite_in_the_project_folder_by_default():
    db = read_settings({"DJANGO_SECRET_KEY": SECRET_KEY}, "DATABASES")["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(BASE_DIR / "db.sqlite3")


def test_it_reads_a_postgresql_database_url():
    env = {
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": "postgres://architect:s3cret@db.internal:5433/mail_architect",
    }
    db = read_settings(env, "DATABASES")["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"]) == ("mail_architect", "architect", "s3cret")
    assert (db["HOST"], db["PORT"]) == ("db.internal", 5433)


def test_it_refuses_a_database_url_it_cannot_use():
    result = run_python(
        "manage.py",
        "check",
        env={"DJANGO_SECRET_KEY": SECRET_KEY, "DATABASE_URL": "oracle-ish://x/y"},
    )
    assert result.returncode != 0
    assert "DATABASE_URL cannot be used" in result.stderr


def test_it_refuses_an_unknown_log_level():
    result = run_python(
        "manage.py", "check", env={"DJANGO_SECRET_KEY": SECRET_KEY, "DJANGO_LOG_LEVEL": "LOUD"}
    )
    assert result.returncode != 0
    assert "DJANGO_LOG_LEVEL='LOUD' must be one of" in result.stderr


def test_it_hardens_cookies_and_transport_when_debug_is_off():
    names = ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS")
    names += ("SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER")
    assert read_settings({"DJANGO_SECRET_KEY": SECRET_KEY}, *names) == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }
