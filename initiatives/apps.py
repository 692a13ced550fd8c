from django.apps import AppConfig
from django.db.backends.signals import connection_created


class InitiativesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "initiatives"

    def ready(self) -> None:
        from .caching import watch_writes

        connection_created.connect(watch_writes, dispatch_uid="initiatives.caching.watch_writes")
