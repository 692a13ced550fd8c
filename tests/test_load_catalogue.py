"""load_catalogue: the fixtures in name order, then a first history entry for each row."""

import json
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from simple_history.utils import get_history_manager_for_model

from initiatives.management.commands import load_catalogue as load_catalogue_module
from initiatives.management.commands.load_catalogue import FIXTURES
from initiatives.models import Contact, Initiative, Result, Source, Theme

pytestmark = pytest.mark.django_db

HISTORY_MODELS = [Source, Theme, Initiative, Contact, Result]


def load_catalogue(*args):
    output = StringIO()
    call_command("load_catalogue", *args, stdout=output)
    return output.getvalue()


def history_entries(model):
    """Each history entry of `model`: the row's key, the kind of change and when it was made."""
    history = get_history_manager_for_model(model).order_by("history_id")
    return list(history.values_list("id", "history_type", "history_date"))


# First: the tests below share the whole catalogue, loaded once for the module.
def test_it_records_no_first_history_entries_with_no_history(monkeypatch):
    # The sources and vocabularies alone: quicker, and enough to show what is recorded.
    monkeypatch.setattr(load_catalogue_module, "FIXTURES", FIXTURES[:2])
    output = load_catalogue("--no-history")
    assert "from 2 fixture(s)" in output
    assert Theme.objects.exists()
    assert history_entries(Theme) == []


def test_it_loads_every_object_of_the_fixtures(catalogue_data):
    in_fixtures = Counter(
        entry["model"] for fixture in FIXTURES for entry in json.loads(Path(fixture).read_text())
    )
    assert {label: apps.get_model(label).objects.count() for label in in_fixtures} == in_fixtures


def test_it_gives_every_row_a_history_entry(catalogue_data):
    for model in HISTORY_MODELS:
        with_history = {pk for pk, *_ in history_entries(model)}
        assert with_history == set(model.objects.values_list("pk", flat=True)), model
    # Initiatives had entries already: setting their themes and publics records a change.
    assert {history_type for _, history_type, _ in history_entries(Theme)} == {"+"}


def test_it_leaves_the_same_rows_and_history_when_run_again(catalogue_data):
    rows = {model: list(model.objects.order_by("pk").values()) for model in HISTORY_MODELS}
    history = {model: history_entries(model) for model in HISTORY_MODELS}

    output = load_catalogue()

    assert "0 entrée(s) d'historique initiale(s) créée(s)." in output
    assert {model: list(model.objects.order_by("pk").values()) for model in HISTORY_MODELS} == rows
    assert {model: history_entries(model) for model in HISTORY_MODELS} == history
