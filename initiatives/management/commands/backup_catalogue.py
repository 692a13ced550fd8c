import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DEFAULT_DB_ALIAS

from ..postgres import run

# Tables whose rows a backup leaves out (pg_dump patterns): sessions and sign-in attempts.
SECRET_TABLES = ("django_session", "axes_*")


class Command(BaseCommand):
    help = (
        "Sauvegarde toute la base (schéma, données, déclencheurs) dans FICHIER, au format "
        "personnalisé de pg_dump ; restore_catalogue la restaure. Le fichier n'est lisible que "
        "par son propriétaire ; il ne contient ni les sessions ni le journal des connexions."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Fichier de sauvegarde à écrire.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, file: str, database: str, **options: Any) -> None:
        # Readable by its owner alone, even if it existed (pg_dump keeps an existing file's mode).
        descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)
        os.close(descriptor)
        run(
            "pg_dump",
            database,
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            # Their tables without their rows: open sessions would let whoever reads the file
            # into the admin, and the sign-in logs hold addresses and usernames tried.
            *(f"--exclude-table-data={table}" for table in SECRET_TABLES),
            "--file",
            file,
        )
        self.stdout.write(f"Sauvegarde écrite dans {file}")
