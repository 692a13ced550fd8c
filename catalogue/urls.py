from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "Catalogue des initiatives — administration"
admin.site.site_title = "Catalogue des initiatives"
admin.site.index_title = "Gestion du catalogue"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("initiatives.api.urls")),
    path("", include("initiatives.urls")),
]

handler500 = "catalogue.views.server_error"
