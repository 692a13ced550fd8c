"""An initiative's row is kept whole, its texts and search vector in it rather than in the
table's TOAST table, up to the most a page holds (toast_tuple_target 8160 rather than 2032).

Ranking a search reads the search vector of each initiative it finds. Out of line (a vector is
about 2 KB, over the default target), each read was a lookup in the TOAST table's index, then a
read of its chunks: at 100,000 initiatives, ranking « logement » (61,000 matches) took 1.0 to
1.3 s, 0.4 s with the rows whole. The initiatives already written are rewritten whole at once
(VACUUM FULL: 15 seconds at 100,000, during which the table is locked)."""

from django.db import migrations

TABLE = "initiatives_initiative"
# Each statement apart (VACUUM cannot run in a transaction), without the site's time limit.
REWRITE = ["SET statement_timeout = 0", f"VACUUM FULL {TABLE}", "RESET statement_timeout"]


class Migration(migrations.Migration):
    # VACUUM cannot run in a transaction.
    atomic = False

    dependencies = [
        ("initiatives", "0033_title_index_by_key"),
    ]

    operations = [
        migrations.RunSQL(
            f"ALTER TABLE {TABLE} SET (toast_tuple_target = 8160)",
            reverse_sql=f"ALTER TABLE {TABLE} RESET (toast_tuple_target)",
        ),
        migrations.RunSQL(REWRITE, reverse_sql=REWRITE),
    ]
