"""Search as a reader uses it: acronyms, typos, highlighted words, facets and active filters;
and initiatives.search as a unit: queries built without the database, each database step done
once and only when asked, corrections only when they find something, highlighting escaped."""

import html
import re

import pytest
from django.utils.text import slugify

from initiatives import search
from initiatives.models import Acronym, Initiative, SearchWord
from initiatives.search import ExpandedQuery, Search

from .factories import country, make_initiative, make_organisation, make_public, make_theme
from .pages import card_titles, page_text

pytestmark = pytest.mark.django_db

LIST = "/initiatives/"


def facet_options(response, name):
    """{option value: (count, checked, disabled)} of one filter of the list's form."""
    options = {}
    for item in re.findall(r"<li[^>]*>\s*(<input[^>]*>\s*<label.*?</label>)", response.text, re.S):
        field = re.search(r'name="([^"]+)" value="([^"]*)"', item)
        if field[1] != name:
            continue
        count = int(re.search(r'<span class="count">\((\d+)\)</span>', item)[1])
        options[html.unescape(field[2])] = (count, " checked" in item, " disabled" in item)
    return options


def active_filter_links(response):
    """{label: address} of the active filters shown above the results."""
    block = re.search(r'<div class="active-filters">(.*?)</div>', response.text, re.S)
    if not block:
        return {}
    links = re.findall(r'<li><a href="([^"]*)"[^>]*>(.*?) <span', block[1], re.S)
    return {html.unescape(label): html.unescape(url) for url, label in links}


@pytest.fixture
def acronyms(db):
    Acronym.objects.create(acronym="CPH", expansion="centre provisoire d'hébergement")
    Acronym.objects.create(acronym="CADA", expansion="centre d'accueil pour demandeurs d'asile")


def test_an_acronym_finds_its_expansion_and_the_reverse(client, acronyms):
    make_initiative("Centre provisoire d'hébergement de Créteil")
    make_initiative("Sorties de CADA à Marseille")
    make_initiative("Chorale")
    assert card_titles(client.get(LIST, {"q": "CPH"})) == [
        "Centre provisoire d'hébergement de Créteil"
    ]
    found = card_titles(client.get(LIST, {"q": "centres d'accueil des demandeurs d'asile"}))
    assert found == ["Sorties de CADA à Marseille"]
    # Lower case, and combined with another word: both must match.
    assert card_titles(client.get(LIST, {"q": "cada marseille"})) == ["Sorties de CADA à Marseille"]
    assert card_titles(client.get(LIST, {"q": "cada lyon", "verbatim": "1"})) == []


def test_a_misspelt_word_finds_what_it_meant_and_says_so(client):
    make_initiative("Logement pour tous")
    make_initiative("Chorale")
    response = client.get(LIST, {"q": "logment"})
    assert card_titles(response) == ["Logement pour tous"]
    assert "Aucun résultat pour « logment ». Résultats pour « logement »." in page_text(response)
    # Words typed without accents need no correction.
    make_initiative("Accueil des réfugiés")
    response = client.get(LIST, {"q": "refugies"})
    assert card_titles(response) == ["Accueil des réfugiés"]
    assert "Aucun résultat pour" not in html.unescape(response.text)


def test_a_word_like_nothing_in_the_catalogue_gives_an_empty_list(client):
    make_initiative("Logement pour tous")
    response = client.get(LIST, {"q": "xylophone"})
    assert response.status_code == 200
    assert card_titles(response) == []
    assert "Aucune initiative ne correspond" in html.unescape(response.text)


def test_the_words_of_every_initiative_are_known_for_corrections(db):
    initiative = make_initiative("Hébergement solidaire", aim="Cohabitation")
    assert {"hebergement", "solidaire", "cohabitation"} <= set(
        SearchWord.objects.values_list("word", flat=True)
    )
    initiative.title = "Parrainage"
    initiative.save()
    assert SearchWord.objects.filter(word="parrainage").exists()
    assert search.corrections(["parainage", "cohabitation"]) == {"parainage": "parrainage"}


