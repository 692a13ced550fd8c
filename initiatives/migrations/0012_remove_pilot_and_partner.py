"""One Organisation model, step 3 of 3: pilots and partners removed, their rows being
organisations now (0011); an initiative's organisations are read through its partnerships."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('initiatives', '0011_organisation_rows'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='initiative',
            name='initiative_published_facets',
        ),
        migrations.RemoveField(
            model_name='historicalinitiative',
            name='pilot',
        ),
        migrations.RemoveField(
            model_name='initiative',
            name='pilot',
        ),
        migrations.RemoveField(
            model_name='initiative',
            name='partners',
        ),
        migrations.RemoveField(
            model_name='historicalpartnership',
            name='partner',
        ),
        migrations.RemoveField(
            model_name='partnership',
            name='partner',
        ),
        migrations.AlterField(
            model_name='partnership',
            name='organisation',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='partnerships', to='initiatives.organisation', verbose_name='organisation'),
        ),
        migrations.AlterModelOptions(
            name='partnership',
            options={'ordering': ['initiative', 'position', 'organisation__name'], 'verbose_name': 'partenariat', 'verbose_name_plural': 'partenariats'},
        ),
        migrations.AddConstraint(
            model_name='partnership',
            constraint=models.UniqueConstraint(fields=('initiative', 'organisation', 'role'), name='partnership_unique_role'),
        ),
        migrations.AddField(
            model_name='initiative',
            name='organisations',
            field=models.ManyToManyField(blank=True, related_name='initiatives', through='initiatives.Partnership', to='initiatives.organisation', verbose_name='organisations'),
        ),
        migrations.AddIndex(
            model_name='initiative',
            index=models.Index(condition=models.Q(('is_published', True)), fields=['id'], include=('country', 'region', 'status'), name='initiative_published_facets'),
        ),
        migrations.DeleteModel(
            name='HistoricalPartner',
        ),
        migrations.DeleteModel(
            name='HistoricalPilot',
        ),
        migrations.DeleteModel(
            name='Partner',
        ),
        migrations.DeleteModel(
            name='Pilot',
        ),
    ]
