"""Everything a reader sees of an initiative is searched: besides its title, aim, description and
organisations, its places (commune, département name and number, region, country in French and
English), its themes and publics (French and English names), its results and its contacts'
organisations and addresses. Texts in Dutch or English are stemmed in their own language, and
in French as the queries are; their French translations in French. Weights: title, places and
themes A; aim and publics B; description and results C; organisations and contacts D, with a
word for each département the initiative acts in as a whole, which a search for one of its
communes also finds.

The database keeps the vector current whatever writes the rows: a statement-level trigger on each
table the vector reads marks the initiatives concerned, whose own trigger recomputes the vector."""

from importlib import import_module

from django.db import migrations

SEARCH_FUNCTIONS_0013 = import_module("initiatives.migrations.0013_freshness").search_functions
ORGANISATION_NAMES = import_module("initiatives.migrations.0011_organisation_rows").ORGANISATION_NAMES

# Texts stemmed in their language (models.Language); vectors of several rows added together.
CONFIGURATIONS = """
CREATE TEXT SEARCH CONFIGURATION dutch_unaccent (COPY = dutch);
ALTER TEXT SEARCH CONFIGURATION dutch_unaccent
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, dutch_stem;
CREATE TEXT SEARCH CONFIGURATION english_unaccent (COPY = english);
ALTER TEXT SEARCH CONFIGURATION english_unaccent
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;

CREATE FUNCTION text_search_configuration(language text) RETURNS regconfig
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE language
        WHEN 'nl' THEN 'dutch_unaccent'
        WHEN 'en' THEN 'english_unaccent'
        ELSE 'french_unaccent'
    END::regconfig
$$;

CREATE AGGREGATE tsvector_agg(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '');
"""

DROP_CONFIGURATIONS = """
DROP AGGREGATE tsvector_agg(tsvector);
DROP FUNCTION text_search_configuration(text);
DROP TEXT SEARCH CONFIGURATION english_unaccent;
DROP TEXT SEARCH CONFIGURATION dutch_unaccent;
"""

# The parts of the vector read from other tables, for the initiative row called {initiative}.
PLACE_NAMES = """
    (SELECT string_agg(concat_ws(' ',
                place.name, place.name_en, place.department_name, place.department_code,
                place.region_name, country.name, country.name_en), ' ' ORDER BY link.position)
     FROM initiatives_initiativeplace AS link
     JOIN initiatives_place AS place ON place.id = link.place_id
     LEFT JOIN initiatives_place AS country
         ON country.kind = 'country' AND country.code = place.country
     WHERE link.initiative_id = {initiative}.id)
"""
# A département the initiative acts in as a whole, as a word no text holds (« zzdepartment13 »):
# a search for one of its communes also finds it (search_communes_departments()).
DEPARTMENT_WORDS = """
    (SELECT string_agg('zzdepartment' || lower(place.code), ' ')
     FROM initiatives_initiativeplace AS link
     JOIN initiatives_place AS place ON place.id = link.place_id
     WHERE link.initiative_id = {initiative}.id AND place.kind = 'department')
"""
VOCABULARY_NAMES = """
    (SELECT string_agg(vocabulary.{column}, ' ' ORDER BY vocabulary.position)
     FROM initiatives_initiative_{links} AS link
     JOIN initiatives_{table} AS vocabulary ON vocabulary.id = link.{table}_id
     WHERE link.initiative_id = {initiative}.id)
"""
RESULT_TEXTS = """
    (SELECT tsvector_agg(
                to_tsvector(text_search_configuration(result.text_language), result.text)
                || CASE WHEN result.text_language <> 'fr'
                        THEN to_tsvector('french_unaccent', result.text) ELSE '' END
                || to_tsvector('french_unaccent', result.text_translation)
                ORDER BY result.position)
     FROM initiatives_result AS result WHERE result.initiative_id = {initiative}.id)
"""
CONTACT_ADDRESSES = """
    (SELECT string_agg(concat_ws(' ', contact.organisation, contact.address), ' '
                       ORDER BY contact.position)
     FROM initiatives_contact AS contact WHERE contact.initiative_id = {initiative}.id)
"""


