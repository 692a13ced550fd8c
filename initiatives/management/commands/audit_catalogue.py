from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Exists, OuterRef, QuerySet

from initiatives.models import (
    Citation,
    Contact,
    Initiative,
    InitiativePlace,
    InitiativeQuerySet,
    Result,
    ResultQuerySet,
    StatusNow,
)

# What every initiative should have at least one of.
REQUIRED_CHILDREN: list[tuple[str, type[Contact | Result | Citation]]] = [
    ("sans contact", Contact),
    ("sans résultat", Result),
    ("sans source", Citation),
]


def targets_without_horizon() -> ResultQuerySet:
    """Targets that do not say by when they are to be reached."""
    return Result.objects.targets_without_horizon()


def results_without_source() -> ResultQuerySet:
    """Results that name no document they come from."""
    return Result.objects.without_source()


def without_coded_place(initiatives: QuerySet) -> QuerySet:
    """Initiatives with no place of the reference (every one has a code): none was given, or
    none could be matched when their places were text."""
    return initiatives.filter(~Exists(InitiativePlace.objects.filter(initiative=OuterRef("pk"))))


class Command(BaseCommand):
    help = (
        "Liste les initiatives auxquelles il manque un thème, un contact, un résultat "
        "ou une source, les objectifs sans horizon et les résultats sans source. Avec "
        "--strict, sort en erreur s'il en manque."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Sortir avec un code d'erreur s'il manque quelque chose.",
        )

    def handle(self, *args: Any, strict: bool = False, **options: Any) -> None:
        initiatives: InitiativeQuerySet = Initiative.objects.all()
        gaps = 0
        for label, model in REQUIRED_CHILDREN:
            missing = initiatives.filter(~Exists(model.objects.filter(initiative=OuterRef("pk"))))
            gaps += self.report(label, missing)
        gaps += self.report("sans thème", initiatives.filter(themes__isnull=True))
        gaps += self.report("au statut que ses dates contredisent", dated_out(initiatives))
        gaps += self.report_results("objectif(s) sans horizon", targets_without_horizon())
        gaps += self.report_results("résultat(s) sans source", results_without_source())
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

    def report_results(self, label: str, results: ResultQuerySet) -> int:
        found = list(results.select_related("initiative").order_by("initiative__slug", "position"))
        if found:
            self.stdout.write(self.style.WARNING(f"{len(found)} {label} :"))
            for result in found:
                self.stdout.write(f"  - {result.initiative.slug} n° {result.position} : {result}")
        return len(found)


def dated_out(initiatives: InitiativeQuerySet) -> InitiativeQuerySet:
    """Initiatives the source said planned or ongoing whose end year has passed: the public
    reads them as ended per the source's dates until someone checks them."""
    return initiatives.with_status_now().filter(status_now=StatusNow.ENDED_PER_SOURCE)
