from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0001_initial"),
    ]

    operations = [
        # An initiative's main theme must be one of its themes. Django has no composite foreign
        # key, so this one is written in SQL; deferred, so that an initiative and its themes can
        # be saved in either order within one transaction.
        migrations.RunSQL(
            sql="""
                ALTER TABLE initiatives_initiative
                ADD CONSTRAINT initiative_main_theme_among_themes
                FOREIGN KEY (id, main_theme_id)
                REFERENCES initiatives_initiative_themes (initiative_id, theme_id)
                DEFERRABLE INITIALLY DEFERRED
            """,
            reverse_sql="""
                ALTER TABLE initiatives_initiative
                DROP CONSTRAINT initiative_main_theme_among_themes
            """,
        ),
    ]
