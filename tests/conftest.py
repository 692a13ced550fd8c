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
    Organisation,
    PartnerRole,
    Partnership,
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


def make_organisation(name=None, **fields):
    return make_named(Organisation, name, "Association", **fields)


def make_source(title=None, **fields):
    title = title or f"Document {next(_counter)}"
    fields.setdefault("publisher", "Éditeur")
    return Source.objects.create(title=title, slug=slugify(title), **fields)


def make_initiative(
    title=None, *, leads=None, themes=(), partners=(), publics=(), sources=(), **fields
):
    """An initiative with its main theme among its themes, as the database requires, led by
    `leads` (a new organisation unless given)."""
    title = title or f"Initiative {next(_counter)}"
    if leads is None:
        leads = [make_organisation()]
    if "main_theme" not in fields:
        fields["main_theme"] = themes[0] if themes else make_theme()
    initiative = Initiative.objects.create(title=title, slug=slugify(title), **fields)
    initiative.themes.add(fields["main_theme"], *themes)
    initiative.publics.add(*publics)
    for lead in leads:
        link = Partnership(initiative=initiative, organisation=lead, role=PartnerRole.LEAD)
        # Part of the initiative as created, not a later change in its history.
        link.skip_history_when_saving = True  # type: ignore[attr-defined]
        link.save()
    for position, partner in enumerate(partners, 1):
        Partnership.objects.create(initiative=initiative, organisation=partner, position=position)
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


def initiative_form(lead, main_theme, themes, **fields):
    """The admin's add form for an initiative led by `lead`, with no other inline rows."""
    data = {
        "title": "Nouvelle initiative",
        "slug": "nouvelle-initiative",
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
    data |= {
        "partnerships-TOTAL_FORMS": "1",
        "partnerships-0-position": "0",
        "partnerships-0-organisation": lead.pk,
        "partnerships-0-role": PartnerRole.LEAD,
    }
    return data | fields


@pytest.fixture
def initiative(db):
    return make_initiative(
        "Mon toit pour toi",
        aim="Favoriser l'accès au logement des jeunes réfugiés.",
        city="Marseille",
        partners=[make_organisation("Pôle emploi")],
        sources=[make_source("Catalogue du forum")],
    )


CARD_TITLE = re.compile(r'<h3 class="card-title"><a href="[^"]*">(.*?)</a></h3>', re.S)


def card_titles(response):
    """The titles of the initiatives a page lists, as a reader sees them, in order."""
    content = response.content.decode()
    return [html.unescape(re.sub(r"<[^>]+>", "", title)) for title in CARD_TITLE.findall(content)]
