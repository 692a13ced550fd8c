from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from ..postgres import run


class Command(BaseCommand):
    help = (
        "Restaure une sauvegarde de backup_catalogue : la base est remplacée en entier, en une "
        "seule transaction (en cas d'erreur, rien ne change)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Fichier écrit par backup_catalogue.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Ne pas demander de confirmation.",
        )

    def handle(
        self, *args: Any, file: str, database: str, interactive: bool, **options: Any
    ) -> None:
        name = connections[database].settings_dict["NAME"]
        if interactive:
            try:
                answer = input(
                    f"Tout le contenu de la base « {name} » sera remplacé par {file}.\n"
                    "Tapez « oui » pour continuer : "
                )
            except EOFError:  # no terminal to answer from (a script, cron)
                raise CommandError(
                    "Restauration annulée : pas de réponse à la confirmation. Sans terminal, "
                    "confirmez par --no-input."
                ) from None
            if answer.strip().lower() != "oui":
                raise CommandError("Restauration annulée.")
        # Nothing of this connection may hold a lock on what pg_restore drops.
        connections[database].close()
        run(
            "pg_restore",
            database,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            file,
        )
        self.stdout.write(f"Base « {name} » restaurée depuis {file}")
