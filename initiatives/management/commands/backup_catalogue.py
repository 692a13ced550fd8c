from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS

from ..postgres import run


class Command(BaseCommand):
    help = (
        "Sauvegarde toute la base (schéma, données, déclencheurs) dans FICHIER, au format "
        "personnalisé de pg_dump ; restore_catalogue la restaure."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Fichier de sauvegarde à écrire.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, file, database, **options):
        run("pg_dump", database, "--format=custom", "--no-owner", "--no-privileges", "--file", file)
        self.stdout.write(f"Sauvegarde écrite dans {file}")
