"""One Organisation model, step 2 of 3: the triggers read organisations, and the rows move over.

Pilots and partners with the same slug become one organisation (the pilot's fields first, the
other's where the pilot's are empty; two different descriptions are both kept), each initiative's
pilot becomes a partnership with the role « lead », partnerships and history point to the
organisations. Undone, organisations that lead become pilots, the others partners (an initiative's
first lead is its pilot, its other leads plain partners)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# An initiative's search vector: title (A) > aim (B) > description (C) > its organisations, leads
# first then partners, names and acronyms (D), as 0003 did with the pilot and partners.
ORGANISATION_NAMES = """
    (SELECT string_agg(concat_ws(' ', organisation.name, organisation.acronym), ' '
                       ORDER BY link.role <> 'lead', link.position, organisation.name)
     FROM initiatives_partnership AS link
     JOIN initiatives_organisation AS organisation ON organisation.id = link.organisation_id
     WHERE link.initiative_id = {initiative}.id)
"""

TRIGGERS = f"""
CREATE OR REPLACE FUNCTION initiative_search_vector(initiative initiatives_initiative)
RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT
        setweight(to_tsvector('french_unaccent', coalesce(initiative.title, '')), 'A')
        || setweight(to_tsvector('french_unaccent', coalesce(initiative.aim, '')), 'B')
        || setweight(to_tsvector('french_unaccent', coalesce(initiative.description, '')), 'C')
        || setweight(to_tsvector('french_unaccent', coalesce({ORGANISATION_NAMES.format(initiative="initiative")}, '')), 'D')
$$;

CREATE OR REPLACE FUNCTION initiative_search_vector_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := initiative_search_vector(NEW);
    INSERT INTO initiatives_searchword (word)
    SELECT DISTINCT unaccent(lexeme)
    FROM unnest(tsvector_to_array(to_tsvector('simple', concat_ws(' ',
        NEW.title, NEW.aim, NEW.description, {ORGANISATION_NAMES.format(initiative="NEW")}
    )))) AS lexeme
    WHERE char_length(lexeme) BETWEEN 3 AND 100 AND lexeme ~ '^[[:alpha:]]'
    ON CONFLICT (word) DO NOTHING;
    RETURN NEW;
END
$$;

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

DROP TRIGGER pilot_search_vector_touch ON initiatives_pilot;
DROP TRIGGER partner_search_vector_touch ON initiatives_partner;
CREATE TRIGGER organisation_search_vector_touch
    AFTER UPDATE OF name, acronym ON initiatives_organisation
    FOR EACH ROW EXECUTE FUNCTION initiative_search_vector_touch();

-- The catalogue's revision (0008): organisations instead of pilots and partners.
DROP TRIGGER catalogue_revision ON initiatives_pilot;
DROP TRIGGER catalogue_revision ON initiatives_partner;
CREATE TRIGGER catalogue_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON initiatives_organisation
FOR EACH STATEMENT EXECUTE FUNCTION initiatives_new_catalogue_revision();
"""

# The functions and triggers of 0003, 0004 and 0008 as they were.
REVERSE_TRIGGERS = """
DROP TRIGGER catalogue_revision ON initiatives_organisation;
CREATE TRIGGER catalogue_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON initiatives_pilot
FOR EACH STATEMENT EXECUTE FUNCTION initiatives_new_catalogue_revision();
CREATE TRIGGER catalogue_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON initiatives_partner
FOR EACH STATEMENT EXECUTE FUNCTION initiatives_new_catalogue_revision();

DROP TRIGGER organisation_search_vector_touch ON initiatives_organisation;
CREATE TRIGGER pilot_search_vector_touch
    AFTER UPDATE OF name, acronym ON initiatives_pilot
    FOR EACH ROW EXECUTE FUNCTION initiative_search_vector_touch();
CREATE TRIGGER partner_search_vector_touch
    AFTER UPDATE OF name, acronym ON initiatives_partner
    FOR EACH ROW EXECUTE FUNCTION initiative_search_vector_touch();

