"""One Organisation model for pilots and partners, step 1 of 3: the new table and the columns
that will hold its links, next to the old ones (0011 copies the rows, 0012 removes the old)."""

import django.core.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

ORGANISATION_KINDS = [('association', 'association'), ('state-service', "service de l'État"), ('local-authority', 'collectivité territoriale'), ('public-body', 'établissement ou organisme public'), ('foundation', 'fondation ou fonds de dotation'), ('company', 'entreprise'), ('international', 'organisation internationale'), ('network', 'réseau ou collectif'), ('other', 'autre')]
ROLES = [('lead', 'pilote'), ('financial', 'financier'), ('operational', 'opérationnel'), ('institutional', 'institutionnel'), ('steering', 'comité de pilotage'), ('prescriber', 'prescripteur'), ('partner', 'partenaire')]


def organisation_fields():
    return [
        ('slug', models.SlugField(max_length=120, unique=True, verbose_name='slug')),
        ('name', models.CharField(max_length=300, verbose_name='nom')),
        ('acronym', models.CharField(blank=True, max_length=60, verbose_name='sigle')),
        ('kind', models.CharField(choices=ORGANISATION_KINDS, default='other', max_length=20, verbose_name='type')),
        ('description', models.TextField(blank=True, verbose_name='description')),
        ('website', models.URLField(blank=True, max_length=300, verbose_name='site web')),
        ('address', models.TextField(blank=True, verbose_name='adresse')),
        ('city', models.CharField(blank=True, max_length=120, verbose_name='ville')),
        ('country', models.CharField(default='FR', max_length=2, validators=[django.core.validators.RegexValidator('^[A-Z]{2}$', 'Saisissez un code pays ISO 3166 alpha-2 en majuscules (FR, BE, NL…).')], verbose_name='pays')),
    ]


class Migration(migrations.Migration):

    dependencies = [
        ('initiatives', '0009_list_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Organisation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                *organisation_fields(),
            ],
            options={
                'verbose_name': 'organisation',
                'verbose_name_plural': 'organisations',
                'ordering': ['name'],
                'constraints': [
                    models.CheckConstraint(condition=models.Q(('name', ''), _negated=True), name='organisation_name_not_empty'),
                    models.CheckConstraint(condition=models.Q(('slug', ''), _negated=True), name='organisation_slug_not_empty'),
                    models.CheckConstraint(condition=models.Q(('country__regex', '^[A-Z]{2}$')), name='organisation_country_iso'),
                ],
            },
        ),
        migrations.CreateModel(
            name='HistoricalOrganisation',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                *[
                    (name, models.SlugField(max_length=120, verbose_name='slug') if name == 'slug' else field)
                    for name, field in organisation_fields()
                ],
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical organisation',
                'verbose_name_plural': 'historical organisations',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        # The old links may be empty from now on: a lead has no partner, and undoing 0012 adds
        # the pilot back before 0011 undone fills it.
        migrations.AlterField(
            model_name='initiative',
            name='pilot',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='initiatives', to='initiatives.pilot', verbose_name='pilote'),
        ),
        migrations.AlterField(
            model_name='partnership',
            name='partner',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='partnerships', to='initiatives.partner', verbose_name='partenaire'),
        ),
        migrations.AddField(
            model_name='partnership',
            name='organisation',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='partnerships', to='initiatives.organisation', verbose_name='organisation'),
        ),
        migrations.AddField(
            model_name='historicalpartnership',
            name='organisation',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='initiatives.organisation', verbose_name='organisation'),
        ),
        migrations.RemoveConstraint(
            model_name='partnership',
            name='partnership_unique_role',
        ),
        migrations.RemoveConstraint(
            model_name='partnership',
            name='partnership_role_valid',
        ),
        migrations.AlterField(
            model_name='historicalpartnership',
            name='role',
            field=models.CharField(choices=ROLES, default='partner', max_length=20, verbose_name='rôle'),
        ),
        migrations.AlterField(
            model_name='partnership',
            name='role',
            field=models.CharField(choices=ROLES, default='partner', max_length=20, verbose_name='rôle'),
        ),
        migrations.AddConstraint(
            model_name='partnership',
            constraint=models.CheckConstraint(condition=models.Q(('role__in', ['lead', 'financial', 'operational', 'institutional', 'steering', 'prescriber', 'partner'])), name='partnership_role_valid'),
        ),
    ]
