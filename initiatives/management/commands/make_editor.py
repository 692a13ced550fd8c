import os
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from initiatives.roles import ADMINISTRATORS, EDITORS

PASSWORD_VARIABLE = "DJANGO_EDITOR_PASSWORD"


class Command(BaseCommand):
    help = (
        "Fait d'un compte un éditeur du catalogue (membre de l'équipe, groupe « Éditeurs »), "
        "ou un administrateur avec --admin. Avec --create, crée le compte ; son mot de passe "
        f"est lu dans la variable d'environnement {PASSWORD_VARIABLE}, sinon à définir avec "
        "changepassword."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--create", action="store_true", help="Créer le compte s'il manque.")
        parser.add_argument("--email", default="", help="Courriel du compte créé.")
        parser.add_argument(
            "--admin",
            action="store_true",
            help="Groupe « Administrateurs » (comptes, suppressions) au lieu de « Éditeurs ».",
        )

    @transaction.atomic
    def handle(
        self,
        username: str,
        create: bool = False,
        email: str = "",
        admin: bool = False,
        **options: Any,
    ) -> None:
        User = get_user_model()
        try:
            user = User.objects.get_by_natural_key(username)
        except User.DoesNotExist:
            if not create:
                raise CommandError(
                    f"Aucun compte « {username} » : ajoutez --create pour le créer."
                ) from None
            user = User(username=username, email=email)
            password = os.environ.get(PASSWORD_VARIABLE)
            if password:
                try:
                    validate_password(password, user)
                except ValidationError as error:
                    raise CommandError(" ".join(error.messages)) from None
                user.set_password(password)
            else:
                user.set_unusable_password()
            created = True
        else:
            created = False
        user.is_staff = True
        user.save()
        role, other = (ADMINISTRATORS, EDITORS) if admin else (EDITORS, ADMINISTRATORS)
        try:
            user.groups.add(Group.objects.get(name=role))
        except Group.DoesNotExist:
            raise CommandError(f"Le groupe « {role} » manque : lancez migrate.") from None
        user.groups.remove(*Group.objects.filter(name=other))
        self.stdout.write(
            f"{'Compte créé' if created else 'Compte'} « {username} » : groupe « {role} »."
        )
        if created and not user.has_usable_password():
            self.stdout.write(
                f"Définissez son mot de passe : python manage.py changepassword {username}"
            )