CREATE OR REPLACE FUNCTION initiative_search_vector_touch() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE OR REPLACE FUNCTION initiative_search_vector_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := initiative_search_vector(NEW);
    INSERT INTO initiatives_searchword (word)
    SELECT DISTINCT unaccent(lexeme)
    FROM unnest(tsvector_to_array(to_tsvector('simple', concat_ws(' ',
        NEW.title, NEW.aim, NEW.description,
        (SELECT concat_ws(' ', name, acronym) FROM initiatives_pilot WHERE id = NEW.pilot_id),
        (SELECT string_agg(concat_ws(' ', partner.name, partner.acronym), ' ')
         FROM initiatives_partnership AS link
         JOIN initiatives_partner AS partner ON partner.id = link.partner_id
         WHERE link.initiative_id = NEW.id)
    )))) AS lexeme
    WHERE char_length(lexeme) BETWEEN 3 AND 100 AND lexeme ~ '^[[:alpha:]]'
    ON CONFLICT (word) DO NOTHING;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION initiative_search_vector(initiative initiatives_initiative)
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

UPDATE initiatives_initiative SET search_vector = NULL;
"""

FIELDS = "slug, name, acronym, kind, description, website, address, city, country"
HISTORY_FIELDS = (
    "name, acronym, kind, description, website, address, city, country, "
    "history_date, history_change_reason, history_type, history_user_id"
)

ROWS = f"""
-- One organisation per slug: the pilot's fields, else the partner's; both descriptions when
-- they differ.
INSERT INTO initiatives_organisation ({FIELDS})
SELECT coalesce(pilot.slug, partner.slug),
       coalesce(pilot.name, partner.name),
       coalesce(nullif(pilot.acronym, ''), partner.acronym, ''),
       CASE WHEN pilot.kind IS NULL OR pilot.kind = 'other' THEN coalesce(partner.kind, pilot.kind)
            ELSE pilot.kind END,
       CASE WHEN coalesce(pilot.description, '') = '' THEN coalesce(partner.description, '')
            WHEN coalesce(partner.description, '') IN ('', pilot.description) THEN pilot.description
            ELSE pilot.description || E'\\n\\n' || partner.description END,
       coalesce(nullif(pilot.website, ''), partner.website, ''),
       coalesce(nullif(pilot.address, ''), partner.address, ''),
       coalesce(nullif(pilot.city, ''), partner.city, ''),
       coalesce(pilot.country, partner.country)
FROM initiatives_pilot AS pilot
FULL JOIN initiatives_partner AS partner ON partner.slug = pilot.slug;

UPDATE initiatives_partnership AS link SET organisation_id = organisation.id
FROM initiatives_partner AS partner
JOIN initiatives_organisation AS organisation ON organisation.slug = partner.slug
WHERE partner.id = link.partner_id;

INSERT INTO initiatives_partnership (initiative_id, organisation_id, role, level, note, position)
SELECT initiative.id, organisation.id, 'lead', '', '', 0
FROM initiatives_initiative AS initiative
JOIN initiatives_pilot AS pilot ON pilot.id = initiative.pilot_id
JOIN initiatives_organisation AS organisation ON organisation.slug = pilot.slug;

-- History: the pilots' and partners' records become the organisation's, under its id; the
-- partnerships' records point to the organisation.
INSERT INTO initiatives_historicalorganisation (id, slug, {HISTORY_FIELDS})
SELECT organisation.id, organisation.slug, {", ".join(f"record.{field}" for field in HISTORY_FIELDS.split(", "))}
FROM (
    SELECT 'pilot' AS kind_of, id, slug, history_id, {HISTORY_FIELDS}
    FROM initiatives_historicalpilot
    UNION ALL
    SELECT 'partner', id, slug, history_id, {HISTORY_FIELDS} FROM initiatives_historicalpartner
) AS record
LEFT JOIN initiatives_pilot AS pilot ON record.kind_of = 'pilot' AND pilot.id = record.id
LEFT JOIN initiatives_partner AS partner ON record.kind_of = 'partner' AND partner.id = record.id
JOIN initiatives_organisation AS organisation
    ON organisation.slug = coalesce(pilot.slug, partner.slug, record.slug)
ORDER BY record.history_date, record.history_id;

UPDATE initiatives_historicalpartnership AS record SET organisation_id = organisation.id
FROM initiatives_partner AS partner
JOIN initiatives_organisation AS organisation ON organisation.slug = partner.slug
WHERE partner.id = record.partner_id;

UPDATE initiatives_initiative SET search_vector = NULL;
SET CONSTRAINTS ALL IMMEDIATE;
"""

LEADS = "SELECT organisation_id FROM initiatives_partnership WHERE role = 'lead'"

REVERSE_ROWS = f"""
-- An initiative's leads after its first become plain partners.
UPDATE initiatives_partnership SET role = 'partner'
WHERE role = 'lead' AND id NOT IN (
    SELECT DISTINCT ON (initiative_id) id FROM initiatives_partnership
    WHERE role = 'lead' ORDER BY initiative_id, position, id
);

