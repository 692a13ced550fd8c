"""How people and machines find the open data: /open-data/, DCAT, schema.org, sitemap, robots."""

import json
import re

import pytest

from .factories import MARSEILLE, commune, make_initiative, make_organisation, make_public
from .pages import in_english, page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def initiative(db):
    return make_initiative(
        "Mon toit pour toi",
        aim="Loger des jeunes réfugiés chez l'habitant.",
        leads=[make_organisation("La Cimade", website="https://www.lacimade.org")],
        publics=[make_public("Femmes")],
        places=[commune(MARSEILLE)],
    )


def json_ld(page) -> list:
    blocks = re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', page.content.decode(), re.S
    )
    return [json.loads(block) for block in blocks]


def test_the_open_data_page_lists_every_dataset_with_its_rows_schema_and_licence(
    client, initiative
):
    response = client.get("/open-data/")
    assert response.status_code == 200
    text = page_text(response)
    assert "Licence Ouverte 2.0" in text
    for title in ("Initiatives", "Résultats", "Partenariats", "Contacts", "HSDS : services"):
        assert title in text
    content = response.content.decode()
    for path in (
        "/initiatives/results.csv?format=csv",
        "/open-data/data-inclusion/structures.json",
        "/open-data/data-inclusion/services.json",
        "/open-data/hsds/services.json",
        "/open-data/hsds/organizations.json",
        "/open-data/datapackage.json",
        "/api/v1/docs/",
    ):
        assert path in content, path
    assert re.search(r"data·inclusion : services.*?<td>1</td>", content, re.S)


def test_every_page_links_to_the_open_data(client, initiative):
    home = client.get("/").content.decode()
    assert 'href="/open-data/"' in home


def test_the_open_data_page_is_in_english_too(client, initiative):
    response = client.get(in_english("/open-data/"))
    assert "Open data" in page_text(response)


def test_the_dcat_catalogue_lists_each_dataset_with_its_licence(client, initiative):
    response = client.get("/open-data/catalog.jsonld")
    assert response.status_code == 200
    catalog = response.json()
    assert catalog["@type"] == "dcat:Catalog"
    datasets = catalog["dcat:dataset"]
    assert len(datasets) == 8
    assert datasets[1]["dct:title"] == "Résultats", "French whatever the interface's language"
    urls = [d["dcat:distribution"][0]["dcat:downloadURL"]["@id"] for d in datasets]
    assert "http://testserver/open-data/hsds/services.json" in urls
    licence = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
    assert all(d["dct:license"]["@id"] == licence for d in datasets)
    assert json_ld(client.get("/open-data/")) == [catalog]


def test_an_initiative_page_describes_it_in_schema_org(client, initiative):
    response = client.get("/initiatives/mon-toit-pour-toi/")
    (data,) = json_ld(response)
    assert data["@type"] == "Service"
    assert data["name"] == "Mon toit pour toi"
    assert data["url"] == "http://testserver/initiatives/mon-toit-pour-toi/"
    assert data["provider"] == [
        {"@type": "Organization", "name": "La Cimade", "url": "https://www.lacimade.org"}
    ]
    assert data["areaServed"] == [{"@type": "Place", "name": "Marseille"}]
    assert data["audience"][0]["audienceType"] == "Femmes"


def test_a_title_cannot_end_the_structured_data_script(client, db):
    make_initiative("</script><script>alert(1)</script>")
    response = client.get("/initiatives/scriptscriptalert1script/")
    assert "<script>alert(1)" not in response.content.decode()
    assert json_ld(response)[0]["name"] == "</script><script>alert(1)</script>"


def test_the_sitemap_lists_the_published_initiatives_and_the_pages(client, initiative):
    make_initiative("Brouillon", is_published=False)
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    sections = re.findall(r"<loc>(.*?)</loc>", index.content.decode())
    assert "http://testserver/sitemap-initiatives.xml" in sections
    initiatives = client.get("/sitemap-initiatives.xml").content.decode()
    assert re.findall(r"<loc>(.*?)</loc>", initiatives) == [
        "http://testserver/initiatives/mon-toit-pour-toi/"
    ]
    assert "<lastmod>" in initiatives
    pages = client.get("/sitemap-pages.xml").content.decode()
    assert "http://testserver/open-data/" in pages


def test_robots_keeps_crawlers_out_of_the_exports_and_points_to_the_sitemap(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    lines = response.content.decode().splitlines()
    assert "Disallow: /initiatives/export.csv" in lines
    assert "Disallow: /api/v1/" in lines
    assert "Disallow: /initiatives/" not in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
