from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "Catalogue des initiatives — administration"
admin.site.site_title = "Catalogue des initiatives"
admin.site.index_title = "Gestion du catalogue"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path(settings.ADMIN_URL, admin.site.urls),
    # The public pages in French at their address, in English under /en/: the language is read
    # from the address alone (no cookie, no session), so a page can be cached and shared.
    *i18n_patterns(path("", include("initiatives.urls")), prefix_default_language=False),
]

handler500 = "catalogue.views.server_error"
