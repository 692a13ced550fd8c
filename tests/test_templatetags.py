from django.core.paginator import Paginator
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation


def render(source, **context):
    return Template("{% load catalogue_navigation %}" + source).render(Context(context))


def test_it_links_the_pages_around_a_page_keeping_the_list_s_parameters():
    page = Paginator(range(50), 20).page(2)
    html = render("{% pagination page query %}", page=page, query="q=logement&country=FR")
    assert '<a href="?q=logement&amp;country=FR&amp;page=1" rel="prev">' in html
    assert '<a href="?q=logement&amp;country=FR&amp;page=3" rel="next">' in html
    assert "Page 2 sur 3" in html


def test_it_links_only_the_pages_that_exist():
    first = render("{% pagination page '' %}", page=Paginator(range(50), 20).page(1))
    assert 'rel="prev"' not in first
    assert '<a href="?page=2" rel="next">' in first


def test_it_shows_no_pagination_for_a_single_page():
    assert "<nav" not in render("{% pagination page '' %}", page=Paginator(range(5), 20).page(1))


def test_it_links_to_the_same_page_in_the_other_languages():
    request = RequestFactory().get("/initiatives/", {"q": "logement"})
    with translation.override("fr"):
        html = render("{% language_switcher %}", request=request)
    assert '<a href="/en/initiatives/?q=logement" hreflang="en" lang="en">English</a>' in html
    assert 'hreflang="fr"' not in html
    request = RequestFactory().get("/en/themes/logement/")
    with translation.override("en"):
        html = render("{% language_switcher %}", request=request)
    assert '<a href="/themes/logement/" hreflang="fr" lang="fr">Français</a>' in html
