"""Where initiatives act, by distance and on a map: the `near` parameter (a commune found by
its name or postcode, the initiatives ordered by closeness to it), the places of a filtered list
with their initiatives (the map page) and the list as GeoJSON.

Distances are computed by PostgreSQL (`earthdistance`, migration 0020). A place without
coordinates in the reference (most small French communes) stands at its département's
chef-lieu: close enough for a map of where initiatives act and to order them by distance.
"""

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.expressions import ArraySubquery
from django.db import transaction
from django.db.models import (
    Avg,
    BooleanField,
    Case,
    DecimalField,
    F,
    FloatField,
    Func,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Concat, Lower, Replace
from django.http import HttpRequest, StreamingHttpResponse
from django.utils.translation import gettext as _
from pyroaring import FrozenBitMap

from . import ranking
from .bitmaps import EMPTY, Bitmaps, union
from .exports import CHUNK_SIZE, absolute_url, initiative_url
from .models import Initiative, InitiativePlace, Place, PlaceKind, Scope, Theme, country_name
from .ranking import Ranking

# How many initiatives a place names on the page without JavaScript, and in a marker's card;
# the rest are counted.
LISTED_PER_PLACE = 10
SHOWN_PER_MARKER = 3
# How many places the page lists without JavaScript (those with most initiatives first); fewer
# when the map shows groups of them, each leading to the map of its own places.
LISTED_PLACES = 200
LISTED_PLACES_GROUPED = 50
# How many places the map shows as they are; above, its markers are départements (at their
# chef-lieu) and the places in none, so that the page stays small whatever the list.
MAX_POINTS = 300
# How many initiatives with no place on the map the page lists.
LISTED_WITHOUT_PLACE = 100
# How many communes a name may match before the page asks for a postcode instead.
LISTED_MATCHES = 20
SUGGESTIONS = 10


class Closeness:
    """How close an initiative acts to the commune of `near`, the closest first."""

    COMMUNE = 0
    DEPARTMENT = 1
    REGION = 2
    NATIONAL = 3
    ELSEWHERE = 4
    UNKNOWN = 5


# Initiatives that act across a country or more are close to everyone in it.
WIDE_SCOPES = [Scope.NATIONAL, Scope.CROSS_BORDER, Scope.INTERNATIONAL]


class ArrayLength(Func):
    template = "array_length(%(expressions)s, 1)"
    output_field = IntegerField()


class ScopeLevel(Func):
    """Closeness.NATIONAL for an initiative whose scope (the expression) is one of WIDE_SCOPES,
    else UNKNOWN."""

    template = (
        "CASE WHEN %(expressions)s = ANY(ARRAY["
        + ", ".join(f"'{scope}'" for scope in WIDE_SCOPES)
        + f"]) THEN {Closeness.NATIONAL} ELSE {Closeness.UNKNOWN} END"
    )
    output_field = IntegerField()


class JSONItem(Func):
    """The value at a key (the second expression) of a JSON object (the first), as JSON."""

    arg_joiner = " -> "
    template = "(%(expressions)s)"
    output_field = JSONField()


class JSONValue(Func):
    """The value at a key (the second expression) of a JSON object (the first), as text."""

    arg_joiner = " ->> "
    template = "(%(expressions)s)"
    output_field = TextField()


class OneOf(Func):
    """Whether the expression (an initiative's key) is one of `keys`, sent as one array
    parameter: a list's initiatives known from its bitmaps are read by key this way, rather
    than through its filters' semi-joins again, and without a parameter per key. The array is
    sent as its text, which PostgreSQL reads faster than psycopg writes a list of numbers."""

    output_field = BooleanField()

    def __init__(self, expression: Any, keys: Iterable[int]) -> None:
        super().__init__(expression)
        self.keys = "{" + ",".join(map(str, keys)) + "}"

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra_context: Any
    ) -> tuple[str, list]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"{sql} = ANY(%s::bigint[])", [*params, self.keys]


class LlToEarth(Func):
    function = "ll_to_earth"
    output_field = FloatField()  # a `earth` point, only ever passed to earth_distance


class EarthDistance(Func):
    """The great-circle distance between two ll_to_earth points, in metres."""

    function = "earth_distance"
    output_field = FloatField()


