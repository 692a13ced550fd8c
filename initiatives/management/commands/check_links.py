from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from initiatives.links import check_all


class Command(BaseCommand):
    help = (
        "Vérifie chaque site web (HTTP, redirections suivies) et chaque domaine de courriel "
        "(DNS) que montre le catalogue, plusieurs à la fois, et enregistre le résultat et la "
        "date ; l'administration montre les liens cassés."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--timeout", type=float, default=10, help="Secondes d'attente par étape (10)."
        )
        parser.add_argument(
            "--workers", type=int, default=8, help="Vérifications simultanées, au plus (8)."
        )
        parser.add_argument(
            "--strict", action="store_true", help="Sortir en erreur (code 1) si un lien est cassé."
        )

    def handle(
        self, timeout: float = 10, workers: int = 8, strict: bool = False, **options: Any
    ) -> None:
        checks = check_all(timeout=timeout, workers=workers)
        broken = [check for check in checks if check.ok is False]
        undecided = [check for check in checks if check.ok is None]
        for check in broken:
            status = f" {check.status}" if check.status else ""
            self.stdout.write(f"cassé{status} : {check.target} — {check.detail}")
        for check in undecided:
            self.stdout.write(f"indécis : {check.target} — {check.detail}")
        self.stdout.write(
            f"{len(checks)} liens vérifiés : {len(broken)} cassés, {len(undecided)} indécis."
        )
        if strict and broken:
            raise CommandError(f"{len(broken)} lien(s) cassé(s).", returncode=1)
