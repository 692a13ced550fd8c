import csv
import io
import re
from datetime import date

import pytest
from django.urls import reverse

from initiatives.models import Initiative

from .factories import (
    country,
    initiative_form,
    make_contact,
    make_initiative,
    make_noted_citation,
    make_organisation,
    make_public,
    make_result,
    make_theme,
)
from .pages import card_titles, in_english

pytestmark = pytest.mark.django_db

EXPORT = "/initiatives/export.csv"


def body_of(response):
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8")


def read_csv(response, delimiter=","):
    body = body_of(response)
    assert body.startswith("\ufeff"), "spreadsheet-ready by default: a byte-order mark"
    return list(csv.DictReader(io.StringIO(body[1:]), delimiter=delimiter))


@pytest.fixture
def small_catalogue(db):
    """Five initiatives, one of them unpublished, over two themes, a public and a partner."""
    housing, language = make_theme("Accès au logement"), make_theme("Apprentissage de la langue")
    youth = make_public("Jeunes de 18 à 30 ans")
    ofii = make_organisation("Ofii")
    make_initiative(
        "Logement des jeunes", themes=[housing], publics=[youth], places=[country("FR")]
    )
    make_initiative("Cours de langue", themes=[language], partners=[ofii], places=[country("BE")])
    make_initiative("Logement et langue", themes=[housing, language], partners=[ofii])
    make_initiative("Langue pour les jeunes", themes=[language], publics=[youth], start_year=2019)
    make_initiative("Brouillon", themes=[housing], is_published=False)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"theme": "acces-au-logement"},
        {"theme": ["acces-au-logement", "apprentissage-de-la-langue"], "country": "FR"},
        {"public": "jeunes-de-18-a-30-ans", "sort": "recent"},
        {"partner": "ofii", "sort": "title"},
        {"q": "langue", "sort": "pilot"},
        {"q": "langue jeunes"},
        {"q": "langue", "theme": "acces-au-logement"},
    ],
)
def test_it_exports_what_the_list_shows_in_its_order(client, small_catalogue, params):
    shown = card_titles(client.get("/initiatives/", params))
    exported = [row["titre"] for row in read_csv(client.get(EXPORT, params))]
    assert exported == shown
    assert "Brouillon" not in exported


def test_it_exports_every_matching_row_not_one_page(client):
    theme = make_theme("Accès au logement")
    for number in range(25):
        make_initiative(f"Logement {number:02}", themes=[theme])
    make_initiative("Autre")
    rows = read_csv(client.get(EXPORT, {"theme": "acces-au-logement"}))
    assert [row["titre"] for row in rows] == [f"Logement {n:02}" for n in range(25)]
    assert rows[0]["url"] == "http://testserver/initiatives/logement-00/"


