from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse
from django.utils import timezone

from initiatives.review import review_items
from initiatives.suggestions import editor_emails


class Command(BaseCommand):
    help = (
        "Liste ce que l'équipe doit revoir : fiches à revérifier, suggestions de lecteurs en "
        "attente, fiches sans contact, fiches avec un lien cassé (d'après check_links), et "
        "l'envoie par courriel aux éditeurs. Avec --strict, sort en erreur s'il y a quelque chose."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=0,
            help="Compter aussi les fiches à revérifier dans ce nombre de jours.",
        )
        parser.add_argument(
            "--strict", action="store_true", help="Sortir en erreur (code 1) s'il y a à revoir."
        )
        parser.add_argument("--no-email", action="store_true", help="Ne pas envoyer de courriel.")
        parser.add_argument(
            "--site-url",
            default=settings.SITE_URL or "http://localhost:8000",
            help="Adresse du site, pour les liens du courriel (défaut : SITE_URL).",
        )

    def handle(
        self,
        days: int = 0,
        strict: bool = False,
        no_email: bool = False,
        site_url: str = "",
        **options: Any,
    ) -> None:
        day = timezone.localdate() + timedelta(days=days)
        lines: list[str] = []
        total = 0
        for item in review_items(day):
            rows = list(item.rows)
            total += len(rows)
            lines.append(f"{item.label} : {len(rows)} — {site_url.rstrip('/')}{item.url}")
            for row in rows:
                link = reverse(f"admin:initiatives_{row._meta.model_name}_change", args=[row.pk])
                lines.append(f"  - {row} — {site_url.rstrip('/')}{link}")
        report = "\n".join(lines)
        self.stdout.write(report)
        if total and not no_email:
            recipients = editor_emails()
            if recipients:
                EmailMessage(
                    subject=f"[Catalogue] {total} élément(s) à revoir",
                    body=report,
                    to=recipients,
                ).send()
            else:
                self.stderr.write("Aucun destinataire : définissez SUGGESTION_EMAILS.")
        if strict and total:
            raise CommandError(f"{total} élément(s) à revoir.", returncode=1)
