"""Running PostgreSQL's own tools (pg_dump, pg_restore) against a configured database."""

import glob
import os
import shutil
import subprocess

from django.core.management.base import CommandError
from django.db import connections
from django.db.backends.postgresql.client import DatabaseClient


def find_program(name: str) -> str:
    """The program on PATH, else from the newest of Debian's /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda path: int(path.split("/")[-3])
    )
    if candidates:
        return candidates[-1]
    raise CommandError(f"{name} was not found: install PostgreSQL's client programs.")


def run(program: str, alias: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Runs a PostgreSQL program on the database `alias`, with its connection settings.

    Host (a Unix socket folder or a name), port, user and database name are passed as options;
    the password and SSL settings go through the environment, as psql gets them from dbshell.
    """
    settings_dict = connections[alias].settings_dict
    command = [find_program(program)]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            command += [option, str(settings_dict[key])]
    command += ["--dbname", settings_dict["NAME"], *arguments]
    _, env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    result = subprocess.run(
        command, env={**os.environ, **(env or {})}, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise CommandError(f"{program} failed: {result.stderr.strip()}")
    return result
