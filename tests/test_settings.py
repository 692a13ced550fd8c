import os
import subprocess
import sys

import pytest

LOAD_SETTINGS = (
    "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
)


def load_settings(**env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    environment |= {"DJANGO_SETTINGS_MODULE": "catalogue.settings", **env}
    return subprocess.run(
        [sys.executable, "-c", LOAD_SETTINGS], env=environment, capture_output=True, text=True
    )


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
