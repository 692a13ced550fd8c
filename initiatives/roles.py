"""The staff roles: groups created by migration 0006, which lists their permissions."""

EDITORS = "Éditeurs"
ADMINISTRATORS = "Administrateurs"
