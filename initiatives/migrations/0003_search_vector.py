import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations

# Full-text search in French, accent-insensitive. unaccent() itself is not IMMUTABLE, but a text
# search configuration that uses the unaccent dictionary is (PostgreSQL's documented recipe).
CONFIGURATION = """
CREATE TEXT SEARCH CONFIGURATION french_unaccent (COPY = french);
ALTER TEXT SEARCH CONFIGURATION french_unaccent
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
"""

# An initiative's search vector: title (A) > aim (B) > description (C) > pilot and partners (D).
# Triggers keep it current whenever the initiative, its partnerships, its pilot or its partners
# change, whoever writes (the admin, loaddata, a script).
TRIGGERS = """
CREATE FUNCTION initiative_search_vector(initiative initiatives_initiative)
RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT
        setweight(to_tsvector('french_unaccent', coalesce(initiative.title, '')), 'A')
        || setweight(to_tsvector('french_unaccent', coalesce(initiative.aim, '')), 'B')
        || setweight(to_tsvector('french_unaccent', coalesce(initiative.description, '')), 'C')
        || setweight(to_tsvector('french_unaccent', concat_ws(' ',
            (SELECT concat_ws(' ', name, acronym) FROM initiatives_pilot
             WHERE id = initiative.pilot_id),
            (SELECT string_agg(concat_ws(' ', partner.name, partner.acronym), ' '
                                ORDER BY link.position, partner.name)
             FROM initiatives_partnership AS link
             JOIN initiatives_partner AS partner ON partner.id = link.partner_id
             WHERE link.initiative_id = initiative.id)
        )), 'D')
$$;

CREATE FUNCTION initiative_search_vector_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := initiative_search_vector(NEW);
    RETURN NEW;
END
$$;

CREATE TRIGGER initiative_search_vector_update
    BEFORE INSERT OR UPDATE ON initiatives_initiative
    FOR EACH ROW EXECUTE FUNCTION initiative_search_vector_trigger();

-- A change elsewhere touches the initiatives concerned, whose own trigger recomputes the vector.
CREATE FUNCTION initiative_search_vector_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'initiatives_partnership' THEN
        UPDATE initiatives_initiative SET search_vector = NULL
        WHERE id IN (
            SELECT initiative_id FROM (SELECT (NEW).initiative_id UNION SELECT (OLD).initiative_id) AS ids(initiative_id)
        );
    ELSIF TG_TABLE_NAME = 'initiatives_pilot' THEN
        UPDATE initiatives_initiative SET search_vector = NULL WHERE pilot_id = NEW.id;
    ELSE
        UPDATE initiatives_initiative SET search_vector = NULL
        WHERE id IN (SELECT initiative_id FROM initiatives_partnership WHERE partner_id = NEW.id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER partnership_search_vector_touch
    AFTER INSERT OR UPDATE OR DELETE ON initiatives_partnership
    FOR EACH ROW EXECUTE FUNCTION initiative_search_vector_touch();
CREATE TRIGGER pilot_search_vector_touch
    AFTER UPDATE OF name, acronym ON initiatives_pilot
    FOR EACH ROW EXECUTE FUNCTION initiative_search_vector_touch();
CREATE TRIGGER partner_search_vector_touch
    AFTER UPDATE OF name, acronym ON initiatives_partner
    FOR EACH ROW EXECUTE FUNCTION initiative_search_vector_touch();

UPDATE initiatives_initiative SET search_vector = NULL;
"""

REVERSE_TRIGGERS = """
DROP TRIGGER partner_search_vector_touch ON initiatives_partner;
DROP TRIGGER pilot_search_vector_touch ON initiatives_pilot;
DROP TRIGGER partnership_search_vector_touch ON initiatives_partnership;
DROP FUNCTION initiative_search_vector_touch();
DROP TRIGGER initiative_search_vector_update ON initiatives_initiative;
DROP FUNCTION initiative_search_vector_trigger();
DROP FUNCTION initiative_search_vector(initiatives_initiative);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0002_main_theme_among_themes"),
    ]

    operations = [
        migrations.RunSQL(
            CONFIGURATION, reverse_sql="DROP TEXT SEARCH CONFIGURATION french_unaccent"
        ),
        migrations.AddField(
            model_name="initiative",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="initiative",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_vector"], name="initiative_search_vector"
            ),
        ),
        migrations.RunSQL(TRIGGERS, reverse_sql=REVERSE_TRIGGERS),
    ]
