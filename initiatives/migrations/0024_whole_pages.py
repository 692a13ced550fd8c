"""Whole pages are cached per catalogue revision: every table a public page shows moves the
revision, contacts and results included, and the revision records when it changed (the pages'
Last-Modified)."""

import django.db.models.functions.datetime
from django.db import migrations, models

PAGE_TABLES = ("initiatives_result", "initiatives_contact")

NEW_REVISION = """
CREATE OR REPLACE FUNCTION initiatives_new_catalogue_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO initiatives_cataloguerevision (id, key, changed_at)
    VALUES (1, gen_random_uuid(), statement_timestamp())
    ON CONFLICT (id) DO UPDATE SET key = EXCLUDED.key, changed_at = EXCLUDED.changed_at;
    RETURN NULL;
END
$$;
""" + "".join(
    f"""
CREATE TRIGGER catalogue_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION initiatives_new_catalogue_revision();
"""
    for table in PAGE_TABLES
)

FORMER_REVISION = "".join(
    f"DROP TRIGGER catalogue_revision ON {table};\n" for table in PAGE_TABLES
) + """
CREATE OR REPLACE FUNCTION initiatives_new_catalogue_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO initiatives_cataloguerevision (id, key) VALUES (1, gen_random_uuid())
    ON CONFLICT (id) DO UPDATE SET key = EXCLUDED.key;
    RETURN NULL;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0023_initiative_slug_not_a_page"),
    ]

    operations = [
        migrations.AddField(
            model_name="cataloguerevision",
            name="changed_at",
            field=models.DateTimeField(
                db_default=django.db.models.functions.datetime.Now(), verbose_name="modifiée le"
            ),
        ),
        migrations.RunSQL(NEW_REVISION, FORMER_REVISION),
    ]
