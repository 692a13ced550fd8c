import csv
import io

import pytest

from .conftest import make_initiative, make_partner, make_theme

pytestmark = pytest.mark.django_db


def read_csv(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def test_it_exports_every_matching_row_not_one_page(client):
    theme = make_theme("Accès au logement")
    for number in range(25):
        make_initiative(f"Logement {number:02}", themes=[theme])
    make_initiative("Autre")
    response = client.get("/initiatives/export.csv", {"theme": "acces-au-logement"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert [row["titre"] for row in rows] == [f"Logement {n:02}" for n in range(25)]
    assert rows[0]["url"] == "http://testserver/initiatives/logement-00/"


def test_it_neutralises_cells_a_spreadsheet_would_run(client):
    make_initiative('=HYPERLINK("http://evil")', partners=[make_partner("@SUM(1+1)")])
    rows = read_csv(client.get("/initiatives/export.csv"))
    assert rows[0]["titre"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["partenaires"] == "'@SUM(1+1)"


def test_it_answers_bad_parameters_with_a_400(client, db):
    assert client.get("/initiatives/export.csv", {"theme": "nope"}).status_code == 400