def department_points() -> dict[str, tuple[float, float]]:
    """{code: (latitude, longitude)} of every département's chef-lieu, where its places without
    coordinates stand (one query: cheaper than a subquery per place of a large list)."""
    departments = Place.objects.filter(kind=PlaceKind.DEPARTMENT).exclude(latitude=None)
    return {
        code: (float(latitude), float(longitude))
        for code, latitude, longitude in departments.values_list("code", "latitude", "longitude")
    }


def point(
    latitude: Any, longitude: Any, department_code: str, departments: dict[str, tuple[float, float]]
) -> tuple[float, float] | None:
    """A place's (latitude, longitude): its own, else its département's, else None."""
    if latitude is not None and longitude is not None:
        return float(latitude), float(longitude)
    return departments.get(department_code)


def normalised(text: str) -> str:
    """A commune's name as compared: lower case, no accents, hyphens and apostrophes as spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    return " ".join(re.sub(r"[-'’]", " ", text).split())


def normalised_name() -> Func:
    """normalised() of a place's name, in SQL."""
    name: Func = Lower(Func(F("name"), function="unaccent", output_field=TextField()))
    for char in "-'’":
        name = Replace(name, Value(char), Value(" "), output_field=TextField())
    return name


POSTCODE = re.compile(r"\d{5}")
# « Saint-Denis (93) »: a name with its département's code (or a foreign commune's country).
NAME_WITH_CODE = re.compile(r"(?P<name>.+?)\s*\((?P<code>[0-9A-Za-z]{1,3})\)")


def find_communes(text: str) -> list[Place]:
    """The communes `text` names: a postcode, a name, or a name with its département's code in
    brackets; by département, at most LISTED_MATCHES + 1 of them."""
    text = text.strip()
    communes = Place.objects.filter(kind=PlaceKind.COMMUNE).order_by(
        "department_code", "country", "name"
    )
    if POSTCODE.fullmatch(text):
        return list(communes.filter(postcodes__contains=[text])[: LISTED_MATCHES + 1])
    code = ""
    match = NAME_WITH_CODE.fullmatch(text)
    if match:
        text, code = match["name"], match["code"].upper()
    found = communes.alias(normalised_name=normalised_name()).filter(
        normalised_name=normalised(text)
    )
    if code:
        found = found.filter(Q(department_code=code) | Q(country=code))
    return list(found[: LISTED_MATCHES + 1])


def suggest_communes(prefix: str) -> list[str]:
    """What `near` may be, for a reader typing `prefix`: communes whose name starts with it, the
    largest (those with most postcodes) first, each as find_communes() finds it alone."""
    prefix = normalised(prefix)
    if len(prefix) < 2:
        return []
    communes = (
        Place.objects.filter(kind=PlaceKind.COMMUNE)
        .alias(normalised_name=normalised_name())
        .filter(normalised_name__startswith=prefix)
        .annotate(size=ArrayLength(F("postcodes")))
        .order_by(F("size").desc(nulls_last=True), "name")[:SUGGESTIONS]
    )
    return [commune_label(commune) for commune in communes]


def commune_label(commune: Place) -> str:
    """A commune as `near` names it alone: « Saint-Denis (93) »."""
    return f"{commune.name} ({commune.department_code or commune.country})"


def origin_coordinates(commune: Place) -> tuple[float, float] | None:
    """Where distances to `commune` are measured from: itself, or its département's chef-lieu."""
    if commune.latitude is not None and commune.longitude is not None:
        return float(commune.latitude), float(commune.longitude)
    department = (
        Place.objects.filter(kind=PlaceKind.DEPARTMENT, code=commune.department_code)
        .exclude(latitude=None)
        .values_list("latitude", "longitude")
        .first()
    )
    return None if department is None else (float(department[0]), float(department[1]))


def kilometres(
    origin: tuple[float, float],
    departments: dict[str, tuple[float, float]],
    column: Callable[[str], Any] = F,
) -> Any:
    """The distance in km from `origin` (latitude, longitude) to the place of an InitiativePlace
    (its département's chef-lieu for a place without coordinates, from `departments`); its
    columns read by `column` (place_field: of a Place itself)."""
    latitude, longitude = feature_coordinates(departments, column)
    metres = EarthDistance(
        LlToEarth(latitude, longitude), LlToEarth(Value(origin[0]), Value(origin[1]))
    )
    return metres / Value(1000.0)


