"""The filters' bitmaps follow every change, however written, reading only what changed."""

import gc
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from initiatives import geo
from initiatives.bitmaps import Bitmaps, for_revision, forget
from initiatives.models import (
    CatalogueChange,
    InitiativePlace,
    PartnerRole,
    Partnership,
    Status,
)

from .factories import (
    MARSEILLE,
    commune,
    department,
    make_initiative,
    make_organisation,
    make_public,
    make_source,
    make_theme,
)
from .pages import card_titles

pytestmark = pytest.mark.django_db


def held(read: Bitmaps) -> dict:
    """What `read` says of each option (empty ones left out), and which initiatives are
    published: equal for two Bitmaps that select the same initiatives."""
    options = {
        name: {key: list(value) for key, value in getattr(read, name).items() if value}
        for name in Bitmaps.OPTIONS
    }
    return {"published": list(read.published), **options}


@pytest.fixture
def catalogue():
    housing, work = make_theme("Logement"), make_theme("Emploi")
    young = make_public("Jeunes")
    source = make_source("Forum")
    pilot, partner = make_organisation("Pilote"), make_organisation("Partenaire")
    first = make_initiative(
        "Bail glissant",
        themes=[housing],
        publics=[young],
        sources=[source],
        leads=[pilot],
        partners=[partner],
        places=[commune(MARSEILLE)],
    )
    second = make_initiative("Chantier école", themes=[work], leads=[partner])
    return {"housing": housing, "work": work, "first": first, "second": second, "pilot": pilot}


def test_a_read_says_which_initiatives_each_option_selects(catalogue):
    read = Bitmaps.read()
    first, second = catalogue["first"].pk, catalogue["second"].pk
    assert set(read.published) == {first, second}
    assert list(read.themes["logement"]) == [first]
    assert list(read.departments["13"]) == list(read.regions["93"]) == [first]
    assert list(read.leads["pilote"]) == [first]
    assert set(read.involving("partenaire")) == {first, second}
    assert read.organisations["pilote"].display_name == "Pilote"
    assert read.place_names[("department", "13")] == "Bouches-du-Rhône"


def test_edits_are_read_alone_and_give_what_a_whole_read_gives(
    catalogue, django_assert_max_num_queries
):
    before = Bitmaps.read()
    sizes_before = {name: before.by_size(name) for name in ("themes", "partners")}
    first, second = catalogue["first"], catalogue["second"]
    first.themes.add(catalogue["work"])
    second.is_published = False
    second.save()
    third = make_initiative("Cours du soir", themes=[catalogue["housing"]], status=Status.ONGOING)
    Partnership.objects.create(initiative=third, organisation=catalogue["pilot"], position=1)
    InitiativePlace.objects.filter(initiative=first).update(place=department("33"))
    # Written by hand, as a restore or a script would: the triggers see it all the same.
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM initiatives_initiative_publics WHERE initiative_id = %s", [first.pk]
        )
    with django_assert_max_num_queries(9):  # the changes, then the initiatives changed (8)
        after = before.updated()
    assert held(after) == held(Bitmaps.read())
    # The options by size, kept from before, each changed one put back in its place.
    for name in sizes_before:
        by_size = [(key, len(initiatives)) for key, initiatives in after.by_size(name)]
        assert [size for _, size in by_size] == sorted((size for _, size in by_size), reverse=True)
        assert dict(by_size) == {key: len(value) for key, value in getattr(after, name).items()}
    assert set(after.published) == {first.pk, third.pk}
    assert set(after.themes["emploi"]) == {first.pk}
    assert "13" not in after.departments or not after.departments["13"]
    assert set(after.partners["pilote"]) == {third.pk}
    assert after.last_change == CatalogueChange.objects.last_number()


def test_a_changed_key_reads_everything_again(catalogue):
    before = Bitmaps.read()
    catalogue["housing"].slug = "hebergement"
    catalogue["housing"].save()
    after = before.updated()
    assert "hebergement" in after.themes and not after.themes.get("logement")


def test_nothing_changed_reads_nothing_more(catalogue, django_assert_num_queries):
    before = Bitmaps.read()
    with django_assert_num_queries(1):
        assert before.updated() is before


def test_a_list_after_an_edit_shows_the_edit_reading_only_it(client, catalogue):
    assert card_titles(client.get("/initiatives/?theme=emploi")) == ["Chantier école"]
    catalogue["first"].themes.add(catalogue["work"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/initiatives/?theme=emploi")
    assert card_titles(response) == ["Bail glissant", "Chantier école"]
    # The bitmaps brought up to date read the initiative changed, not every initiative.
    reads = [query["sql"] for query in queries if "ARRAY_AGG" in query["sql"]]
    assert len(reads) == 6
    assert all(f"IN ({catalogue['first'].pk})" in sql for sql in reads)


def test_changes_are_numbered_after_the_revision_moves():
    """The log's triggers fire after the revision's (names in order), whose row lock orders
    the numbers as the transactions commit."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT tgname FROM pg_trigger
            WHERE tgrelid = 'initiatives_partnership'::regclass AND NOT tgisinternal
              AND tgname LIKE 'catalogue_revision%%' ORDER BY tgname
            """
        )
        names = [name for (name,) in cursor.fetchall()]
    assert names[0] == "catalogue_revision" and len(names) == 5


def test_a_lead_removed_by_sql_leaves_the_filter(catalogue, client):
    client.get("/initiatives/")
    Partnership.objects.filter(role=PartnerRole.LEAD, organisation=catalogue["pilot"]).delete()
    response = client.get("/initiatives/?pilot=pilote")
    assert response.status_code == 200
    assert "Bail glissant" not in response.content.decode()


def test_the_home_map_counts_from_the_bitmaps_as_the_grouped_map_does(catalogue, monkeypatch):
    make_initiative("Chantier bordelais", places=[department("33"), commune(MARSEILLE)])
    make_initiative("Hors ligne", places=[department("33")], is_published=False)
    monkeypatch.setattr(geo, "MAX_POINTS", 0)  # every map grouped
    held = Bitmaps.read()
    grouped = geo.map_data(held.published, held).points
    points = geo.catalogue_points(held)
    assert points == grouped
    assert [(point["name"], point["count"]) for point in points] == [
        ("Bouches-du-Rhône (13)", 2),
        ("Gironde (33)", 1),
    ]


def test_bitmaps_read_whole_are_left_out_of_full_collections(catalogue):
    """Thousands of long-lived objects at scale: a full collection would traverse them again
    at a random request (100 ms at 100,000 initiatives)."""
    assert gc.get_freeze_count() == 0
    held = for_revision(uuid.uuid4())
    assert gc.get_freeze_count() > 0
    assert set(held.published) == {catalogue["first"].pk, catalogue["second"].pk}
    forget()
    assert gc.get_freeze_count() == 0
