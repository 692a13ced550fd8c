import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from environs import Env

PROJECT_DIR = Path(__file__).resolve().parent.parent
MANAGE = PROJECT_DIR / "manage.py"
# The files that read the environment, each through an environs `Env` named `env`.
READERS = [PROJECT_DIR / "catalogue" / "settings.py", PROJECT_DIR / "gunicorn.conf.py"]
# In .env.example: comment lines saying what a variable means, then `# NAME=default`.
EXAMPLE_ENTRY = re.compile(r"((?:^# .*\n)+)^# ([A-Z][A-Z0-9_]*)=(.*)$", re.MULTILINE)
LOAD_SETTINGS = (
    "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
)
# Long and varied enough for Django's deploy check on SECRET_KEY.
REAL_SECRET = "k3Xq9-vT7pLw2ZrB8nYc4HdJ6fMs0aEu1GiKoQxRyNbVtUz5WlPe_hF"
SECURITY_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps({"
    "'hsts': s.SECURE_HSTS_SECONDS, 'subdomains': s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
    "'redirect': s.SECURE_SSL_REDIRECT, 'session_secure': s.SESSION_COOKIE_SECURE, "
    "'csrf_secure': s.CSRF_COOKIE_SECURE, 'session_httponly': s.SESSION_COOKIE_HTTPONLY, "
    "'language_secure': s.LANGUAGE_COOKIE_SECURE, "
    "'static': s.STORAGES['staticfiles']['BACKEND']}))"
)


def run_with_settings(command, cwd=None, **env):
    """A command run with the real settings, in an environment that sets only what is given."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ENV"}
        and not key.startswith("SECURE_")
    }
    environment |= {"DJANGO_SETTINGS_MODULE": "catalogue.settings", **env}
    return subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True)


def load_settings(**env):
    return run_with_settings([sys.executable, "-c", LOAD_SETTINGS], **env)


# An empty SECRET_KEY in the environment also keeps a local .env from supplying one.
@pytest.mark.parametrize("secret", ["", "django-insecure-abc"])
def test_it_refuses_to_start_without_a_real_secret_key_when_debug_is_off(secret):
    result = load_settings(SECRET_KEY=secret)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_it_starts_with_a_secret_key():
    result = load_settings(SECRET_KEY="a-real-secret-of-enough-length-0123456789")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_it_starts_without_a_secret_key_in_debug_mode():
    assert load_settings(SECRET_KEY="", DEBUG="1").returncode == 0


def test_it_passes_the_deploy_checks_in_production():
    result = run_with_settings(
        [sys.executable, str(MANAGE), "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_ENV="production",
        SECRET_KEY=REAL_SECRET,
        ALLOWED_HOSTS="catalogue.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_turns_on_https_only_defaults_in_production():
    result = run_with_settings(
        [sys.executable, "-c", SECURITY_SETTINGS], DJANGO_ENV="production", SECRET_KEY=REAL_SECRET
    )
    assert result.returncode == 0, result.stderr
    security = json.loads(result.stdout)
    assert security["hsts"] >= 15768000  # six months
    assert security["subdomains"] and security["redirect"]
    assert security["session_secure"] and security["csrf_secure"] and security["session_httponly"]
    assert security["language_secure"]
    assert security["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_it_refuses_debug_in_production():
    result = load_settings(DJANGO_ENV="production", SECRET_KEY=REAL_SECRET, DEBUG="1")
    assert result.returncode != 0
    assert "DEBUG must be off" in result.stderr


def test_it_refuses_a_value_that_does_not_parse():
    result = load_settings(SECRET_KEY=REAL_SECRET, DEBUG="maybe")
    assert result.returncode != 0
    assert 'Environment variable "DEBUG" invalid' in result.stderr


def test_it_reads_what_the_environment_leaves_unset_from_dot_env(tmp_path):
    """In a copy of the settings, so that the project's own .env is left alone."""
    shutil.copytree(PROJECT_DIR / "catalogue", tmp_path / "catalogue")
    (tmp_path / ".env").write_text("ADMIN_URL=gestion-7f3a/\nAXES_FAILURE_LIMIT=9\n")
    read = "import catalogue.settings as s; print(s.__file__, s.ADMIN_URL, s.AXES_FAILURE_LIMIT)"
    result = run_with_settings(
        [sys.executable, "-c", read], cwd=tmp_path, SECRET_KEY=REAL_SECRET, AXES_FAILURE_LIMIT="7"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        str(tmp_path / "catalogue" / "settings.py"),
        "gestion-7f3a/",
        "7",
    ]


def variables_read():
    """{name: (environs parser, default)} for each `env.<parser>("NAME", default)` call; the
    default is None where it is not a literal (it depends on other settings)."""
    found = {}
    for path in READERS:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "env"
                and node.func.attr != "read_env"
            ):
                continue
            name, *defaults = [*node.args, *(k.value for k in node.keywords if k.arg == "default")]
            try:
                default = ast.literal_eval(defaults[0])
            except (IndexError, ValueError):
                default = None
            found[ast.literal_eval(name)] = (node.func.attr, default)
    return found


def example_entries():
    """{name: (meaning, value)} of .env.example."""
    text = (PROJECT_DIR / ".env.example").read_text(encoding="utf-8")
    return {name: (meaning, value) for meaning, name, value in EXAMPLE_ENTRY.findall(text)}


def test_it_lists_every_variable_read_in_env_example():
    read, listed = variables_read(), example_entries()
    assert "SECRET_KEY" in read and "BIND" in read  # both readers were scanned
    assert set(listed) == set(read)
    assert all(meaning.strip("# \n") for meaning, _ in listed.values())


def test_it_gives_the_real_defaults_in_env_example(monkeypatch):
    listed = example_entries()
    for name, (parser, default) in variables_read().items():
        if default is None or default == "" or name not in listed:
            continue  # a default that depends on others is in its meaning
        monkeypatch.setenv(name, listed[name][1])
        parse = getattr(Env(), parser)
        expected = default
        if isinstance(default, str):  # the reader parses its default too (a database URL)
            monkeypatch.setenv("DEFAULT_OF_" + name, default)
            expected = getattr(Env(), parser)("DEFAULT_OF_" + name)
        assert parse(name) == expected, name


@pytest.mark.django_db
def test_the_site_s_connections_run_without_the_jit_compiler_and_with_a_timeout():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == ("10s",)
