"""Distances between places in PostgreSQL: `earthdistance` (and the `cube` it is built on),
contrib extensions shipped with PostgreSQL, for the `near` ordering of the lists."""

from django.contrib.postgres.operations import CreateExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("initiatives", "0021_search_everything")]

    operations = [CreateExtension("cube"), CreateExtension("earthdistance")]
