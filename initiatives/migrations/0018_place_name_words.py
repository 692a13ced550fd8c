"""An index of the words of places' names, so that a search can tell at once whether a typed word
names a place of the reference (such a word is never corrected into another one)."""

from django.db import migrations

# `simple` (no stemming, no stop words) without accents: « Orléans » is found as « orleans ».
# A text search configuration is IMMUTABLE where unaccent() itself is not, so it can be indexed.
FORWARD = """
CREATE TEXT SEARCH CONFIGURATION simple_unaccent (COPY = simple);
ALTER TEXT SEARCH CONFIGURATION simple_unaccent
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple;
CREATE INDEX place_name_words ON initiatives_place
    USING gin (to_tsvector('simple_unaccent'::regconfig, name));
"""

BACKWARD = """
DROP INDEX place_name_words;
DROP TEXT SEARCH CONFIGURATION simple_unaccent;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0017_places"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
