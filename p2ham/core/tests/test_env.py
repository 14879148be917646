"""Reading configuration from the environment, and production settings that refuse to start when unsafe."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from config.env import ImproperlyConfiguredEnv, env_bool, env_choice, env_int, env_list, env_str

REPO_ROOT = Path(__file__).resolve().parents[3]
NAME = "P2HAM_TEST_SETTING"


@pytest.fixture(autouse=True)
def _clean_variable(monkeypatch):
    monkeypatch.delenv(NAME, raising=False)
    monkeypatch.delenv(f"{NAME}_FILE", raising=False)


# --- env_bool -------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["true", "True", "TRUE", "1", "yes", "YES", "on", " true "])
def test_env_bool_reads_true(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)
    assert env_bool(NAME, default=False) is True


@pytest.mark.parametrize("raw", ["false", "False", "FALSE", "0", "no", "NO", "off", " false "])
def test_env_bool_reads_false(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)
    assert env_bool(NAME, default=True) is False


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_uses_default_when_unset(default):
    assert env_bool(NAME, default=default) is default


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_uses_default_when_empty(monkeypatch, default):
    monkeypatch.setenv(NAME, "")
    assert env_bool(NAME, default=default) is default


@pytest.mark.parametrize("raw", ["maybe", "2", "tru", "y e s"])
def test_env_bool_refuses_anything_else(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)
    with pytest.raises(ImproperlyConfiguredEnv, match=NAME):
        env_bool(NAME)


# --- env_int --------------------------------------------------------------------------------------


def test_env_int_reads_an_integer(monkeypatch):
    monkeypatch.setenv(NAME, "42")
    assert env_int(NAME, 7) == 42


def test_env_int_reads_a_negative_integer(monkeypatch):
    monkeypatch.setenv(NAME, "-3")
    assert env_int(NAME, 7) == -3


def test_env_int_uses_default_when_unset():
    assert env_int(NAME, 7) == 7


def test_env_int_uses_default_when_empty(monkeypatch):
    monkeypatch.setenv(NAME, "")
    assert env_int(NAME, 7) == 7


@pytest.mark.parametrize("raw", ["abc", "4.5", "12abc", "ten"])
def test_env_int_refuses_non_integers(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)
    with pytest.raises(ImproperlyConfiguredEnv, match=NAME):
        env_int(NAME, 7)


# --- env_list -------------------------------------------------------------------------------------


def test_env_list_splits_and_strips(monkeypatch):
    monkeypatch.setenv(NAME, " p2ham.go.id , www.p2ham.go.id,,  127.0.0.1 ,")
    assert env_list(NAME) == ["p2ham.go.id", "www.p2ham.go.id", "127.0.0.1"]


def test_env_list_single_item(monkeypatch):
    monkeypatch.setenv(NAME, "p2ham.go.id")
    assert env_list(NAME) == ["p2ham.go.id"]


def test_env_list_uses_default_when_unset():
    assert env_list(NAME, ["localhost"]) == ["localhost"]


def test_env_list_is_empty_without_default():
    assert env_list(NAME) == []


def test_env_list_uses_default_when_blank(monkeypatch):
    monkeypatch.setenv(NAME, "   ")
    assert env_list(NAME, ["localhost"]) == ["localhost"]


def test_env_list_returns_a_copy_of_the_default():
    default = ["localhost"]
    env_list(NAME, default).append("evil.example")
    assert default == ["localhost"]


# --- env_str and *_FILE ---------------------------------------------------------------------------


def test_env_str_reads_the_value(monkeypatch):
    monkeypatch.setenv(NAME, "nilai")
    assert env_str(NAME, "bawaan") == "nilai"


def test_env_str_uses_default_when_unset():
    assert env_str(NAME, "bawaan") == "bawaan"


def test_file_variable_is_read_from_the_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("rahasia-dari-berkas\n", encoding="utf-8")
    monkeypatch.setenv(f"{NAME}_FILE", str(secret))
    assert env_str(NAME) == "rahasia-dari-berkas"


def test_file_variable_wins_over_the_plain_variable(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("dari-berkas", encoding="utf-8")
    monkeypatch.setenv(NAME, "dari-variabel")
    monkeypatch.setenv(f"{NAME}_FILE", str(secret))
    assert env_str(NAME) == "dari-berkas"


def test_file_variable_feeds_the_typed_readers(monkeypatch, tmp_path):
    value = tmp_path / "value"
    value.write_text("25\n", encoding="utf-8")
    monkeypatch.setenv(f"{NAME}_FILE", str(value))
    assert env_int(NAME, 0) == 25


def test_file_variable_feeds_env_bool(monkeypatch, tmp_path):
    value = tmp_path / "value"
    value.write_text("yes\n", encoding="utf-8")
    monkeypatch.setenv(f"{NAME}_FILE", str(value))
    assert env_bool(NAME, default=False) is True


def test_file_variable_feeds_env_list(monkeypatch, tmp_path):
    value = tmp_path / "value"
    value.write_text("a.go.id, b.go.id\n", encoding="utf-8")
    monkeypatch.setenv(f"{NAME}_FILE", str(value))
    assert env_list(NAME) == ["a.go.id", "b.go.id"]


def test_missing_file_is_a_configuration_error(monkeypatch, tmp_path):
    monkeypatch.setenv(f"{NAME}_FILE", str(tmp_path / "does-not-exist"))
    with pytest.raises(ImproperlyConfiguredEnv, match=f"{NAME}_FILE"):
        env_str(NAME)


# --- env_choice -----------------------------------------------------------------------------------


def test_env_choice_accepts_a_listed_value(monkeypatch):
    monkeypatch.setenv(NAME, "production")
    assert env_choice(NAME, ("development", "production"), "development") == "production"


def test_env_choice_uses_default_when_unset():
    assert env_choice(NAME, ("development", "production"), "development") == "development"


@pytest.mark.parametrize("raw", ["staging", "Production", "prod", ""])
def test_env_choice_refuses_an_unknown_value(monkeypatch, raw):
    monkeypatch.setenv(NAME, raw)
    with pytest.raises(ImproperlyConfiguredEnv, match=NAME):
        env_choice(NAME, ("development", "production"), "development")


# --- production settings --------------------------------------------------------------------------


def strong_key():
    key = secrets.token_urlsafe(48)
    assert len(key) == 64
    return key


def load_production_settings(**variables):
    """Import config.settings in a fresh interpreter with P2HAM_ENV=production plus ``variables``."""
    env = dict(os.environ)
    for name in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    for name in ("SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "STORAGE_BACKEND", "EMAIL_BACKEND"):
        env.pop(name, None)
        env.pop(f"{name}_FILE", None)
    env["P2HAM_ENV"] = "production"
    env.update(variables)
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_repo_root_is_where_config_lives():
    assert (REPO_ROOT / "config" / "settings.py").is_file()


def test_production_refuses_debug():
    result = load_production_settings(DEBUG="true", SECRET_KEY=strong_key(), ALLOWED_HOSTS="p2ham.go.id")
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def test_production_refuses_a_missing_secret_key():
    result = load_production_settings(DEBUG="false", ALLOWED_HOSTS="p2ham.go.id")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_the_development_secret_key():
    result = load_production_settings(
        DEBUG="false",
        SECRET_KEY="django-insecure-development-only-key-never-use-in-production",
        ALLOWED_HOSTS="p2ham.go.id",
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = load_production_settings(DEBUG="false", SECRET_KEY=secrets.token_urlsafe(30), ALLOWED_HOSTS="p2ham.go.id")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_a_repetitive_secret_key():
    result = load_production_settings(DEBUG="false", SECRET_KEY="ab" * 40, ALLOWED_HOSTS="p2ham.go.id")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_a_malformed_debug_value():
    result = load_production_settings(DEBUG="maybe", SECRET_KEY=strong_key(), ALLOWED_HOSTS="p2ham.go.id")
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def test_production_loads_with_a_safe_configuration():
    result = load_production_settings(DEBUG="false", SECRET_KEY=strong_key(), ALLOWED_HOSTS="p2ham.go.id")
    assert result.returncode == 0, result.stderr


def test_production_reads_the_secret_key_from_a_file(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text(strong_key() + "\n", encoding="utf-8")
    result = load_production_settings(DEBUG="false", SECRET_KEY_FILE=str(key_file), ALLOWED_HOSTS="p2ham.go.id")
    assert result.returncode == 0, result.stderr
