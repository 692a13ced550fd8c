"""The staff roles, as groups: « Éditeurs » keep the catalogue's entries current, « Administrateurs »
also delete any entry and manage accounts. Listed here in full, as they were decided then."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORS = "Éditeurs"
ADMINISTRATORS = "Administrateurs"

# Editors add, change and view the catalogue; they delete only the rows an initiative's page
# edits inline (contacts, results, partnerships, citations), never pilots, partners, themes,
# sources or initiatives (unpublishing hides one), and never touch accounts.
EDITOR_PERMISSIONS = [
    *(
        f"{action}_{model}"
        for model in (
            "initiative",
            "contact",
            "result",
            "partnership",
            "citation",
            "pilot",
            "partner",
            "theme",
            "targetpublic",
            "acronym",
        )
        for action in ("add", "change", "view")
    ),
    "view_source",
    *(f"delete_{model}" for model in ("contact", "result", "partnership", "citation")),
]


def create_groups(apps, schema_editor):
    # Permissions are created after all migrations have run: create them now to use them.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    catalogue = Permission.objects.filter(content_type__app_label="initiatives")

    editors, _ = Group.objects.get_or_create(name=EDITORS)
    editors.permissions.set(catalogue.filter(codename__in=EDITOR_PERMISSIONS))

    administrators, _ = Group.objects.get_or_create(name=ADMINISTRATORS)
    administrators.permissions.set(
        Permission.objects.filter(content_type__app_label__in=["initiatives", "auth"])
    )


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[EDITORS, ADMINISTRATORS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("initiatives", "0005_history_and_version"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