INSERT INTO initiatives_pilot ({FIELDS})
SELECT {FIELDS} FROM initiatives_organisation WHERE id IN ({LEADS});
INSERT INTO initiatives_partner ({FIELDS})
SELECT {FIELDS} FROM initiatives_organisation
WHERE id NOT IN ({LEADS})
   OR id IN (SELECT organisation_id FROM initiatives_partnership WHERE role <> 'lead');

UPDATE initiatives_initiative AS initiative SET pilot_id = pilot.id
FROM initiatives_partnership AS link
JOIN initiatives_organisation AS organisation ON organisation.id = link.organisation_id
JOIN initiatives_pilot AS pilot ON pilot.slug = organisation.slug
WHERE link.initiative_id = initiative.id AND link.role = 'lead';

UPDATE initiatives_partnership AS link SET partner_id = partner.id
FROM initiatives_organisation AS organisation
JOIN initiatives_partner AS partner ON partner.slug = organisation.slug
WHERE organisation.id = link.organisation_id AND link.role <> 'lead';

DELETE FROM initiatives_partnership WHERE role = 'lead';

INSERT INTO initiatives_historicalpilot (id, slug, {HISTORY_FIELDS})
SELECT pilot.id, record.slug, {", ".join(f"record.{field}" for field in HISTORY_FIELDS.split(", "))}
FROM initiatives_historicalorganisation AS record
JOIN initiatives_organisation AS organisation ON organisation.id = record.id
JOIN initiatives_pilot AS pilot ON pilot.slug = organisation.slug
ORDER BY record.history_date, record.history_id;
INSERT INTO initiatives_historicalpartner (id, slug, {HISTORY_FIELDS})
SELECT partner.id, record.slug, {", ".join(f"record.{field}" for field in HISTORY_FIELDS.split(", "))}
FROM initiatives_historicalorganisation AS record
JOIN initiatives_organisation AS organisation ON organisation.id = record.id
JOIN initiatives_partner AS partner ON partner.slug = organisation.slug
ORDER BY record.history_date, record.history_id;

UPDATE initiatives_historicalpartnership AS record SET partner_id = partner.id
FROM initiatives_organisation AS organisation
JOIN initiatives_partner AS partner ON partner.slug = organisation.slug
WHERE organisation.id = record.organisation_id;

DELETE FROM initiatives_historicalorganisation;
UPDATE initiatives_partnership SET organisation_id = NULL;
DELETE FROM initiatives_organisation;

SET CONSTRAINTS ALL IMMEDIATE;
"""

# The staff groups of 0006: editors add, change and view organisations as they did pilots and
# partners, without deleting them; administrators may do everything with them and their history.
EDITORS = "Éditeurs"
ADMINISTRATORS = "Administrateurs"
ACTIONS = ("add", "change", "view")


def permissions(apps, models, actions):
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(
        content_type__app_label="initiatives",
        codename__in=[f"{action}_{model}" for model in models for action in actions],
    )


def grant(apps, old_models, new_models):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for editors in Group.objects.filter(name=EDITORS):
        editors.permissions.remove(*permissions(apps, old_models, ACTIONS))
        editors.permissions.add(*permissions(apps, new_models, ACTIONS))
    every_action = ACTIONS + ("delete",)
    for administrators in Group.objects.filter(name=ADMINISTRATORS):
        for models in (old_models, [f"historical{model}" for model in old_models]):
            administrators.permissions.remove(*permissions(apps, models, every_action))
        for models in (new_models, [f"historical{model}" for model in new_models]):
            administrators.permissions.add(*permissions(apps, models, every_action))


def grant_organisations(apps, schema_editor):
    grant(apps, ("pilot", "partner"), ("organisation",))


def grant_pilots_and_partners(apps, schema_editor):
    grant(apps, ("organisation",), ("pilot", "partner"))


class Migration(migrations.Migration):

    dependencies = [
        ('initiatives', '0010_organisation'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.RunSQL(TRIGGERS, REVERSE_TRIGGERS),
        migrations.RunSQL(ROWS, REVERSE_ROWS),
        migrations.RunPython(grant_organisations, grant_pilots_and_partners),
    ]
