"""English names: themes' and publics' (shown on English pages), and countries' (from
django-countries), searched like their French names (migration 0021)."""

from django.db import migrations, models
from django.utils import translation
from django_countries import countries


def name_countries_in_english(apps, schema_editor):
    Place = apps.get_model("initiatives", "Place")
    with translation.override("en"):
        for code in Place.objects.filter(kind="country").values_list("code", flat=True):
            Place.objects.filter(kind="country", code=code).update(name_en=countries.name(code))


class Migration(migrations.Migration):

    dependencies = [
        ('initiatives', '0019_place_permissions'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicaltargetpublic',
            name='name_en',
            field=models.CharField(blank=True, db_default='', default='', help_text='Montré sur les pages en anglais, et cherché comme le nom français.', max_length=200, verbose_name='nom en anglais'),
        ),
        migrations.AddField(
            model_name='historicaltheme',
            name='name_en',
            field=models.CharField(blank=True, db_default='', default='', help_text='Montré sur les pages en anglais, et cherché comme le nom français.', max_length=200, verbose_name='nom en anglais'),
        ),
        migrations.AddField(
            model_name='place',
            name='name_en',
            field=models.CharField(blank=True, db_default='', default='', help_text='Pour un pays, son nom en anglais, cherché comme le nom français.', max_length=200, verbose_name='nom en anglais'),
        ),
        migrations.AddField(
            model_name='targetpublic',
            name='name_en',
            field=models.CharField(blank=True, db_default='', default='', help_text='Montré sur les pages en anglais, et cherché comme le nom français.', max_length=200, verbose_name='nom en anglais'),
        ),
        migrations.AddField(
            model_name='theme',
            name='name_en',
            field=models.CharField(blank=True, db_default='', default='', help_text='Montré sur les pages en anglais, et cherché comme le nom français.', max_length=200, verbose_name='nom en anglais'),
        ),
        migrations.RunPython(name_countries_in_english, migrations.RunPython.noop),
    ]
