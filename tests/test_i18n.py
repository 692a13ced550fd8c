import re
from pathlib import Path

PO_FILE = Path(__file__).parent.parent / "locale/en/LC_MESSAGES/django.po"


def test_the_english_translation_is_complete():
    entries = PO_FILE.read_text(encoding="utf-8").split("\n\n")[1:]  # the first is the header
    untranslated = []
    for entry in entries:
        if "#, fuzzy" in entry:
            untranslated.append(entry)
        # A msgstr that is empty and not continued on the next line is missing.
        if re.search(r'^msgstr(\[\d\])? ""(\n(?!")|\Z)', entry, re.MULTILINE):
            untranslated.append(entry)
    assert untranslated == []