def place_field(name: str) -> F:
    """A place's own column, named as from an InitiativePlace (`place__latitude`)."""
    return F(name.removeprefix("place__"))


# The near ordering's key is level × LEVEL_STEP + distance in km: farther than any distance on
# earth, and where the distance is unknown.
LEVEL_STEP = 100_000
NO_DISTANCE = LEVEL_STEP - 1


def closeness(commune: Place, keys: Iterable[int] | None = None) -> dict[str, Any]:
    """The annotation of an initiative ordering by closeness to `commune`, `near_order`: the
    Closeness of its closest place, times LEVEL_STEP, plus the distance in km to its closest
    commune (NO_DISTANCE if it acts in none or `commune` has no coordinates); closeness_of()
    reads both back. Computed once per query for every initiative with a place (of `keys` only,
    if given: the others are then as if they had none), grouped by PostgreSQL into a JSON object
    {initiative: order} that each row looks itself up in (one step of the plan, rather than a
    subquery per initiative); each place's level and distance computed once, not once per
    initiative acting there."""
    whens = [When(pk=commune.pk, then=Value(Closeness.COMMUNE))]
    if commune.department_code:
        whens.append(
            When(department_code=commune.department_code, then=Value(Closeness.DEPARTMENT))
        )
    if commune.region_code:
        whens.append(When(region_code=commune.region_code, then=Value(Closeness.REGION)))
    whens.append(
        When(kind=PlaceKind.COUNTRY, country=commune.country, then=Value(Closeness.NATIONAL))
    )
    level = Case(*whens, default=Value(Closeness.ELSEWHERE), output_field=IntegerField())
    distance: Any = Value(None, output_field=FloatField())
    origin = origin_coordinates(commune)
    if origin is not None:
        # To the communes it acts in: a département or region is no point to measure from.
        away = kilometres(origin, department_points(), place_field)
        distance = Case(When(kind=PlaceKind.COMMUNE, then=away), output_field=FloatField())
    links = InitiativePlace.objects.all()
    among = None if keys is None else OneOf(F("initiative"), keys)
    if among is not None:
        links = links.filter(among)
    places = (
        Place.objects.filter(pk__in=links.values("place"))
        .annotate(level=level, distance=distance)
        .order_by()
        .values_list("pk", "level", "distance")
    )
    places_sql, params = places.query.sql_with_params()
    # The links of `keys` alone, as their places are: the same array.
    of_keys = ""
    if among is not None:
        of_keys = " WHERE link.initiative_id = ANY(%s::bigint[])"
        params = (*params, among.keys)
    # Its order as its places give it, and as they give it to one whose scope is wide (at most
    # NATIONAL): the initiatives' rows, with their scope, are read once, outside. OFFSET 0
    # keeps the places' levels and distances computed once per place, before the join.
    step, far = LEVEL_STEP, float(NO_DISTANCE)
    orders = RawSQL(
        "SELECT jsonb_object_agg(t.initiative, jsonb_build_array(t.narrow, t.wide)) FROM ("
        f"SELECT link.initiative_id, min(p.level) * {step} + coalesce(min(p.distance), {far}),"
        f" least(min(p.level), {Closeness.NATIONAL}) * {step} + coalesce(min(p.distance), {far})"
        f" FROM {InitiativePlace._meta.db_table} AS link"
        f" JOIN ({places_sql} OFFSET 0) AS p(id, level, distance) ON p.id = link.place_id"
        f"{of_keys} GROUP BY link.initiative_id) AS t(initiative, narrow, wide)",
        params,
        output_field=JSONField(),
    )
    own_orders = JSONItem(orders, Cast(F("pk"), output_field=TextField()))
    is_wide = Case(When(scope__in=WIDE_SCOPES, then=Value(1)), default=Value(0))
    own = Cast(JSONValue(own_orders, is_wide), FloatField())
    by_scope = ScopeLevel(F("scope")) * Value(LEVEL_STEP) + Value(NO_DISTANCE)
    return {"near_order": Coalesce(own, by_scope, output_field=FloatField())}


