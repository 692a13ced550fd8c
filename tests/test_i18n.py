"""The English translation: complete for every string the code and templates mark, and compiled.

The workflow these tests check, run in the project folder:

    .venv/bin/python manage.py makemessages --locale en --no-obsolete
    (translate what is new or fuzzy in locale/en/LC_MESSAGES/django.po)
    .venv/bin/python manage.py compilemessages
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
PO_PATH = Path("locale/en/LC_MESSAGES/django.po")
PO_FILE = PROJECT_DIR / PO_PATH
MO_FILE = PO_FILE.with_suffix(".mo")
MAKEMESSAGES = ["makemessages", "--locale", "en", "--no-obsolete"]
# Left out of the copy: what makemessages skips anyway (hidden folders, STATIC_ROOT) and
# folders with nothing to translate.
NOT_SCANNED = shutil.ignore_patterns(
    ".*", "__pycache__", "*.egg-info", "staticfiles", "test-artifacts", "fixtures", "static"
)


def keys(entries: list[polib.POEntry]) -> set[tuple[str | None, str]]:
    return {(entry.msgctxt, entry.msgid) for entry in entries}


def translations(compiled: polib.MOFile) -> dict[tuple[str | None, str], object]:
    """What a .mo file holds: each message's translation, and the header."""
    messages = {
        (entry.msgctxt, entry.msgid): (entry.msgstr, entry.msgstr_plural) for entry in compiled
    }
    return messages | {(None, ""): compiled.metadata}


@pytest.fixture(scope="module")
def marked_strings(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str | None, str]]:
    """The strings the code and templates mark for translation: makemessages run in a copy of
    the project, so that its django.po is left as it is."""
    copy = tmp_path_factory.mktemp("makemessages") / "project"
    shutil.copytree(PROJECT_DIR, copy, ignore=NOT_SCANNED)
    subprocess.run(
        [sys.executable, "manage.py", *MAKEMESSAGES],
        cwd=copy,
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "catalogue.test_settings"},
        capture_output=True,
        check=True,
    )
    return keys(polib.pofile(str(copy / PO_PATH)))


def test_the_english_translation_is_complete():
    catalogue = polib.pofile(str(PO_FILE))
    untranslated = catalogue.untranslated_entries() + catalogue.fuzzy_entries()
    assert [entry.msgid for entry in untranslated] == []


def test_it_translates_every_string_the_code_and_templates_mark(marked_strings):
    translated = keys(polib.pofile(str(PO_FILE)).translated_entries())
    assert marked_strings - translated == set(), f"run {' '.join(MAKEMESSAGES)} and translate"


def test_it_keeps_no_translation_of_a_string_gone_from_the_code(marked_strings):
    catalogue = polib.pofile(str(PO_FILE))
    assert keys(catalogue) - marked_strings == set(), f"run {' '.join(MAKEMESSAGES)}"


def test_it_ships_the_translation_compiled(tmp_path):
    """The committed .mo holds what compilemessages makes of the .po today. Compared by
    content: msgfmt's bytes may differ from one gettext version to the next."""
    compiled = tmp_path / "django.mo"
    # What compilemessages runs, format checks included.
    subprocess.run(
        ["msgfmt", "--check-format", "-o", str(compiled), str(PO_FILE)],
        capture_output=True,
        check=True,
    )
    expected = translations(polib.mofile(str(compiled)))
    assert translations(polib.mofile(str(MO_FILE))) == expected, "run compilemessages"
