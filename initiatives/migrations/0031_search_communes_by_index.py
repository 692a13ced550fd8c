"""A searched commune's département found through the index of the places' names.

search_communes_departments() (migration 0021) joined the typed words to the places on the
equality of their names: PostgreSQL merged the two after sorting the 38,000 communes by name,
computing each one's unaccented name, 120 ms for every search. Each word is now looked up alone,
its name's words through the index `place_name_words` (migration 0018): well under a
millisecond. Same words, same answer: a word naming one commune and one only also finds the
initiatives acting in its whole département.
"""

from importlib import import_module

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION search_communes_departments(searched tsquery, typed text)
RETURNS tsquery LANGUAGE plpgsql STABLE AS $$
DECLARE
    typed_word text;
    commune record;
BEGIN
    FOR typed_word IN
        SELECT word
        FROM regexp_split_to_table(unaccent(lower(typed)), '[^[:alnum:]]+')
             WITH ORDINALITY AS words(word, position)
        WHERE char_length(word) >= 3
        GROUP BY word
        ORDER BY min(position)
    LOOP
        SELECT plainto_tsquery('french_unaccent', min(place.name)) AS target,
               ('zzdepartment' || lower(min(place.department_code)))::tsquery AS department
        INTO commune
        FROM initiatives_place AS place
        WHERE to_tsvector('simple_unaccent'::regconfig, place.name)
              @@ plainto_tsquery('simple_unaccent'::regconfig, typed_word)
          AND place.kind = 'commune'
          AND unaccent(lower(place.name)) = typed_word
        HAVING count(*) = 1 AND min(place.department_code) <> '';
        IF FOUND THEN
            searched := ts_rewrite(searched, commune.target, commune.target || commune.department);
        END IF;
    END LOOP;
    RETURN searched;
END
$$;
"""

# Migration 0021's version, to go back to.
JOINED = import_module(
    "initiatives.migrations.0021_search_everything"
).COMMUNES_DEPARTMENTS.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0030_catalogue_changes"),
    ]

    operations = [
        migrations.RunSQL(FUNCTION, JOINED),
    ]
