from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from simple_history.exceptions import NotHistoricalModelError
from simple_history.models import registered_models
from simple_history.utils import get_app_model_primary_key_name, get_history_manager_for_model

from initiatives.models import Place

# The catalogue's data, in the order it loads: sources and vocabularies first, then the
# organisations, then one file per group of source entries.
FIXTURES = sorted(str(path) for path in (settings.BASE_DIR / "fixtures").glob("*.json"))


def record_history_baseline() -> int:
    """A first history entry for each row that has none, so that later edits can be reverted;
    the number of entries recorded. loaddata's raw saves record none (only an initiative's
    themes and publics, set after its row, are recorded as a change); rows that have history
    keep it as it is, so running this again records nothing new."""
    recorded = 0
    for model in list(registered_models.values()):
        try:
            history = get_history_manager_for_model(model)
        except NotHistoricalModelError:  # the m2m tables whose changes an initiative records
            continue
        key = get_app_model_primary_key_name(model)
        rows = model._default_manager.exclude(**{f"{key}__in": history.values(key)})
        recorded += len(history.bulk_history_create(list(rows), batch_size=500))
    return recorded


class Command(BaseCommand):
    help = (
        "Charge les données du catalogue : les fixtures de fixtures/ dans l'ordre de leur nom, "
        "puis une première entrée d'historique pour chaque ligne qui n'en a pas. Le relancer "
        "laisse les mêmes données et le même historique."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-history",
            action="store_false",
            dest="history",
            help="Ne pas créer d'entrée d'historique pour les lignes chargées.",
        )

    def handle(self, *args: Any, history: bool = True, **options: Any) -> None:
        verbosity = options["verbosity"]
        with transaction.atomic():
            # The reference places the fixtures name, back if a flush emptied their table.
            Place.objects.load_reference()
            call_command("loaddata", *FIXTURES, verbosity=verbosity, stdout=self.stdout)
            recorded = record_history_baseline() if history else 0
        if history and verbosity:
            self.stdout.write(f"{recorded} entrée(s) d'historique initiale(s) créée(s).")
