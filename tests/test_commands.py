from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from initiatives.models import Initiative

from .factories import country, make_contact, make_initiative, make_result, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def complete():
    """An initiative with a contact, a result, a source and a place: nothing missing."""
    source = make_source()
    initiative = make_initiative("Complète", sources=[source], places=[country("FR")])
    make_contact(initiative)
    make_result(initiative, source=source)
    return initiative


def test_it_lists_initiatives_missing_a_contact_a_result_or_a_source(capsys, complete):
    make_initiative("Incomplète")
    call_command("audit_catalogue")
    output = capsys.readouterr().out
    assert "incomplete" in output
    assert "- complete" not in output
    assert "4 manque(s) sur 2 initiative(s)" in output


def test_it_fails_when_strict_and_something_is_missing():
    make_initiative("Incomplète")
    with pytest.raises(CommandError):
        call_command("audit_catalogue", "--strict")


def test_it_passes_when_strict_and_nothing_is_missing(capsys, complete):
    call_command("audit_catalogue", "--strict")
    assert "rien ne manque" in capsys.readouterr().out


def test_it_lists_targets_without_a_horizon_and_results_without_a_source(capsys, complete):
    source = complete.sources.get()
    make_result(complete, nature="target", text="Accueillir 40 familles", source=source)
    make_result(
        complete,
        nature="target",
        text="Loger 20 jeunes d'ici 2021",
        source=source,
        as_of=date(2021, 1, 1),
        as_of_precision="year",
    )
    make_result(complete, text="12 bourses attribuées")
    call_command("audit_catalogue")
    output = capsys.readouterr().out
    assert "1 objectif(s) sans horizon" in output and "Accueillir 40 familles" in output
    assert "Loger 20 jeunes" not in output
    assert "1 résultat(s) sans source" in output and "12 bourses attribuées" in output
    assert "2 manque(s) sur 1 initiative(s)" in output


def test_it_fails_when_strict_and_a_target_has_no_horizon(complete):
    make_result(complete, nature="target", source=complete.sources.get())
    with pytest.raises(CommandError):
        call_command("audit_catalogue", "--strict")


def test_the_audit_reports_initiatives_without_a_coded_place():
    make_initiative("Quelque part", places=[country("FR")])
    make_initiative("Nulle part")
    out = StringIO()
    call_command("audit_catalogue", stdout=out)
    report = out.getvalue()
    assert "initiative(s) sans lieu codé :\n  - nulle-part\n" in report
    assert "quelque-part" not in report.split("sans lieu codé")[1]


def test_restore_without_a_terminal_asks_for_no_input_and_changes_nothing(monkeypatch, tmp_path):
    def no_terminal(prompt: str) -> str:
        raise EOFError

    monkeypatch.setattr("builtins.input", no_terminal)
    make_initiative("Gardée")
    with pytest.raises(CommandError, match="--no-input"):
        call_command("restore_catalogue", str(tmp_path / "catalogue.dump"))
    assert Initiative.objects.filter(title="Gardée").exists()