def test_the_matching_words_are_highlighted_and_the_rest_escaped(client):
    make_initiative("<b>Logement</b> des familles", aim="Trouver un logement <i>durable</i>")
    content = client.get(LIST, {"q": "logements"}).text
    assert "&lt;b&gt;<mark>Logement</mark>&lt;/b&gt; des familles" in content
    assert "Trouver un <mark>logement</mark>" in content  # a fragment: PostgreSQL drops tags
    assert "<b>Logement" not in content and "<i>durable" not in content


@pytest.fixture
def faceted(db):
    housing, language, health = (
        make_theme("Logement"),
        make_theme("Langue"),
        make_theme("Santé"),
    )
    youth, families = make_public("Jeunes"), make_public("Familles")
    make_initiative("A", themes=[housing], publics=[youth], places=[country("FR")])
    make_initiative("B", themes=[housing, language], publics=[families], places=[country("FR")])
    make_initiative("C", themes=[language], publics=[youth], places=[country("BE")])
    make_initiative("D", themes=[health], publics=[families], places=[country("BE")])
    return housing, language, health


def test_each_option_counts_the_initiatives_it_would_give(client, faceted):
    response = client.get(LIST, {"theme": ["logement", "langue"], "public": "jeunes"})
    assert card_titles(response) == ["A", "C"]  # themes combine with OR, filters with AND
    # Counts for a theme keep the public filter but not the theme filter itself…
    assert facet_options(response, "theme") == {
        "logement": (1, True, False),
        "langue": (1, True, False),
        "sante": (0, False, True),  # shown, but disabled: it would give nothing
    }
    # …and the other way round.
    assert facet_options(response, "public") == {
        "jeunes": (2, True, False),
        "familles": (1, False, False),
    }
    assert facet_options(response, "country") == {"BE": (1, False, False), "FR": (1, False, False)}


def test_active_filters_can_be_removed_one_by_one(client, faceted):
    response = client.get(LIST, {"q": "a", "theme": ["logement", "langue"], "country": "FR"})
    links = active_filter_links(response)
    assert links["Thème : Logement"] == f"{LIST}?q=a&theme=langue&country=FR"
    assert links["Pays : France"] == f"{LIST}?q=a&theme=logement&theme=langue"
    assert links["Recherche : « a »"] == f"{LIST}?theme=logement&theme=langue&country=FR"


def test_removing_a_theme_pages_own_theme_leads_to_the_whole_list(client, faceted):
    response = client.get("/themes/logement/", {"public": "jeunes"})
    assert card_titles(response) == ["A"]
    links = active_filter_links(response)
    assert links["Thème : Logement"] == f"{LIST}?public=jeunes"
    assert links["Public : Jeunes"] == "/themes/logement/"


def test_a_theme_page_locks_its_own_theme_only(client, faceted):
    on_theme_page = facet_options(client.get("/themes/logement/"), "theme")
    assert on_theme_page["logement"] == (2, True, True)  # the page's theme: cannot be unchosen
    assert on_theme_page["langue"] == (2, False, False)
    # The same filters on the list, counted once for both: the list's theme can be unchosen.
    on_list = facet_options(client.get(LIST, {"theme": "logement"}), "theme")
    assert on_list["logement"] == (2, True, False)


def filter_group(response, name):
    """The HTML of one group of the list's filters (a folded <details>)."""
    group = re.search(
        rf'<details class="facet-group" id="facet-{name}"[^>]*>.*?</fieldset>', response.text, re.S
    )
    assert group, f"no filter group {name}"
    return group[0]


def test_filter_groups_are_folded_but_those_chosen_and_say_how_many(client, faceted):
    response = client.get(LIST, {"theme": ["logement", "langue"]})
    assert "Filtres (2 actifs)" in page_text(response)
    assert filter_group(response, "theme").startswith(
        '<details class="facet-group" id="facet-theme" open>'
    )
    assert "Thème (2 choisis)" in page_text(filter_group(response, "theme"))
    assert not re.match(r"<details[^>]* open", filter_group(response, "public"))
    # A theme page's own theme is no filter the reader chose.
    on_theme_page = client.get("/themes/logement/")
    summary = re.search(r'<summary class="filters-summary">(.*?)</summary>', on_theme_page.text)
    assert summary and summary[1] == "Filtres"
    assert not re.match(r"<details[^>]* open", filter_group(on_theme_page, "theme"))


