"""The published initiatives' title index holds their key and slug as well: the first few
initiatives by title of a set of keys (the first of each place of a map, the GeoJSON of a list
known from its bitmaps) are read from the index alone, not from the initiatives' wide rows."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0031_search_communes_by_index"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="initiative",
            name="initiative_published_title",
        ),
        migrations.AddIndex(
            model_name="initiative",
            index=models.Index(
                condition=models.Q(("is_published", True)),
                fields=["title"],
                include=("id", "slug"),
                name="initiative_published_title",
            ),
        ),
    ]