def vector(initiative: str) -> str:
    """The search vector of the initiative row called `initiative`."""

    def text(configuration: str, sql: str) -> str:
        return f"to_tsvector({configuration}, coalesce({sql.format(initiative=initiative)}, ''))"

    def names(links: str, table: str, column: str) -> str:
        return VOCABULARY_NAMES.format(links=links, table=table, column=column, initiative="{initiative}")

    def own(sql: str) -> str:
        """A text in its own language; one in another language in French too, as the queries
        and the thesaurus's terms are (« vrijwilligers » typed finds « vrijwilligers »)."""
        return (
            f"{text(f'text_search_configuration({initiative}.language)', sql)}"
            f" || CASE WHEN {initiative}.language <> 'fr' THEN {text(french, sql)} ELSE '' END"
        )

    french, english = "'french_unaccent'", "'english_unaccent'"
    theme_names = text(french, names("themes", "theme", "name"))
    theme_names_en = names("themes", "theme", "name_en")
    public_names = text(french, names("publics", "targetpublic", "name"))
    public_names_en = names("publics", "targetpublic", "name_en")
    return f"""
        setweight(
            {text(french, "{initiative}.title")}
            || {text(french, PLACE_NAMES)}
            || {theme_names} || {text(french, theme_names_en)} || {text(english, theme_names_en)},
            'A')
        || setweight(
            {own("{initiative}.aim")} || {text(french, "{initiative}.aim_translation")}
            || {public_names} || {text(french, public_names_en)} || {text(english, public_names_en)},
            'B')
        || setweight(
            {own("{initiative}.description")}
            || {text(french, "{initiative}.description_translation")}
            || coalesce({RESULT_TEXTS.format(initiative=initiative)}, ''),
            'C')
        || setweight(
            {text(french, ORGANISATION_NAMES)} || {text(french, CONTACT_ADDRESSES)}
            || {text("'simple'", DEPARTMENT_WORDS)},
            'D')
    """


# A typed word naming one commune, and one only (« Lyon », « Gap »; not « Cours », three
# communes, nor a name of several words), also finds the initiatives acting in its whole
# département: the word becomes itself or the département's word of the vectors.
COMMUNES_DEPARTMENTS = """
CREATE FUNCTION search_communes_departments(searched tsquery, typed text) RETURNS tsquery
LANGUAGE plpgsql STABLE AS $$
DECLARE
    commune record;
BEGIN
    FOR commune IN
        SELECT plainto_tsquery('french_unaccent', min(place.name)) AS target,
               ('zzdepartment' || lower(min(place.department_code)))::tsquery AS department
        FROM regexp_split_to_table(unaccent(lower(typed)), '[^[:alnum:]]+') AS word
        JOIN initiatives_place AS place
            ON to_tsvector('simple_unaccent'::regconfig, place.name)
               @@ plainto_tsquery('simple_unaccent'::regconfig, word)
        WHERE char_length(word) >= 3 AND place.kind = 'commune'
          AND unaccent(lower(place.name)) = word
        GROUP BY word
        HAVING count(*) = 1 AND min(place.department_code) <> ''
    LOOP
        searched := ts_rewrite(searched, commune.target, commune.target || commune.department);
    END LOOP;
    RETURN searched;
END
$$;
"""

FUNCTIONS = COMMUNES_DEPARTMENTS + f"""
CREATE OR REPLACE FUNCTION initiative_search_vector(initiative initiatives_initiative)
RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT {vector("initiative")}
$$;

CREATE OR REPLACE FUNCTION initiative_search_vector_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := initiative_search_vector(NEW);
    INSERT INTO initiatives_searchword (word)
    SELECT DISTINCT unaccent(lexeme)
    FROM unnest(tsvector_to_array(to_tsvector('simple', concat_ws(' ',
        NEW.title, NEW.aim, NEW.description, NEW.aim_translation, NEW.description_translation,
        {ORGANISATION_NAMES.format(initiative="NEW")}
    )))) AS lexeme
    WHERE char_length(lexeme) BETWEEN 3 AND 100 AND lexeme ~ '^[[:alpha:]]'
    ON CONFLICT (word) DO NOTHING;
    RETURN NEW;
END
$$;
"""

# The tables whose rows name an initiative (initiative_id): after each statement, the initiatives
# of the rows it wrote or deleted get their vector again (setting it to NULL fires their trigger).
LINK_TABLES = [
    "initiatives_initiative_themes",
    "initiatives_initiative_publics",
    "initiatives_initiativeplace",
    "initiatives_partnership",
    "initiatives_result",
    "initiatives_contact",
]

