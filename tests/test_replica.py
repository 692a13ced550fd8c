"""With DATABASE_REPLICA_URL, the public pages read from a streaming replica; the admin, writes,
and readers signed in read the primary. A real replica: pg_basebackup of a throwaway primary,
its replay paused to tell which server a page was read from."""

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from .harness import ThrowawayCluster, database_url, manage, pg_bindir

BINDIR = pg_bindir()
pytestmark = [
    pytest.mark.skipif(
        BINDIR is None or not (BINDIR / "pg_basebackup").exists(),
        reason="PostgreSQL's pg_basebackup not found",
    ),
]

SLUG = "accueil-au-primaire"

# Run by manage.py shell with both databases configured: what each client reads.
READ_PAGES = f"""
import json
from django.test import Client
from django.contrib.auth.models import User
from initiatives.models import Initiative

reader = Client()
editor = Client()
flags = {{"is_staff": True, "is_superuser": True}}
editor.force_login(User.objects.get_or_create(username="editrice", defaults=flags)[0])
pk = Initiative.objects.using("default").get(slug="{SLUG}").pk
print(json.dumps({{
    "reader": reader.get("/initiatives/{SLUG}/").content.decode(),
    "reader_list": reader.get("/initiatives/").content.decode(),
    "editor_admin": editor.get(f"/admin/initiatives/initiative/{{pk}}/change/").content.decode(),
    "editor_page": editor.get("/initiatives/{SLUG}/").content.decode(),
}}))
"""


@pytest.fixture(scope="module")
def primary(
    migrated_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ThrowawayCluster]:
    """A throwaway cluster whose database `catalogue` has the schema and one initiative."""
    cluster = ThrowawayCluster()
    try:
        cluster.start()
        url = cluster.create_database("catalogue")
        backup = str(tmp_path_factory.mktemp("replica") / "migrated.dump")
        environment = os.environ | {"DJANGO_SETTINGS_MODULE": "catalogue.test_settings"}
        migrated_url = database_url(connection.settings_dict, migrated_database)
        manage(environment | {"DATABASE_URL": migrated_url}, "backup_catalogue", backup)
        manage(environment | {"DATABASE_URL": url}, "restore_catalogue", "--no-input", backup)
        manage(
            environment | {"DATABASE_URL": url},
            "shell",
            "-c",
            "from django.db import transaction\n"
            "from tests.factories import make_initiative\n"
            "with transaction.atomic():\n"
            "    make_initiative('Accueil au primaire')\n",
        )
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="module")
def replica(primary: ThrowawayCluster) -> Iterator[ThrowawayCluster]:
    """A streaming replica of `primary`, started."""
    root = Path(tempfile.mkdtemp(prefix="catalogue-replica-"))
    (root / "run").mkdir()
    if primary.as_owner:
        shutil.chown(root, primary.owner)
        shutil.chown(root / "run", primary.owner)
    command = [*primary.as_owner, str(primary.bindir / "pg_basebackup"),
               "-h", str(primary.socket_dir), "-U", primary.owner, "-D", str(root / "data"),
               "-R", "-X", "stream", "-c", "fast"]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)
    cluster = ThrowawayCluster(root)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


def read_pages(primary: ThrowawayCluster, replica: ThrowawayCluster, workdir: Path) -> dict:
    environment = os.environ | {
        "DJANGO_SETTINGS_MODULE": "catalogue.test_settings",
        "DATABASE_URL": primary.url("catalogue"),
        "DATABASE_REPLICA_URL": replica.url("catalogue"),
        "ALLOWED_HOSTS": "testserver",  # Django's test client's host
    }
    return json.loads(manage(environment, "shell", "-c", READ_PAGES).splitlines()[-1])


def replica_title(replica: ThrowawayCluster) -> str:
    with replica.connect("catalogue") as database:
        query = "SELECT title FROM initiatives_initiative WHERE slug = %s"
        row = database.execute(query, [SLUG]).fetchone()
    return row[0] if row else ""


def wait_for_title(replica: ThrowawayCluster, title: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while replica_title(replica) != title:
        assert time.monotonic() < deadline, f"the replica never showed {title!r}"
        time.sleep(0.1)


@pytest.mark.slow
def test_public_pages_read_the_replica_and_editors_the_primary(primary, replica, tmp_path):
    wait_for_title(replica, "Accueil au primaire")
    with replica.connect("catalogue", autocommit=True) as database:
        database.execute("SELECT pg_wal_replay_pause()")
    try:
        with primary.connect("catalogue", autocommit=True) as database:
            database.execute(
                "UPDATE initiatives_initiative SET title = 'Accueil renommé' WHERE slug = %s",
                [SLUG],
            )
        pages = read_pages(primary, replica, tmp_path)
        # The replica is behind: readers see the former title, editors the new one.
        assert "Accueil au primaire" in pages["reader"]
        assert "Accueil renommé" not in pages["reader"]
        assert "Accueil au primaire" in pages["reader_list"]
        assert "Accueil renommé" in pages["editor_admin"]
        assert "Accueil renommé" in pages["editor_page"]
    finally:
        with replica.connect("catalogue", autocommit=True) as database:
            database.execute("SELECT pg_wal_replay_resume()")
    wait_for_title(replica, "Accueil renommé")
    assert "Accueil renommé" in read_pages(primary, replica, tmp_path)["reader"]
