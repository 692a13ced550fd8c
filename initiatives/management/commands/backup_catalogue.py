from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DEFAULT_DB_ALIAS

from ..postgres import run


class Command(BaseCommand):
    help = (
        "Sauvegarde toute la base (schéma, données, déclencheurs) dans FICHIER, au format "
        "personnalisé de pg_dump ; restore_catalogue la restaure."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Fichier de sauvegarde à écrire.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args: Any, file: str, database: str, **options: Any) -> None:
        run("pg_dump", database, "--format=custom", "--no-owner", "--no-privileges", "--file", file)
        self.stdout.write(f"Sauvegarde écrite dans {file}")
