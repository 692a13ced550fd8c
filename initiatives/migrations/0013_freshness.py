"""Freshness and translations: the date a person last verified an initiative, apart from the
row's modification time (empty for every row carried over: none was verified), and the
catalogue's French translations of texts in another language, searched in French as the texts
are (weights B and C, like the aim and description they translate)."""

from importlib import import_module

from django.db import migrations, models

# An initiative's organisations, as the search vector reads them since 0011.
ORGANISATION_NAMES = import_module("initiatives.migrations.0011_organisation_rows").ORGANISATION_NAMES


def search_functions(translations: bool) -> str:
    """The search vector's function and trigger of 0011, with the translations if asked."""
    aim = "concat_ws(' ', initiative.aim, initiative.aim_translation)" if translations else "initiative.aim"
    description = (
        "concat_ws(' ', initiative.description, initiative.description_translation)"
        if translations
        else "initiative.description"
    )
    words = (
        "NEW.aim_translation, NEW.description_translation,"
        if translations
        else ""
    )
    return f"""
CREATE OR REPLACE FUNCTION initiative_search_vector(initiative initiatives_initiative)
RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT
        setweight(to_tsvector('french_unaccent', coalesce(initiative.title, '')), 'A')
        || setweight(to_tsvector('french_unaccent', coalesce({aim}, '')), 'B')
        || setweight(to_tsvector('french_unaccent', coalesce({description}, '')), 'C')
        || setweight(to_tsvector('french_unaccent', coalesce({ORGANISATION_NAMES.format(initiative="initiative")}, '')), 'D')
$$;

CREATE OR REPLACE FUNCTION initiative_search_vector_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := initiative_search_vector(NEW);
    INSERT INTO initiatives_searchword (word)
    SELECT DISTINCT unaccent(lexeme)
    FROM unnest(tsvector_to_array(to_tsvector('simple', concat_ws(' ',
        NEW.title, NEW.aim, NEW.description, {words} {ORGANISATION_NAMES.format(initiative="NEW")}
    )))) AS lexeme
    WHERE char_length(lexeme) BETWEEN 3 AND 100 AND lexeme ~ '^[[:alpha:]]'
    ON CONFLICT (word) DO NOTHING;
    RETURN NEW;
END
$$;

UPDATE initiatives_initiative SET search_vector = NULL;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('initiatives', '0012_remove_pilot_and_partner'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalinitiative',
            name='aim_translation',
            field=models.TextField(blank=True, help_text="Traduction française du catalogue, quand l'objectif n'est pas en français.", verbose_name='objectif traduit'),
        ),
        migrations.AddField(
            model_name='historicalinitiative',
            name='description_translation',
            field=models.TextField(blank=True, help_text="Traduction française du catalogue, quand la description n'est pas en français.", verbose_name='description traduite'),
        ),
        migrations.AddField(
            model_name='historicalinitiative',
            name='funding_translation',
            field=models.TextField(blank=True, help_text="Traduction française du catalogue, quand le financement n'est pas en français.", verbose_name='financement traduit'),
        ),
        migrations.AddField(
            model_name='historicalinitiative',
            name='verified_on',
            field=models.DateField(blank=True, help_text='Dernière date à laquelle une personne a vérifié la fiche. Vide : jamais vérifiée depuis la source.', null=True, verbose_name='vérifiée le'),
        ),
        migrations.AddField(
            model_name='initiative',
            name='aim_translation',
            field=models.TextField(blank=True, help_text="Traduction française du catalogue, quand l'objectif n'est pas en français.", verbose_name='objectif traduit'),
        ),
        migrations.AddField(
            model_name='initiative',
            name='description_translation',
            field=models.TextField(blank=True, help_text="Traduction française du catalogue, quand la description n'est pas en français.", verbose_name='description traduite'),
        ),
        migrations.AddField(
            model_name='initiative',
            name='funding_translation',
            field=models.TextField(blank=True, help_text="Traduction française du catalogue, quand le financement n'est pas en français.", verbose_name='financement traduit'),
        ),
        migrations.AddField(
            model_name='initiative',
            name='verified_on',
            field=models.DateField(blank=True, help_text='Dernière date à laquelle une personne a vérifié la fiche. Vide : jamais vérifiée depuis la source.', null=True, verbose_name='vérifiée le'),
        ),
        migrations.AlterField(
            model_name='historicalinitiative',
            name='updated_at',
            field=models.DateTimeField(blank=True, editable=False, verbose_name='modifiée le'),
        ),
        migrations.AlterField(
            model_name='initiative',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, verbose_name='modifiée le'),
        ),
        migrations.AddConstraint(
            model_name='initiative',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('language', 'fr'), _negated=True), models.Q(('aim_translation', ''), ('description_translation', ''), ('funding_translation', '')), _connector='OR'), name='initiative_translation_of_other_language', violation_error_message="Un texte d'origine en français n'a pas de traduction : changez la langue de la source ou videz les traductions."),
        ),
        migrations.RunSQL(search_functions(translations=True), search_functions(translations=False)),
    ]
