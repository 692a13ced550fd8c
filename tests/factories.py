"""The rows tests build: each builder makes a valid row from as few fields as the test cares
about, and takes any other field of its model as a keyword."""

import itertools
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.utils.text import slugify

from initiatives.models import (
    Citation,
    Contact,
    Initiative,
    InitiativePlace,
    Organisation,
    PartnerRole,
    Partnership,
    Place,
    PlaceKind,
    Result,
    Source,
    TargetPublic,
    Theme,
)

_counter = itertools.count(1)

# INSEE codes of the communes tests use.
MARSEILLE = "13055"
LYON = "69123"
LILLE = "59350"
Named = TypeVar("Named", Theme, TargetPublic, Organisation)


def make_named(model: type[Named], name: str | None, prefix: str, **fields: Any) -> Named:
    """A row of a model known by its name and the slug of that name."""
    name = name or f"{prefix} {next(_counter)}"
    return model._default_manager.create(name=name, slug=slugify(name), **fields)


def make_theme(name: str | None = None, **fields: Any) -> Theme:
    return make_named(Theme, name, "Thème", **fields)


def make_public(name: str | None = None, **fields: Any) -> TargetPublic:
    return make_named(TargetPublic, name, "Public", **fields)


def make_organisation(name: str | None = None, **fields: Any) -> Organisation:
    return make_named(Organisation, name, "Association", **fields)


def make_source(title: str | None = None, **fields: Any) -> Source:
    title = title or f"Document {next(_counter)}"
    fields.setdefault("publisher", "Éditeur")
    return Source.objects.create(title=title, slug=slugify(title), **fields)


def reference_place(kind: str, code: str) -> Place:
    """A place of the reference the migrations load (loaded again if a flush emptied it):
    `kind` one of PlaceKind, `code` its code (INSEE, ISO 3166 for a country)."""
    Place.objects.load_reference()
    return Place.objects.get(kind=kind, code=code)


def commune(code: str) -> Place:
    return reference_place(PlaceKind.COMMUNE, code)


def department(code: str) -> Place:
    return reference_place(PlaceKind.DEPARTMENT, code)


def region(code: str) -> Place:
    return reference_place(PlaceKind.REGION, code)


def country(code: str) -> Place:
    return reference_place(PlaceKind.COUNTRY, code)


def make_initiative(
    title: str | None = None,
    *,
    leads: Iterable[Organisation] | None = None,
    themes: Sequence[Theme] = (),
    partners: Iterable[Organisation] = (),
    publics: Iterable[TargetPublic] = (),
    sources: Iterable[Source] = (),
    places: Iterable[Place] = (),
    **fields: Any,
) -> Initiative:
    """An initiative with its main theme among its themes, as the database requires, led by
    `leads` (a new organisation unless given)."""
    title = title or f"Initiative {next(_counter)}"
    if leads is None:
        leads = [make_organisation()]
    if "main_theme" not in fields:
        fields["main_theme"] = themes[0] if themes else make_theme()
    fields.setdefault("slug", slugify(title))
    initiative = Initiative.objects.create(title=title, **fields)
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
    for position, place in enumerate(places):
        InitiativePlace.objects.create(initiative=initiative, place=place, position=position)
    return initiative


EDITORIAL_NOTE = "Fiche de l'association Kodiko (titre absent du texte extrait)"


def make_citation(initiative: Initiative, source: Source, **fields: Any) -> Citation:
    return Citation.objects.create(initiative=initiative, source=source, **fields)


def make_noted_citation(initiative: Initiative) -> Citation:
    """A citation of a source that prints no title for `initiative`, with the staff's note
    (EDITORIAL_NOTE) saying so."""
    return make_citation(
        initiative,
        make_source(),
        location="Fiche pilote Kodiko",
        staff_note=EDITORIAL_NOTE,
        title_assigned=True,
    )


def make_contact(initiative: Initiative, **fields: Any) -> Contact:
    fields.setdefault("position", next(_counter))
    fields.setdefault("name", "Claire Exemple")
    return Contact.objects.create(initiative=initiative, **fields)


def make_result(initiative: Initiative, **fields: Any) -> Result:
    fields.setdefault("position", next(_counter))
    fields.setdefault("text", "12 bourses ont été attribuées")
    return Result.objects.create(initiative=initiative, **fields)


def make_user(username: str, first_name: str = "", **fields: Any) -> User:
    """An account, with no password unless given; `is_staff=True` and the like as keywords."""
    return User.objects.create_user(username, first_name=first_name, **fields)


def initiative_form(
    lead: Organisation, main_theme: Theme, themes: Iterable[Theme], **fields: Any
) -> dict[str, Any]:
    """The admin's add form for an initiative led by `lead`, with no other inline rows."""
    data = {
        "title": "Nouvelle initiative",
        "slug": "nouvelle-initiative",
        "main_theme": main_theme.pk,
        "themes": [theme.pk for theme in themes],
        "scope": "local",
        "status": "ongoing",
        "language": "fr",
        "is_published": "on",
    }
    for prefix in ("partnerships", "place_links", "contacts", "results", "citations"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    data |= {
        "partnerships-TOTAL_FORMS": "1",
        "partnerships-0-position": "0",
        "partnerships-0-organisation": lead.pk,
        "partnerships-0-role": PartnerRole.LEAD,
    }
    return data | fields
