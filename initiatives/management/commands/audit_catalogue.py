from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Exists, OuterRef, QuerySet

from initiatives.models import Citation, Contact, Initiative, InitiativePlace, Result

# What every initiative should have at least one of.
REQUIRED_CHILDREN: list[tuple[str, type[Contact | Result | Citation]]] = [
    ("sans contact", Contact),
    ("sans résultat", Result),
    ("sans source", Citation),
]


def without_coded_place(initiatives: QuerySet) -> QuerySet:
    """Initiatives with no place of the reference (every one has a code): none was given, or
    none could be matched when their places were text."""
    return initiatives.filter(~Exists(InitiativePlace.objects.filter(initiative=OuterRef("pk"))))


class Command(BaseCommand):
    help = (
        "Liste les initiatives auxquelles il manque un thème, un contact, un résultat "
        "ou une source. Avec --strict, sort en erreur s'il en manque."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Sortir avec un code d'erreur s'il manque quelque chose.",
        )

    def handle(self, *args: Any, strict: bool = False, **options: Any) -> None:
        initiatives = Initiative.objects.all()
        gaps = 0
        for label, model in REQUIRED_CHILDREN:
            missing = initiatives.filter(~Exists(model.objects.filter(initiative=OuterRef("pk"))))
            gaps += self.report(label, missing)
        gaps += self.report("sans thème", initiatives.filter(themes__isnull=True))
        gaps += self.report("sans lieu codé", without_coded_place(initiatives))
        total = initiatives.count()
        if gaps:
            self.stdout.write(f"{gaps} manque(s) sur {total} initiative(s).")
            if strict:
                raise CommandError("Le catalogue est incomplet.")
        else:
            self.stdout.write(self.style.SUCCESS(f"{total} initiative(s), rien ne manque."))

    def report(self, label: str, missing: QuerySet[Initiative]) -> int:
        slugs = list(missing.order_by("slug").values_list("slug", flat=True))
        if slugs:
            self.stdout.write(self.style.WARNING(f"{len(slugs)} initiative(s) {label} :"))
            for slug in slugs:
                self.stdout.write(f"  - {slug}")
        return len(slugs)
