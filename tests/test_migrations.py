"""The app's migrations undo to zero and redo, on scratch databases of the same server, copies
of databases already migrated to where each test starts."""

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from functools import partial
from typing import Any

import psycopg
import pytest
from django.db import connection

from initiatives.roles import ADMINISTRATORS, EDITORS

from . import harness
from .conftest import shared_database

# Each test migrates a database twice or more, each time in a process of its own.
pytestmark = pytest.mark.slow

# The migrations the data migrations' tests start from.
STARTS = ["0009", "0012", "0014_results", "0016_thesaurus"]


@pytest.fixture(scope="session")
def migration_states(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Databases on the test server at each of STARTS, by name, made once for the run by
    whichever worker needs them first: each a copy of the one before, migrated forward from
    there, so that no test migrates from empty again and the tests share no worker."""
    states: dict[str, str] = {}
    previous = None
    for migration in STARTS:
        previous = states[migration] = shared_database(
            tmp_path_factory,
            f"at_{migration}",
            partial(migrate_to, migration),
            template=previous,
        )
    return states


def migrate_to(migration: str, url: str) -> None:
    migrate(url, "initiatives", migration)


@pytest.fixture
def database_copy(django_db_setup: None) -> Iterator[Callable[[str], str]]:
    """Makes a scratch database, a copy of the given database of the test server; its URL.
    Dropped at the end. Named after the worker too: with no test selected that uses the test
    database, the connection still names the site's database, the same in every worker."""
    settings_dict = connection.settings_dict
    name = f"{settings_dict['NAME']}_migrations{os.environ.get('PYTEST_XDIST_WORKER', '')}"
    with ExitStack() as databases:
        yield lambda template: databases.enter_context(
            harness.scratch_database(settings_dict, name, template=template)
        )


@pytest.fixture
def database_at(
    migration_states: dict[str, str], database_copy: Callable[[str], str]
) -> Callable[[str], str]:
    """Makes a scratch database migrated to one of STARTS (and no further); its URL."""
    return lambda migration: database_copy(migration_states[migration])


def manage(url: str, *args: str) -> str:
    environment = os.environ | {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "catalogue.test_settings",
    }
    return harness.manage(environment, *args)


def migrate(url: str, *args: str) -> str:
    """manage.py migrate on the database at `url`, without the system checks, which
    scripts/test runs once (a second of each command)."""
    return manage(url, "migrate", *args, "--no-input", "--skip-checks")


def catalogue_objects(url: str) -> list[tuple[str]]:
    """The app's tables, functions and text search configurations in the database."""
    with psycopg.connect(url) as database:
        return database.execute(
            """
            SELECT tablename FROM pg_tables WHERE tablename LIKE 'initiatives%%'
            UNION ALL SELECT proname FROM pg_proc WHERE proname LIKE 'initiative%%'
            UNION ALL SELECT cfgname FROM pg_ts_config WHERE cfgname = 'french_unaccent'
            """
        ).fetchall()


def staff_groups(url: str) -> list[tuple[str]]:
    with psycopg.connect(url) as database:
        return database.execute(
            "SELECT name FROM auth_group WHERE name = ANY(%s) ORDER BY name",
            [[EDITORS, ADMINISTRATORS]],
        ).fetchall()


def test_it_migrates_to_zero_and_back(
    migrated_database: str, database_copy: Callable[[str], str]
) -> None:
    # Migrated from empty as the test database was.
    url = database_copy(migrated_database)
    migrated = catalogue_objects(url)
    assert ("initiatives_initiative",) in migrated and ("french_unaccent",) in migrated

    # The staff groups' migration (0006) is undone on the way.
    migrate(url, "initiatives", "0005")
    assert staff_groups(url) == []

    migrate(url, "initiatives", "zero")
    assert catalogue_objects(url) == []

    migrate(url)
    assert sorted(catalogue_objects(url)) == sorted(migrated)
    assert len(staff_groups(url)) == 2


def run(url: str, *statements: str) -> list[list[tuple[Any, ...]]]:
    with psycopg.connect(url) as database:
        return [database.execute(statement).fetchall() for statement in statements]


PILOTS_AND_PARTNERS = """
INSERT INTO initiatives_theme (slug, name, description, position)
VALUES ('logement', 'Logement', '', 1);
INSERT INTO initiatives_pilot (slug, name, acronym, kind, description, website, address, city,
                               country)
VALUES ('la-cimade', 'La Cimade', '', 'association', 'Pilote.', '', '', '', 'FR'),
       ('adoma', 'Adoma', '', 'company', '', '', '', '', 'FR');
INSERT INTO initiatives_partner (slug, name, acronym, kind, description, website, address, city,
                                 country)
VALUES ('la-cimade', 'La Cimade', '', 'association', 'Partenaire.', '', '', '', 'FR'),
       ('ofii', 'Office français de l''immigration', 'Ofii', 'public-body', '', '', '', '', 'FR');
INSERT INTO initiatives_historicalpilot (id, slug, name, acronym, kind, description, website,
    address, city, country, history_date, history_type)
SELECT id, slug, name, acronym, kind, description, website, address, city, country, now(), '+'
FROM initiatives_pilot;
INSERT INTO initiatives_initiative (slug, title, aim, description, pilot_id, main_theme_id, city,
    department, region, country, scope, status, funding, website, language, is_published,
    created_at, updated_at, version)
SELECT 'toit', 'Un toit', '', '', pilot.id, theme.id, '', '', '', 'FR', 'local', 'unknown', '',
       '', 'fr', true, now(), now(), 1
FROM initiatives_pilot AS pilot, initiatives_theme AS theme WHERE pilot.slug = 'adoma';
INSERT INTO initiatives_initiative_themes (initiative_id, theme_id)
SELECT initiative.id, initiative.main_theme_id FROM initiatives_initiative AS initiative;
INSERT INTO initiatives_partnership (initiative_id, partner_id, role, level, note, position)
SELECT initiative.id, partner.id, 'financial', '', '', 1
FROM initiatives_initiative AS initiative, initiatives_partner AS partner;
"""


def test_it_carries_pilots_and_partners_over_to_organisations_and_back(
    database_at: Callable[[str], str],
) -> None:
    url = database_at("0009")
    with psycopg.connect(url) as database:
        database.execute(PILOTS_AND_PARTNERS)

    migrate(url, "initiatives", "0012")
    organisations, links, history, search = run(
        url,
        "SELECT slug, description FROM initiatives_organisation ORDER BY slug",
        "SELECT o.slug, l.role FROM initiatives_partnership l "
        "JOIN initiatives_organisation o ON o.id = l.organisation_id ORDER BY 1, 2",
        "SELECT o.slug FROM initiatives_historicalorganisation h "
        "JOIN initiatives_organisation o ON o.id = h.id ORDER BY 1",
        "SELECT title FROM initiatives_initiative "
        "WHERE search_vector @@ websearch_to_tsquery('french_unaccent', 'adoma ofii')",
    )
    assert organisations == [
        ("adoma", ""),
        ("la-cimade", "Pilote.\n\nPartenaire."),
        ("ofii", ""),
    ]
    assert links == [("adoma", "lead"), ("la-cimade", "financial"), ("ofii", "financial")]
    assert history == [("adoma",), ("la-cimade",)]
    assert search == [("Un toit",)]

    migrate(url, "initiatives", "0009")
    pilots, partners, initiatives = run(
        url,
        "SELECT slug FROM initiatives_pilot ORDER BY slug",
        "SELECT slug FROM initiatives_partner ORDER BY slug",
        "SELECT pilot.slug, count(link.id) FROM initiatives_initiative AS initiative "
        "JOIN initiatives_pilot AS pilot ON pilot.id = initiative.pilot_id "
        "JOIN initiatives_partnership AS link ON link.initiative_id = initiative.id GROUP BY 1",
    )
    assert pilots == [("adoma",)]
    assert partners == [("la-cimade",), ("ofii",)]
    assert initiatives == [("adoma", 2)]


AN_INITIATIVE = """
INSERT INTO initiatives_theme (slug, name, description, position)
VALUES ('soins', 'Soins', '', 1);
INSERT INTO initiatives_initiative (slug, title, aim, description, main_theme_id, city,
    department, region, country, scope, status, funding, website, language, is_published,
    created_at, updated_at, version)
SELECT 'intergrapsy', 'IntergraPsy', 'Snel reageren.', '', theme.id, '', '', '', 'FR',
       'cross-border', 'ongoing', '', '', 'nl', true, now(), now(), 1
FROM initiatives_theme AS theme;
INSERT INTO initiatives_initiative_themes (initiative_id, theme_id)
SELECT initiative.id, initiative.main_theme_id FROM initiatives_initiative AS initiative;
"""


def test_it_carries_initiatives_over_unverified_and_untranslated_and_back(
    database_at: Callable[[str], str],
) -> None:
    url = database_at("0012")
    with psycopg.connect(url) as database:
        database.execute(AN_INITIATIVE)

    migrate(url, "initiatives", "0013_freshness")
    (carried,) = run(
        url,
        "SELECT slug, aim, verified_on, aim_translation, description_translation "
        "FROM initiatives_initiative",
    )
    assert carried == [("intergrapsy", "Snel reageren.", None, "", "")]
    # A translation is searched as the texts are.
    with psycopg.connect(url) as database:
        database.execute("UPDATE initiatives_initiative SET aim_translation = 'Réagir vite.'")
    (found,) = run(
        url,
        "SELECT slug FROM initiatives_initiative "
        "WHERE search_vector @@ websearch_to_tsquery('french_unaccent', 'reagir')",
    )
    assert found == [("intergrapsy",)]

    migrate(url, "initiatives", "0012")
    (back,) = run(url, "SELECT slug, aim FROM initiatives_initiative")
    assert back == [("intergrapsy", "Snel reageren.")]


AN_INITIATIVE_WITH_RESULTS = """
INSERT INTO initiatives_theme (slug, name, description, position)
VALUES ('logement', 'Logement', '', 1);
INSERT INTO initiatives_initiative (slug, title, aim, description, main_theme_id, city,
    department, region, country, scope, status, funding, website, language, is_published,
    created_at, updated_at, version)
SELECT 'toit', 'Un toit', '', '', theme.id, '', '', '', 'FR', 'local', 'unknown', '', '', 'fr',
       true, now(), now(), 1
FROM initiatives_theme AS theme;
INSERT INTO initiatives_initiative_themes (initiative_id, theme_id)
SELECT initiative.id, initiative.main_theme_id FROM initiatives_initiative AS initiative;
INSERT INTO initiatives_result (initiative_id, position, text, value, unit, measure, as_of,
                                as_of_precision)
SELECT initiative.id, 1, '500 baux glissants', 500, '', 'baux glissants', '2018-06-30', 'year'
FROM initiatives_initiative AS initiative;
INSERT INTO initiatives_result (initiative_id, position, text, value, unit, measure, as_of,
                                as_of_precision)
SELECT initiative.id, 2, '110 demandes en novembre 2018', 110, '', 'demandes', '2018-11-15',
       'month'
FROM initiatives_initiative AS initiative;
"""

RESULTS = (
    "SELECT position, nature, qualifier, value, value_max, as_of::text, as_of_precision "
    "FROM initiatives_result ORDER BY position"
)


def test_it_carries_results_over_as_achieved_on_their_period_s_first_day_and_back(
    database_at: Callable[[str], str],
) -> None:
    url = database_at("0012")
    with psycopg.connect(url) as database:
        database.execute(AN_INITIATIVE_WITH_RESULTS)

    migrate(url, "initiatives", "0014_results")
    (results,) = run(url, RESULTS)
    assert results == [
        (1, "achieved", "", 500, None, "2018-01-01", "year"),
        (2, "achieved", "", 110, None, "2018-11-01", "month"),
    ]
    with psycopg.connect(url) as database:
        database.execute(
            "UPDATE initiatives_result SET nature = 'target', as_of = '2018-10-01', "
            "as_of_precision = 'quarter', value_max = 600 WHERE position = 1"
        )
    with psycopg.connect(url) as database:
        with pytest.raises(psycopg.errors.CheckViolation):
            database.execute("UPDATE initiatives_result SET value_max = 10 WHERE position = 2")

    migrate(url, "initiatives", "0012")
    (results,) = run(url, "SELECT position, as_of::text, as_of_precision FROM initiatives_result")
    assert sorted(results) == [(1, "2018-10-01", "month"), (2, "2018-11-01", "month")]


CITATIONS_WITH_NOTES = """
INSERT INTO initiatives_theme (slug, name, description, position)
VALUES ('emploi', 'Emploi', '', 1);
INSERT INTO initiatives_source (slug, title, publisher, url, language, description)
VALUES ('forum', 'Catalogue du forum', '', '', 'fr', '');
INSERT INTO initiatives_initiative (slug, title, aim, description, main_theme_id, city,
    department, region, country, scope, status, funding, website, language, is_published,
    created_at, updated_at, version, aim_translation, description_translation,
    funding_translation)
SELECT rows.slug, rows.title, '', '', theme.id, '', '', '', 'FR', 'local', 'unknown', '', '', 'fr',
       true, now(), now(), 1, '', '', ''
FROM initiatives_theme AS theme,
     (VALUES ('kodiko', 'Co-training'), ('duos', 'Duos de demain')) AS rows (slug, title);
INSERT INTO initiatives_initiative_themes (initiative_id, theme_id)
SELECT initiative.id, initiative.main_theme_id FROM initiatives_initiative AS initiative;
INSERT INTO initiatives_citation (initiative_id, source_id, location)
SELECT initiative.id, source.id, CASE initiative.slug
    WHEN 'kodiko' THEN 'Fiche « Co-training » (titre absent du texte extrait), pilote Kodiko'
    ELSE 'Fiche « Duos de demain »' END
FROM initiatives_initiative AS initiative, initiatives_source AS source;
"""


def test_it_moves_editorial_notes_out_of_the_public_location_and_back(
    database_at: Callable[[str], str],
) -> None:
    url = database_at("0014_results")
    with psycopg.connect(url) as database:
        database.execute(CITATIONS_WITH_NOTES)
    citations = (
        "SELECT i.slug, c.location, c.staff_note, c.title_assigned FROM initiatives_citation c "
        "JOIN initiatives_initiative i ON i.id = c.initiative_id ORDER BY 1"
    )

    migrate(url, "initiatives", "0015_bodies")
    assert run(url, citations)[0] == [
        ("duos", "Fiche « Duos de demain »", "", False),
        (
            "kodiko",
            "Fiche « Co-training », pilote Kodiko",
            "Fiche « Co-training » (titre absent du texte extrait), pilote Kodiko",
            True,
        ),
    ]

    migrate(url, "initiatives", "0014_results")
    assert run(url, citations.replace("c.staff_note, c.title_assigned", "''"))[0] == [
        ("duos", "Fiche « Duos de demain »", ""),
        ("kodiko", "Fiche « Co-training » (titre absent du texte extrait), pilote Kodiko", ""),
    ]


TEXT_PLACES = """
INSERT INTO initiatives_theme (slug, name, description, position)
VALUES ('logement', 'Logement', '', 1);
INSERT INTO initiatives_initiative (slug, title, aim, description, main_theme_id, city,
    department, region, country, scope, status, funding, website, language, is_published,
    created_at, updated_at, version, aim_translation, description_translation,
    funding_translation)
SELECT rows.slug, rows.slug, '', '', theme.id, city, department, region, country, 'local',
       'unknown', '',
       '', 'fr', true, now(), now(), 1, '', '', ''
FROM initiatives_theme AS theme, (VALUES
    ('kodiko', 'Paris, Tours, Orléans', '', '', 'FR'),
    ('fanon', '', 'Gard, Hérault', 'Occitanie', 'FR'),
    ('nancy', 'Nancy', 'Meurthe-et-Moselle', 'Grand Est', 'FR'),
    ('wallonie', '', '', 'Wallonie', 'BE'),
    ('nulle-part', 'Atlantide', '', '', 'FR')
) AS rows (slug, city, department, region, country);
INSERT INTO initiatives_initiative_themes (initiative_id, theme_id)
SELECT initiative.id, initiative.main_theme_id FROM initiatives_initiative AS initiative;
"""
PLACES_OF_INITIATIVES = """
SELECT initiative.slug, string_agg(place.kind || ' ' || place.code, ', ' ORDER BY link.position)
FROM initiatives_initiativeplace AS link
JOIN initiatives_initiative AS initiative ON initiative.id = link.initiative_id
JOIN initiatives_place AS place ON place.id = link.place_id
GROUP BY 1 ORDER BY 1
"""


def test_it_carries_place_names_over_to_reference_places_and_back(
    database_at: Callable[[str], str],
) -> None:
    url = database_at("0016_thesaurus")
    with psycopg.connect(url) as database:
        database.execute(TEXT_PLACES)

    output = migrate(url, "initiatives", "0017_places")
    assert "nulle-part: « Atlantide » (commune) matches 0 places" in output
    assert "wallonie: « Wallonie » (region) matches 0 places" in output
    [places] = run(url, PLACES_OF_INITIATIVES)
    assert places == [
        ("fanon", "department 30, department 34"),
        ("kodiko", "commune 75056, commune 37261, commune 45234"),
        ("nancy", "commune 54395"),
        # Neither « Atlantide » nor « Wallonie » (GeoNames names it « Wallonia ») is in the
        # reference: the migration says so and keeps the country alone, inventing nothing.
        ("nulle-part", "country FR"),
        ("wallonie", "country BE"),
    ]

    migrate(url, "initiatives", "0016_thesaurus")
    [initiatives] = run(
        url,
        "SELECT slug, city, department, region, country FROM initiatives_initiative ORDER BY 1",
    )
    assert initiatives == [
        ("fanon", "", "Gard, Hérault", "Occitanie", "FR"),
        ("kodiko", "Paris, Tours, Orléans", "Paris, Indre-et-Loire, Loiret", "Île-de-France", "FR"),
        ("nancy", "Nancy", "Meurthe-et-Moselle", "Grand Est", "FR"),
        ("nulle-part", "", "", "", "FR"),
        ("wallonie", "", "", "", "BE"),
    ]