def closeness_of(order: float) -> tuple[int, float | None]:
    """(Closeness, distance in km or None) of an initiative whose near_order is `order`."""
    level = int(order // LEVEL_STEP)
    distance = order - level * LEVEL_STEP
    return level, None if distance >= NO_DISTANCE - 0.5 else distance


def closeness_label(level: int, distance: float | None) -> str:
    """What a card says of how close an initiative acts to the commune of `near`."""
    words = {
        Closeness.COMMUNE: _("dans cette commune"),
        Closeness.DEPARTMENT: _("dans ce département"),
        Closeness.REGION: _("dans cette région"),
        Closeness.NATIONAL: _("à l'échelle nationale ou transfrontalière"),
        Closeness.ELSEWHERE: _("ailleurs"),
        Closeness.UNKNOWN: _("lieu non précisé"),
    }[level]
    if distance is None or level in (Closeness.COMMUNE, Closeness.NATIONAL):
        return words
    return _("%(where)s, à %(distance)s km") % {"where": words, "distance": round(distance)}


@dataclass
class MapPlace:
    """A place where initiatives of a list act, with those initiatives (the first ones)."""

    name: str
    kind: str
    label: str
    latitude: float | None
    longitude: float | None
    count: int
    initiatives: list[tuple[str, str]]  # (title, page's address)
    distance: float | None = None

    @property
    def more(self) -> int:
        return self.count - len(self.initiatives)

    def as_point(self) -> dict[str, Any]:
        """What the map's script reads of it."""
        return {
            "name": self.label,
            "lat": self.latitude,
            "lon": self.longitude,
            "count": self.count,
            "initiatives": [
                {"title": title, "url": url} for title, url in self.initiatives[:SHOWN_PER_MARKER]
            ],
        }


@dataclass
class MapData:
    """The places of a list with their initiatives (the first LISTED_PLACES, or MAX_POINTS
    when they are few enough to be the map's points), their number, and its initiatives that
    have none; the map's points: a place each, or a département each when places are many
    (`grouped`)."""

    places: list[MapPlace]
    place_count: int
    without_place: list[tuple[str, str]]
    without_place_count: int
    points: list[dict[str, Any]] = field(default_factory=list)
    grouped: bool = False

    @property
    def listed_places(self) -> list[MapPlace]:
        return self.places[:LISTED_PLACES]

    @property
    def unlisted_places(self) -> int:
        return max(self.place_count - len(self.listed_places), 0)


def map_data(
    matching: FrozenBitMap,
    bitmaps: Bitmaps,
    build_url: Callable[[str], str] = str,
    near: Place | None = None,
    group_url: Callable[[str, str], str] | None = None,
    titles: Ranking | None = None,
) -> MapData:
    """The places where the published initiatives `matching` act (their keys: a list's
    ListCache.bitmaps.matching()), a country excepted, each with its initiatives' count and the
    first of them by title, those with most initiatives first, or the closest to the commune
    `near`; then the initiatives with no other place than a country. The map's points are those
    places, or when there are more than MAX_POINTS of them, groups of them (catalogue_points(),
    each with its address by `group_url`, the map of its places).

    Each place's initiatives come from the catalogue's `bitmaps` (Bitmaps.places), their order
    by title from `titles` (ranking.by_title(), read whole if not given): PostgreSQL only reads
    the places listed, the distances to `near` and the titles shown, in four queries, five with
    the groups, whatever the number of initiatives."""
    departments = department_points()
    in_place = {
        place: found
        for place, initiatives in bitmaps.places.items()
        if (found := initiatives & matching)
    }
    counts = {place: len(initiatives) for place, initiatives in in_place.items()}
    shown = max(MAX_POINTS, LISTED_PLACES)
    if near is None:
        rows = listed_places(counts, shown)
    else:
        rows = near_places(counts, near, departments, shown)
    place_count = len(in_place)
    groups: list[dict[str, Any]] = []
    if place_count > MAX_POINTS:
        groups = catalogue_points(bitmaps, group_url, matching, departments)
    # A list whose places are all in one group (a département chosen) shows its first places
    # rather than a marker of itself.
    grouped = len(groups) > 1
    if grouped:
        rows = rows[:LISTED_PLACES_GROUPED]
    elif place_count > MAX_POINTS:
        rows = rows[:LISTED_PLACES]
    url = initiative_url(build_url)
    if titles is None:
        titles = ranking.by_title(None, bitmaps.last_change)
    located = union(bitmaps.departments.values()) | union(bitmaps.outside.values())
    without = matching - located
    first = {
        row["place"]: titles.first(LISTED_PER_PLACE, in_place.get(row["place"], EMPTY))
        for row in rows
    }
    first_without = titles.first(LISTED_WITHOUT_PLACE, without)
    named = initiative_names([*itertools.chain(*first.values()), *first_without])
    places = []
    for row in rows:
        places.append(
            MapPlace(
                name=row["name"],
                kind=row["kind"],
                label=place_label(row),
                latitude=None,
                longitude=None,
                count=row["count"],
                distance=row["distance"],
                initiatives=[(named[key][0], url(named[key][1])) for key in first[row["place"]]],
            )
        )
        position = point(row["latitude"], row["longitude"], row["department_code"], departments)
        if position is not None:
            places[-1].latitude, places[-1].longitude = position
    points = (
        groups if grouped else [place.as_point() for place in places if place.latitude is not None]
    )
    return MapData(
        places=places,
        place_count=place_count,
        without_place=[(named[key][0], url(named[key][1])) for key in first_without],
        without_place_count=len(without),
        points=points,
        grouped=grouped,
    )


# What map_data() reads of each place listed.
PLACE_FIELDS = ("name", "kind", "department_code", "country", "latitude", "longitude")


def listed_places(counts: dict[int, int], count: int) -> list[dict[str, Any]]:
    """The first `count` of the places `counts` (their initiatives' count by place key), those
    with most initiatives first, then by name: a row each with its PLACE_FIELDS, "place" (its
    key), "count" and "distance" (None). One query, of those as many as the last (PostgreSQL
    orders their names)."""
    if not counts:
        return []
    least = sorted(counts.values(), reverse=True)[:count][-1]
    candidates = [place for place, number in counts.items() if number >= least]
    rows = [
        {**row, "count": counts[row["place"]], "distance": None}
        for row in Place.objects.filter(pk__in=candidates)
        .order_by("name", "pk")
        .values(*PLACE_FIELDS, place=F("pk"))
    ]
    # A stable sort: by name among places as many, in PostgreSQL's order.
    rows.sort(key=lambda row: -row["count"])
    return rows[:count]


def near_places(
    counts: dict[int, int],
    near: Place,
    departments: dict[str, tuple[float, float]],
    count: int,
) -> list[dict[str, Any]]:
    """The first `count` of the places `counts` (their initiatives' count by place key), the
    closest to the commune `near` first (from `departments`, department_points(), for places
    without coordinates), then those with most initiatives, then by name: rows as
    listed_places() gives, "distance" in km (None if unknown, last). Two queries: every
    place's distance (PostgreSQL computes them, and orders the names), then the first ones."""
    origin = origin_coordinates(near)
    if origin is None:
        distances: list[tuple[int, float | None]] = [(place, None) for place in counts]
    else:
        distances = list(
            Place.objects.filter(OneOf(F("pk"), counts))
            .annotate(distance=kilometres(origin, departments, place_field))
            .order_by("name", "pk")
            .values_list("pk", "distance")
        )
    # A stable sort: by name among places as close and as many, in PostgreSQL's order.
    distances.sort(key=lambda row: (row[1] is None, row[1] or 0.0, -counts[row[0]]))
    first = dict(distances[:count])
    rows = Place.objects.filter(pk__in=first).values(*PLACE_FIELDS, place=F("pk"))
    by_place = {row["place"]: row for row in rows}
    return [
        {**by_place[place], "count": counts[place], "distance": distance}
        for place, distance in first.items()
    ]


def initiative_names(keys: list[int]) -> dict[int, tuple[str, str]]:
    """{key: (title, slug)} of the initiatives `keys` (one query)."""
    return {
        key: (title, slug)
        for key, title, slug in Initiative.objects.filter(pk__in=keys).values_list(
            "pk", "title", "slug"
        )
    }


def place_label(row: dict[str, Any]) -> str:
    """str() of the place of `row` (name, kind, department_code, country)."""
    return str(
        Place(
            name=row["name"],
            kind=row["kind"],
            department_code=row["department_code"],
            country=row["country"],
        )
    )


# The filter a group of places on the map stands for, by what it groups: the map of its
# places is the same list with that filter alone among these.
GROUP_FILTERS = ("department", "region", "country")


def group_point(
    name: str,
    position: tuple[float, float],
    count: int,
    group_url: Callable[[str, str], str] | None,
    parameter: str,
    code: str,
) -> dict[str, Any]:
    """A map's point standing for a group of places: the département, region or country `code`
    (`parameter`: the filter naming it), with the address of the map of its places."""
    return {
        "name": name,
        "lat": position[0],
        "lon": position[1],
        "count": count,
        "initiatives": [],
        **({"url": group_url(parameter, code)} if group_url else {}),
    }


def catalogue_points(
    bitmaps: Bitmaps,
    group_url: Callable[[str, str], str] | None = None,
    matching: FrozenBitMap | None = None,
    departments: dict[str, tuple[float, float]] | None = None,
) -> list[dict[str, Any]]:
    """The map's points of the published initiatives `matching` (all of them if None) grouped
    by where they act, counted from the catalogue's bitmaps (initiatives.bitmaps): one per
    département at its chef-lieu (from `departments`, department_points(), read if not given);
    for places in none, one per region, else per country, at the middle of the reference's
    places there (one query). Places that are whole countries are left out, as on the map.
    Most initiatives first."""
    if departments is None:
        departments = department_points()
    middles = {
        ("region", row["region_code"]) if row["region_code"] else ("country", row["country"]): row
        for row in Place.objects.filter(department_code="", latitude__isnull=False)
        .exclude(kind=PlaceKind.COUNTRY)
        .values("region_code", "country")
        .annotate(latitude=Avg("latitude"), longitude=Avg("longitude"))
        .order_by()
    }

    def count(initiatives: FrozenBitMap) -> int:
        if matching is None:
            return len(initiatives)
        return initiatives.intersection_cardinality(matching)

    groups: list[tuple[str, str, str, tuple[float, float] | None, int]] = []
    for code, initiatives in bitmaps.departments.items():
        name = f"{bitmaps.place_names.get((PlaceKind.DEPARTMENT, code), code)} ({code})"
        groups.append(("department", code, name, departments.get(code), count(initiatives)))
    for (parameter, code), initiatives in bitmaps.outside.items():
        if parameter == "region":
            name = bitmaps.place_names.get((PlaceKind.REGION, code), code)
        else:
            name = country_name(code)
        middle = middles.get((parameter, code))
        position = (
            None if middle is None else point(middle["latitude"], middle["longitude"], "", {})
        )
        groups.append((parameter, code, name, position, count(initiatives)))
    points = [
        group_point(name, position, count, group_url, parameter, code)
        for parameter, code, name, position, count in groups
        if count and position is not None
    ]
    return sorted(points, key=lambda point: (-point["count"], point["name"]))


# GeoJSON ---------------------------------------------------------------------------------------


class JSONBuildObject(Func):
    """PostgreSQL's json_build_object(key, value, …): its keys in the order given."""

    function = "json_build_object"
    output_field = JSONField()

    def __init__(self, **fields: Any) -> None:
        pairs = itertools.chain.from_iterable((Value(key), value) for key, value in fields.items())
        super().__init__(*pairs)


class JSONBuildArray(Func):
    function = "json_build_array"
    output_field = JSONField()


class ChefLieuCoordinate(Func):
    """The latitude (index 0) or longitude (1) of the chef-lieu of the département whose code
    is the second expression, read from the first: JSON {code: [latitude, longitude]}."""

    arg_joiner = " -> "
    template = "((%(expressions)s) ->> %(index)s)::numeric"
    output_field = DecimalField()

    def __init__(self, points: Any, code: Any, index: int) -> None:
        super().__init__(points, code, index=index)


def feature_coordinates(
    departments: dict[str, tuple[float, float]], column: Callable[[str], Any] = F
) -> tuple[Coalesce, Coalesce]:
    """(latitude, longitude) of the place of an InitiativePlace: its own, else its
    département's chef-lieu's, looked up in `departments` sent as one JSON parameter (cheaper
    than a subquery per feature); its columns read by `column`."""
    # A constant: no GROUP BY of rows grouped by place.
    points = Value(departments, output_field=JSONField())
    department = column("place__department_code")
    return (
        Coalesce(column("place__latitude"), ChefLieuCoordinate(points, department, 0)),
        Coalesce(column("place__longitude"), ChefLieuCoordinate(points, department, 1)),
    )


def by_key(queryset: QuerySet, keys: FrozenBitMap) -> QuerySet:
    """The initiatives of `queryset` (a filtered list) in its order, read by key: its filters
    replaced by the keys of the published initiatives they let through (`keys`, the list's
    bitmaps), its annotations (what it is ordered by) kept. Read in the order of titles, the
    first of them come from the title index at once, rather than after the filters' semi-joins
    and a sort of every initiative they let through."""
    ordering = queryset.query.order_by or Initiative._meta.ordering
    return (
        Initiative.objects.published()
        .filter(OneOf(F("pk"), keys))
        .annotate(**queryset.query.annotations)
        .order_by(*ordering)
    )


def geojson_features(
    queryset: QuerySet, build_url: Callable[[str], str], keys: FrozenBitMap
) -> Iterator[str]:
    """The GeoJSON features of each initiative of `queryset` (in its order), whose keys are
    `keys` (by_key()), one per place of it that has coordinates, as JSON text written by
    PostgreSQL (an initiative's features joined by commas; those with none left out); read in
    chunks from a server-side cursor (in a transaction: streamed, not computed whole first),
    one query."""
    departments = department_points()
    latitude, longitude = feature_coordinates(departments)
    placeholder = "--slug--"
    prefix, suffix = initiative_url(build_url)(placeholder).split(placeholder)
    themes = ArraySubquery(
        Theme.objects.filter(initiatives=OuterRef("initiative")).order_by("position").values("name")
    )
    feature = JSONBuildObject(
        type=Value("Feature"),
        geometry=JSONBuildObject(
            type=Value("Point"),
            # GeoJSON says longitude first.
            coordinates=JSONBuildArray(longitude, latitude),
        ),
        properties=JSONBuildObject(
            url=Concat(Value(prefix), OuterRef("slug"), Value(suffix)),
            titre=OuterRef("title"),
            themes=themes,
            lieu=F("place__name"),
            type_lieu=F("place__kind"),
            code_lieu=F("place__code"),
        ),
    )
    located = Q(place__latitude__isnull=False, place__longitude__isnull=False) | Q(
        place__department_code__in=list(departments)
    )
    features = Subquery(
        InitiativePlace.objects.filter(located, initiative=OuterRef("pk"))
        .order_by()
        .values("initiative")
        .annotate(
            value=StringAgg(
                Cast(feature, output_field=TextField()), delimiter=",\n", order_by="position"
            )
        )
        .values("value")
    )
    rows = by_key(queryset, keys).annotate(features=features).values_list("features", flat=True)
    with transaction.atomic():
        for text in rows.iterator(chunk_size=CHUNK_SIZE):
            if text is not None:
                yield text


def geojson_chunks(features: Iterator[str]) -> Iterator[str]:
    """A FeatureCollection of `features` (JSON text), written as they come, a chunk of
    initiatives at a time."""
    yield '{"type": "FeatureCollection", "features": ['
    separator = "\n"
    while chunk := list(itertools.islice(features, CHUNK_SIZE)):
        yield separator + ",\n".join(chunk)
        separator = ",\n"
    yield "\n]}\n"


def geojson_response(
    queryset: QuerySet, request: HttpRequest, keys: FrozenBitMap
) -> StreamingHttpResponse:
    """The initiatives of `queryset` (whose keys are `keys`) as a streamed GeoJSON download.
    As the CSV, the first chunk is read before answering, so that a database failure still
    sets the status."""
    features = geojson_features(queryset, absolute_url(request), keys)
    head = list(itertools.islice(features, CHUNK_SIZE))
    response = StreamingHttpResponse(
        geojson_chunks(itertools.chain(head, features)), content_type="application/geo+json"
    )
    filename = f"initiatives-{date.today().isoformat()}.geojson"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
