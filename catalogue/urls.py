from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemaps
from django.urls import include, path

from initiatives import views as initiatives_views
from initiatives.sitemaps import SITEMAPS

from . import views

admin.site.site_header = "Catalogue des initiatives — administration"
admin.site.site_title = "Catalogue des initiatives"
admin.site.index_title = "Gestion du catalogue"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("api/v1/", include("initiatives.api.urls")),
    path("robots.txt", initiatives_views.robots_txt, name="robots"),
    path("sitemap.xml", sitemaps.index, {"sitemaps": SITEMAPS}, name="sitemap"),
    path(
        "sitemap-<section>.xml",
        sitemaps.sitemap,
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    # The public pages in French at their address, in English under /en/: the language is read
    # from the address alone (no cookie, no session), so a page can be cached and shared.
    *i18n_patterns(path("", include("initiatives.urls")), prefix_default_language=False),
]

handler500 = "catalogue.views.server_error"
