from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Catalogue des initiatives — administration"
admin.site.site_title = "Catalogue des initiatives"
admin.site.index_title = "Gestion du catalogue"

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("initiatives.urls")),
]
