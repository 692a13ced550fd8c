import html
import itertools
import re
from html.parser import HTMLParser
from pathlib import Path

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

FIXTURES = sorted(str(path) for path in (Path(__file__).parent.parent / "fixtures").glob("*.json"))


@pytest.fixture(scope="module")
def catalogue(django_db_setup, django_db_blocker):
    """The fixtures, loaded once for a module in a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("loaddata", *FIXTURES, verbosity=0)
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
        link.skip_history_when_saving = True
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


class _FormParser(HTMLParser):
    """The values a browser would submit from the admin's change form (no button pressed)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.data, self._select, self._textarea = {}, None, None

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._add(name, attrs.get("value", "on"))
            else:
                self._add(name, attrs.get("value", ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self._add(self._select, attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            # Like a browser, drop the line break that follows the opening tag.
            value = self.data[self._textarea][-1]
            self.data[self._textarea][-1] = value.removeprefix("\n")
            self._textarea = None


def form_data(response):
    """The data the admin form on `response` would post as it stands."""
    parser = _FormParser()
    parser.feed(response.content.decode())
    data = {name: values if len(values) > 1 else values[0] for name, values in parser.data.items()}
    data.pop("csrfmiddlewaretoken", None)
    # Empty-form templates of the inlines are not submitted rows.
    return {name: value for name, value in data.items() if "__prefix__" not in name}
