"""The catalogue's changes, numbered in commit order, so that the filters' bitmaps
(initiatives.bitmaps) read again only the initiatives changed since they were read.

After each statement writing to initiatives or to their links the filters read, triggers write
the initiatives touched to initiatives_cataloguechange; after a change to the keys or names the
filters show (a slug, an organisation's name, a place's codes), a row with no initiative: read
everything again. Their triggers are named to fire after `catalogue_revision` (triggers fire in
the order of their names), whose update of the revision's one row holds its lock until the
transaction ends: changes are numbered in the order they are committed. The latest 100,000
are kept.
"""

import django.db.models.functions.datetime
from django.db import migrations, models

# Each table whose rows say which initiatives a filter selects, with its initiative's column.
INITIATIVE_TABLES = {
    "initiatives_initiative": "id",
    "initiatives_initiative_themes": "initiative_id",
    "initiatives_initiative_publics": "initiative_id",
    "initiatives_citation": "initiative_id",
    "initiatives_initiativeplace": "initiative_id",
    "initiatives_partnership": "initiative_id",
}
# The rows the filters name, with the columns whose change means reading everything again.
NAMED_TABLES = {
    "initiatives_theme": "slug",
    "initiatives_targetpublic": "slug",
    "initiatives_source": "slug",
    "initiatives_organisation": "slug, name, acronym",
    "initiatives_place": "kind, code, name, country, region_code, department_code",
}

CHANGES = (
    """
CREATE OR REPLACE FUNCTION initiatives_log_catalogue_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_NARGS = 0 OR TG_OP = 'TRUNCATE' THEN
        INSERT INTO initiatives_cataloguechange (initiative_id) VALUES (NULL);
    ELSIF TG_OP = 'INSERT' THEN
        EXECUTE format(
            'INSERT INTO initiatives_cataloguechange (initiative_id) SELECT DISTINCT %I FROM new_rows',
            TG_ARGV[0]);
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format(
            'INSERT INTO initiatives_cataloguechange (initiative_id) SELECT DISTINCT %I FROM old_rows',
            TG_ARGV[0]);
    ELSE
        EXECUTE format(
            'INSERT INTO initiatives_cataloguechange (initiative_id) '
            'SELECT %1$I FROM new_rows UNION SELECT %1$I FROM old_rows',
            TG_ARGV[0]);
    END IF;
    -- The latest 100,000 changes are kept: a reader whose last is older reads everything.
    DELETE FROM initiatives_cataloguechange
    WHERE id <= (SELECT max(id) FROM initiatives_cataloguechange) - 100000;
    RETURN NULL;
END
$$;
"""
    + "".join(
        f"""
CREATE TRIGGER catalogue_revision_log_insert AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION initiatives_log_catalogue_change('{column}');
CREATE TRIGGER catalogue_revision_log_update AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION initiatives_log_catalogue_change('{column}');
CREATE TRIGGER catalogue_revision_log_delete AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION initiatives_log_catalogue_change('{column}');
CREATE TRIGGER catalogue_revision_log_truncate AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION initiatives_log_catalogue_change();
"""
        for table, column in INITIATIVE_TABLES.items()
    )
    + "".join(
        f"""
CREATE TRIGGER catalogue_revision_log_update AFTER UPDATE OF {columns} ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION initiatives_log_catalogue_change();
CREATE TRIGGER catalogue_revision_log_truncate AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION initiatives_log_catalogue_change();
"""
        for table, columns in NAMED_TABLES.items()
    )
)

NO_CHANGES = (
    "".join(
        f"""
DROP TRIGGER catalogue_revision_log_insert ON {table};
DROP TRIGGER catalogue_revision_log_update ON {table};
DROP TRIGGER catalogue_revision_log_delete ON {table};
DROP TRIGGER catalogue_revision_log_truncate ON {table};
"""
        for table in INITIATIVE_TABLES
    )
    + "".join(
        f"""
DROP TRIGGER catalogue_revision_log_update ON {table};
DROP TRIGGER catalogue_revision_log_truncate ON {table};
"""
        for table in NAMED_TABLES
    )
    + "DROP FUNCTION initiatives_log_catalogue_change();"
)


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0029_hardening_known_countries"),
    ]

    operations = [
        migrations.CreateModel(
            name="CatalogueChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("initiative_id", models.IntegerField(null=True, verbose_name="initiative")),
                (
                    "changed_at",
                    models.DateTimeField(
                        db_default=django.db.models.functions.datetime.Now(),
                        verbose_name="modifiée le",
                    ),
                ),
            ],
            options={
                "verbose_name": "changement du catalogue",
                "verbose_name_plural": "changements du catalogue",
                "default_permissions": (),
            },
        ),
        migrations.RunSQL(CHANGES, NO_CHANGES),
    ]
