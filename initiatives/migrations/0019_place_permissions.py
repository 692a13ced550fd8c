"""The staff groups of 0006 and their places: editors set where an initiative acts (its place
links) and read the reference, which no one edits in the admin; administrators may also read
and remove the place links' history."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "Éditeurs"
ADMINISTRATORS = "Administrateurs"
EDITOR_PERMISSIONS = [
    "add_initiativeplace",
    "change_initiativeplace",
    "delete_initiativeplace",
    "view_initiativeplace",
    "view_place",
]
ADMINISTRATOR_PERMISSIONS = EDITOR_PERMISSIONS + [
    "view_historicalinitiativeplace",
    "delete_historicalinitiativeplace",
]


def permissions(apps, codenames):
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(content_type__app_label="initiatives", codename__in=codenames)


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name=EDITORS):
        group.permissions.add(*permissions(apps, EDITOR_PERMISSIONS))
    for group in Group.objects.filter(name=ADMINISTRATORS):
        group.permissions.add(*permissions(apps, ADMINISTRATOR_PERMISSIONS))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=[EDITORS, ADMINISTRATORS]):
        group.permissions.remove(*permissions(apps, ADMINISTRATOR_PERMISSIONS))


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0018_place_name_words"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
