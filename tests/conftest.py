import html
import itertools
import re

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils.text import slugify

from initiatives.models import (
    Citation,
    Contact,
    Initiative,
    Partner,
    Partnership,
    Pilot,
    Result,
    Source,
    TargetPublic,
    Theme,
)

_counter = itertools.count(1)


@pytest.fixture(scope="module")
def catalogue_data(django_db_setup, django_db_blocker):
    """The catalogue's data (load_catalogue), loaded once for a module in a transaction rolled
    back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_catalogue", verbosity=0)
        # Check the deferred constraints now, as a commit would.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        yield
        transaction.set_rollback(True)


def make_named(model, name, prefix, **fields):
    """A row of a model known by its name and the slug of that name."""
    name = name or f"{prefix} {next(_counter)}"
    return model.objects.create(name=name, slug=slugify(name), **fields)


def make_theme(name=None, **fields):
    return make_named(Theme, name, "Thème", **fields)


def make_public(name=None, **fields):
    return make_named(TargetPublic, name, "Public", **fields)


def make_pilot(name=None, **fields):
    return make_named(Pilot, name, "Association", **fields)


def make_partner(name=None, **fields):
    return make_named(Partner, name, "Partenaire", **fields)


def make_source(title=None, **fields):
    title = title or f"Document {next(_counter)}"
    fields.setdefault("publisher", "Éditeur")
    return Source.objects.create(title=title, slug=slugify(title), **fields)


def make_initiative(title=None, *, themes=(), partners=(), publics=(), sources=(), **fields):
    """An initiative with its main theme among its themes, as the database requires."""
    title = title or f"Initiative {next(_counter)}"
    fields.setdefault("pilot", make_pilot())
    if "main_theme" not in fields:
        fields["main_theme"] = themes[0] if themes else make_theme()
    initiative = Initiative.objects.create(title=title, slug=slugify(title), **fields)
    initiative.themes.add(fields["main_theme"], *themes)
    initiative.publics.add(*publics)
    for position, partner in enumerate(partners, 1):
        Partnership.objects.create(initiative=initiative, partner=partner, position=position)
    for source in sources:
        Citation.objects.create(initiative=initiative, source=source)
    return initiative


def make_contact(initiative, **fields):
    fields.setdefault("position", next(_counter))
    fields.setdefault("name", "Claire Exemple")
    return Contact.objects.create(initiative=initiative, **fields)


def make_result(initiative, **fields):
    fields.setdefault("position", next(_counter))
    fields.setdefault("text", "12 bourses ont été attribuées")
    return Result.objects.create(initiative=initiative, **fields)


def initiative_form(pilot, main_theme, themes, **fields):
    """The admin's add form for an initiative, with empty inlines."""
    data = {
        "title": "Nouvelle initiative",
        "slug": "nouvelle-initiative",
        "pilot": pilot.pk,
        "main_theme": main_theme.pk,
        "themes": [theme.pk for theme in themes],
        "country": "FR",
        "scope": "local",
        "status": "ongoing",
        "language": "fr",
        "is_published": "on",
    }
    for prefix in ("partnerships", "contacts", "results", "citations"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data | fields


@pytest.fixture
def initiative(db):
    return make_initiative(
        "Mon toit pour toi",
        aim="Favoriser l'accès au logement des jeunes réfugiés.",
        city="Marseille",
        partners=[make_partner("Pôle emploi")],
        sources=[make_source("Catalogue du forum")],
    )


CARD_TITLE = re.compile(r'<h3 class="card-title"><a href="[^"]*">(.*?)</a></h3>', re.S)


def card_titles(response):
    """The titles of the initiatives a page lists, as a reader sees them, in order."""
    content = response.content.decode()
    return [html.unescape(re.sub(r"<[^>]+>", "", title)) for title in CARD_TITLE.findall(content)]