def test_a_long_list_of_options_shows_its_first_ones_and_folds_the_rest(client):
    publics = [make_public(f"Public {letter}") for letter in "ABCDEFGHIJ"]
    make_initiative("A", publics=publics)
    group = filter_group(client.get(LIST), "public")
    shown, folded = group.split('<details class="more-options"')
    first, rest = (re.findall(r"<label[^>]*>(Public \w)", part) for part in (shown, folded))
    assert len(first) == 6 and sorted(first + rest) == [p.name for p in publics]
    assert "Afficher tout (10)" in page_text(folded)
    assert 'id="facet-public-more">' in folded  # folded, as nothing in it is chosen
    # An option chosen in the fold unfolds it; a short list has no fold.
    chosen = filter_group(client.get(LIST, {"public": slugify(rest[-1])}), "public")
    assert 'id="facet-public-more" open>' in chosen
    assert "more-options" not in filter_group(client.get(LIST), "theme")


def test_an_initiative_page_suggests_close_initiatives_same_pilot_first(client):
    pilot, partner = make_organisation(), make_organisation()
    housing, language = make_theme("Logement"), make_theme("Langue")
    initiative = make_initiative("Ici", themes=[housing], leads=[pilot], partners=[partner])
    make_initiative("Même thème", themes=[housing])
    make_initiative("Même partenaire", themes=[language], partners=[partner])
    make_initiative("Même pilote", themes=[language], leads=[pilot])
    make_initiative("Sans rapport", themes=[language])
    make_initiative("Brouillon", themes=[housing], is_published=False)
    response = client.get(initiative.get_absolute_url())
    close = response.text.split('id="close-heading"')[1]
    assert card_titles(close) == ["Même pilote", "Même partenaire", "Même thème"]


def test_it_builds_a_search_without_querying_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        typed = Search("  logment  ")
        query = ExpandedQuery("'logement'")
        assert search.as_query(query) is query
        assert (typed.typed, typed.searched, typed.corrected) == ("logment", "logment", None)


def test_it_expands_a_search_once_however_often_the_list_filters_by_it(
    django_assert_num_queries,
):
    make_initiative("Logement pour tous")
    typed = Search("logement")
    with django_assert_num_queries(1):
        first, again = typed.query(), typed.query()
        initiatives = Initiative.objects.search(typed).highlighted(typed)
    assert first is again
    with django_assert_num_queries(1):
        assert [initiative.title for initiative in initiatives] == ["Logement pour tous"]


def test_it_expands_an_acronym_and_its_expansion_into_each_other(acronyms):
    for text in ("CPH", "centre provisoire d'hébergement"):
        tsquery = search.expand(text).tsquery
        assert "'cph'" in tsquery and "'provisoir'" in tsquery
    assert search.expand("CAFS").tsquery == "'caf'"  # no rule: only stemmed


def test_it_corrects_a_search_only_when_it_finds_nothing(django_assert_num_queries):
    make_initiative("Logement solidaire")
    initiatives = Initiative.objects.published()
    # Found as typed: the expansion and whether it finds anything, nothing more.
    with django_assert_num_queries(2):
        assert Search("logement").correction(initiatives).searched == "logement"
    # Operators and short words are kept as typed.
    assert Search("logment -solidare").correction(initiatives).searched == "logement -solidare"
    assert Search('"logment solidare"').correction(initiatives).searched == '"logement solidaire"'


def test_it_keeps_the_typed_search_when_the_corrected_one_finds_nothing_either(db):
    make_initiative("Logement pour tous", is_published=False)  # its words are known
    assert search.corrections(["logment"]) == {"logment": "logement"}
    assert Search("logment").correction(Initiative.objects.published()).searched == "logment"


def test_it_highlights_the_marked_words_and_escapes_the_rest():
    start, stop = search.HIGHLIGHT_START, search.HIGHLIGHT_STOP
    text = f"<b>{start}Logement{stop}</b> {start}{stop}& co"
    assert search.highlight(text) == "&lt;b&gt;<mark>Logement</mark>&lt;/b&gt; &amp; co"
    assert search.highlight(None) == ""
