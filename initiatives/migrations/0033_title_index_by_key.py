"""The published initiatives' title index is ordered by title, then key: the order of a list by
title and of every initiative by title (initiatives.ranking.by_title) is read from the index
alone, without sorting again the initiatives of a same title."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0032_title_index_with_keys"),
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
                fields=["title", "id"],
                include=("slug",),
                name="initiative_published_title",
            ),
        ),
    ]