def test_it_names_the_file_after_what_it_holds_and_the_day(client, small_catalogue):
    response = client.get(EXPORT, {"theme": "acces-au-logement"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="initiatives-acces-au-logement-{date.today().isoformat()}.csv"'
    )


def test_it_names_the_pages_by_the_site_s_address_not_the_host_header(client, settings):
    initiative = make_initiative("Mon toit pour toi")
    path = initiative.get_absolute_url()
    row = read_csv(client.get(EXPORT, HTTP_HOST="localhost:8443"))[0]
    assert row["url"] == f"http://localhost:8443{path}"  # no address set: the request's
    settings.SITE_URL = "https://catalogue.example.org"
    row = read_csv(client.get(EXPORT, HTTP_HOST="localhost:8443"))[0]
    assert row["url"] == f"https://catalogue.example.org{path}"


def test_it_keeps_the_file_name_short_whatever_the_themes(client, db):
    themes = [make_theme(f"Thème numéro {number} au nom plutôt long") for number in range(12)]
    response = client.get(EXPORT, {"theme": [theme.slug for theme in themes]})
    filename = re.search(r'filename="([^"]+)"', response["Content-Disposition"])[1]
    assert len(filename) <= 100
    assert filename.startswith("initiatives-theme-numero-0")
    assert filename.endswith(f"-{date.today().isoformat()}.csv")


def test_it_uses_semicolons_for_excel_and_plain_commas_for_programs(client, small_catalogue):
    excel = body_of(client.get(EXPORT, {"format": "excel"}))
    assert excel.startswith("\ufeffurl;titre;")
    plain = body_of(client.get(EXPORT, {"format": "csv"}))
    assert plain.startswith("url,titre,")
    rows = list(csv.DictReader(io.StringIO(plain)))
    assert len(rows) == 4


def test_it_gives_the_header_alone_when_nothing_matches(client, small_catalogue):
    header, *rows = body_of(client.get(EXPORT, {"q": "introuvable"})).splitlines()
    assert rows == []
    assert header.startswith("\ufeffurl,titre,objectif,")
    assert '"' not in header, "no column name needs quoting"


def test_it_joins_multi_valued_cells_and_keeps_line_breaks(client):
    initiative = make_initiative(
        "Projet",
        description="x",
        aim="Première ligne\nseconde ligne",
        partners=[make_organisation("Caf"), make_organisation("Ofii")],
    )
    make_contact(
        initiative, name="Claire Louazel", email="claire@example.org", phones=["04 91 07 80 00"]
    )
    make_result(initiative, text="12 bourses ont été attribuées", value=12, measure="bourses")
    make_result(
        initiative,
        text="31 % en 2017",
        value="31.00",
        unit="%",
        as_of=date(2017, 1, 1),
        as_of_precision="year",
    )
    make_result(initiative, text="Une dynamique positive")
    row = read_csv(client.get(EXPORT))[0]
    assert row["partenaires"] == "Caf | Ofii"
    assert row["objectif"] == "Première ligne\nseconde ligne"
    assert row["contacts"] == "Claire Louazel, claire@example.org, 04 91 07 80 00"
    assert row["resultats"] == (
        "12 bourses : 12 bourses ont été attribuées | 31 % (2017) : 31 % en 2017"
        " | Une dynamique positive"
    )


def test_its_results_cell_says_targets_context_qualifiers_ranges_and_quarters(client):
    initiative = make_initiative()
    make_result(initiative, text="Plus de 109 salariés", value=109, qualifier="more-than")
    make_result(
        initiative,
        text="Aider 20 à 50 jeunes d'ici 2021",
        nature="target",
        value=20,
        value_max=50,
        measure="jeunes",
        as_of=date(2021, 1, 1),
        as_of_precision="year",
    )
    make_result(initiative, text="L'un des 28 centres", nature="context")
    make_result(
        initiative,
        text="23 jeunes au dernier trimestre",
        value=23,
        as_of=date(2018, 10, 1),
        as_of_precision="quarter",
    )
    english = read_csv(client.get(in_english(EXPORT)))[0]
    assert english["resultats"] == (
        "plus de 109 : Plus de 109 salariés"
        " | objectif : 20 à 50 jeunes (2021) : Aider 20 à 50 jeunes d'ici 2021"
        " | contexte : L'un des 28 centres"
        " | 23 (2018-T4) : 23 jeunes au dernier trimestre"
    )


def test_it_leaves_out_hidden_personal_data(client):
    initiative = make_initiative()
    make_contact(
        initiative,
        address="1 rue X\n75000   Paris",
        name="Personne Privée",
        email="prive@example.org",
        organisation="Asso X",
        hide_personal_data=True,
    )
    row = read_csv(client.get(EXPORT))[0]
    assert row["contacts"] == "Asso X, 1 rue X 75000 Paris"


@pytest.mark.parametrize(
    "hostile",
    [
        '=HYPERLINK("http://evil")',
        "+1+2",
        "-2+3",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
        "\n=1",
        # Full-width and small forms, which spreadsheets read as the ASCII ones.
        "＝SUM(1,1)",
        "＋1+2",
        "－2+3",
        "＠SUM(A1)",
        "﹦1+1",
    ],
)
def test_it_neutralises_cells_a_spreadsheet_would_run(client, hostile):
    initiative = make_initiative(hostile, partners=[make_organisation(hostile)])
    make_contact(initiative, name=hostile, role="x")
    row = read_csv(client.get(EXPORT))[0]
    assert row["titre"] == "'" + hostile
    assert row["partenaires"] == "'" + hostile
    assert row["contacts"].startswith("'")


def test_it_leaves_numbers_as_numbers(client):
    make_initiative(start_year=2018, end_year=2021)
    row = read_csv(client.get(EXPORT))[0]
    assert (row["annee_debut"], row["annee_fin"]) == ("2018", "2021")


@pytest.mark.parametrize("params", [{"theme": "nope"}, {"q": "\x00"}])
def test_it_answers_bad_parameters_with_a_400(client, db, params):
    response = client.get(EXPORT, params)
    assert response.status_code == 400
    assert 'id="facets"' in response.content.decode()


def test_it_says_an_unknown_format_is_wrong_on_the_list_s_page(client, db):
    response = client.get(EXPORT, {"format": "xlsx"})
    assert response.status_code == 400
    assert 'id="facets"' in response.text
    errors = re.search(r'<div class="form-errors" role="alert">(.*?)</div>', response.text, re.S)
    assert "Format d&#x27;export" in errors[1] and "xlsx" in errors[1]


def test_the_list_links_to_each_variant_with_its_filters(client, small_catalogue):
    content = client.get("/initiatives/", {"country": "FR", "page": "1"}).content.decode()
    assert 'href="/initiatives/export.xlsx?country=FR"' in content
    assert f'href="{EXPORT}?country=FR&amp;format=csv"' in content


def test_a_theme_page_exports_its_theme(client, small_catalogue):
    content = client.get("/themes/acces-au-logement/").content.decode()
    assert f'href="{EXPORT}?theme=acces-au-logement&amp;format=csv"' in content


@pytest.mark.parametrize("rows", [5, 50])
def test_it_exports_in_the_same_queries_for_5_rows_as_for_50(
    client, django_assert_num_queries, rows
):
    partner = make_organisation()
    for _ in range(rows):
        initiative = make_initiative(partners=[partner])
        make_contact(initiative)
        make_result(initiative)
    # The catalogue's revision, the filter choices, then every row in one query read through a
    # server-side cursor (its savepoint, the cursor, the savepoint's release). Counted here, not
    # in test_query_budgets: the rows are read only as the response is streamed.
    with django_assert_num_queries(5):
        assert len(read_csv(client.get(EXPORT))) == rows


def test_the_admin_exports_the_selected_initiatives(admin_client, small_catalogue):
    chosen = Initiative.objects.filter(title__startswith="Logement")
    response = admin_client.post(
        reverse("admin:initiatives_initiative_changelist"),
        {"action": "export_csv", "_selected_action": [i.pk for i in chosen]},
    )
    assert [row["titre"] for row in read_csv(response)] == [
        "Logement des jeunes",
        "Logement et langue",
    ]


def test_it_neutralises_hostile_data_entered_through_the_admin(admin_client):
    theme = make_theme("Accès au logement")
    form = initiative_form(make_organisation(), theme, [theme], title='=HYPERLINK("http://evil")')
    form |= {
        "contacts-TOTAL_FORMS": "1",
        "contacts-0-position": "1",
        "contacts-0-name": "@SUM(1+1)",
        "contacts-0-phones": "+33 1 00 00 00 00",
    }
    response = admin_client.post(reverse("admin:initiatives_initiative_add"), form)
    assert response.status_code == 302
    row = read_csv(admin_client.get(EXPORT))[0]
    assert row["titre"] == '\'=HYPERLINK("http://evil")'
    assert row["contacts"] == "'@SUM(1+1), +33 1 00 00 00 00"


def test_it_writes_the_pilot_with_its_acronym_and_choices_by_their_labels(client):
    pilot = make_organisation("Association d'aide aux jeunes travailleurs", acronym="AAJT")
    make_initiative(leads=[pilot], status="ongoing", scope="cross-border")
    row = read_csv(client.get(EXPORT))[0]
    assert row["pilote"] == "Association d'aide aux jeunes travailleurs (AAJT)"
    assert (row["statut"], row["echelle"]) == ("en cours", "transfrontalière")
    english = read_csv(client.get(in_english(EXPORT)))[0]
    assert english["statut"] == "en cours", "the same values whatever the interface's language"


def test_it_writes_every_lead_and_the_partners_apart(client):
    leads = [make_organisation("Adoma"), make_organisation("Ofii", acronym="OFII")]
    make_initiative(leads=leads, partners=[make_organisation("Caf", acronym="CNAF")])
    row = read_csv(client.get(EXPORT))[0]
    assert row["pilote"] == "Adoma | Ofii"
    assert row["partenaires"] == "Caf"


def test_it_exports_what_the_organisation_parameter_lists(client):
    cimade = make_organisation("La Cimade")
    make_initiative("Pilotée par elle", leads=[cimade])
    make_initiative("Accompagnée par elle", partners=[cimade])
    make_initiative("Sans elle")
    rows = read_csv(client.get(EXPORT, {"organisation": "la-cimade"}))
    assert [row["titre"] for row in rows] == ["Accompagnée par elle", "Pilotée par elle"]


def test_it_says_when_the_source_names_no_lead(client):
    make_initiative("AB Réfugiés Emploi", leads=[])
    assert read_csv(client.get(EXPORT))[0]["pilote"] == "porteur non précisé par la source"
    english = read_csv(client.get(in_english(EXPORT)))[0]
    assert english["pilote"] == "porteur non précisé par la source"


def test_it_never_exports_an_editorial_note(client):
    initiative = make_initiative("Programme de co-training")
    make_noted_citation(initiative)
    body = body_of(client.get(EXPORT))
    assert "Programme de co-training" in body
    assert "titre absent du texte extrait" not in body