TOUCH_LINKED = """
CREATE FUNCTION initiative_search_vector_touch_linked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE initiatives_initiative SET search_vector = NULL
        WHERE id IN (SELECT initiative_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE initiatives_initiative SET search_vector = NULL
        WHERE id IN (SELECT initiative_id FROM old_rows);
    ELSE
        UPDATE initiatives_initiative SET search_vector = NULL
        WHERE id IN (SELECT initiative_id FROM new_rows UNION SELECT initiative_id FROM old_rows);
    END IF;
    RETURN NULL;
END
$$;

-- A renamed theme, public or place: the initiatives that have it (a country: those with a place
-- in it, whose vector reads its names); an organisation: those it takes part in.
CREATE OR REPLACE FUNCTION initiative_search_vector_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'initiatives_theme' THEN
        UPDATE initiatives_initiative SET search_vector = NULL
        WHERE id IN (SELECT initiative_id FROM initiatives_initiative_themes WHERE theme_id = NEW.id);
    ELSIF TG_TABLE_NAME = 'initiatives_targetpublic' THEN
        UPDATE initiatives_initiative SET search_vector = NULL
        WHERE id IN (SELECT initiative_id FROM initiatives_initiative_publics WHERE targetpublic_id = NEW.id);
    ELSIF TG_TABLE_NAME = 'initiatives_place' THEN
        UPDATE initiatives_initiative SET search_vector = NULL
        WHERE id IN (
            SELECT link.initiative_id FROM initiatives_initiativeplace AS link
            JOIN initiatives_place AS place ON place.id = link.place_id
            WHERE place.id = NEW.id OR (NEW.kind = 'country' AND place.country = NEW.code)
        );
    ELSE
        UPDATE initiatives_initiative SET search_vector = NULL
        WHERE id IN (SELECT initiative_id FROM initiatives_partnership WHERE organisation_id = NEW.id);
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER partnership_search_vector_touch ON initiatives_partnership;
CREATE TRIGGER theme_search_vector_touch AFTER UPDATE OF name, name_en ON initiatives_theme
    FOR EACH ROW EXECUTE FUNCTION initiative_search_vector_touch();
CREATE TRIGGER targetpublic_search_vector_touch AFTER UPDATE OF name, name_en ON initiatives_targetpublic
    FOR EACH ROW EXECUTE FUNCTION initiative_search_vector_touch();
CREATE TRIGGER place_search_vector_touch
    AFTER UPDATE OF name, name_en, department_code, department_name, region_name, country
    ON initiatives_place
    FOR EACH ROW EXECUTE FUNCTION initiative_search_vector_touch();
""" + "".join(
    f"""
CREATE TRIGGER search_vector_touch_insert AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION initiative_search_vector_touch_linked();
CREATE TRIGGER search_vector_touch_update AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION initiative_search_vector_touch_linked();
CREATE TRIGGER search_vector_touch_delete AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION initiative_search_vector_touch_linked();
"""
    for table in LINK_TABLES
)

UNTOUCH_LINKED = (
    "".join(
        f"""
DROP TRIGGER search_vector_touch_insert ON {table};
DROP TRIGGER search_vector_touch_update ON {table};
DROP TRIGGER search_vector_touch_delete ON {table};
"""
        for table in LINK_TABLES
    )
    + """
DROP TRIGGER place_search_vector_touch ON initiatives_place;
DROP TRIGGER targetpublic_search_vector_touch ON initiatives_targetpublic;
DROP TRIGGER theme_search_vector_touch ON initiatives_theme;
DROP FUNCTION initiative_search_vector_touch_linked();
CREATE TRIGGER partnership_search_vector_touch
    AFTER INSERT OR UPDATE OR DELETE ON initiatives_partnership
    FOR EACH ROW EXECUTE FUNCTION initiative_search_vector_touch();
CREATE OR REPLACE FUNCTION initiative_search_vector_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'initiatives_partnership' THEN
        UPDATE initiatives_initiative SET search_vector = NULL
        WHERE id IN (
            SELECT initiative_id FROM (SELECT (NEW).initiative_id UNION SELECT (OLD).initiative_id) AS ids(initiative_id)
        );
    ELSE
        UPDATE initiatives_initiative SET search_vector = NULL
        WHERE id IN (SELECT initiative_id FROM initiatives_partnership WHERE organisation_id = NEW.id);
    END IF;
    RETURN NULL;
END
$$;
"""
)

RECOMPUTE = "UPDATE initiatives_initiative SET search_vector = NULL;"


class Migration(migrations.Migration):

    dependencies = [
        ('initiatives', '0020_english_names'),
    ]

    operations = [
        migrations.RunSQL(CONFIGURATIONS, DROP_CONFIGURATIONS),
        migrations.RunSQL(
            FUNCTIONS,
            "DROP FUNCTION search_communes_departments(tsquery, text);"
            + SEARCH_FUNCTIONS_0013(translations=True),
        ),
        migrations.RunSQL(TOUCH_LINKED, UNTOUCH_LINKED),
        migrations.RunSQL(RECOMPUTE, migrations.RunSQL.noop),
    ]
