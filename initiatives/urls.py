from collections.abc import Callable

from django.http import HttpResponseBase
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from . import views

app_name = "initiatives"


def read_only(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A public page: GET and HEAD only, any other method a 405.

    The pages change nothing, so CSRF protection has nothing to guard on them; exempting them
    lets the method check answer first (CSRF would refuse a POST with a 403).
    """
    return csrf_exempt(require_safe(view))


urlpatterns = [
    path("", read_only(views.HomeView.as_view()), name="home"),
    path("initiatives/", read_only(views.InitiativeListView.as_view()), name="initiative-list"),
    path(
        "initiatives/export.csv",
        read_only(views.InitiativeExportView.as_view()),
        name="initiative-export",
    ),
    path("initiatives/map/", read_only(views.InitiativeMapView.as_view()), name="initiative-map"),
    path(
        "initiatives/export.geojson",
        read_only(views.InitiativeGeoJSONView.as_view()),
        name="initiative-geojson",
    ),
    path(
        "initiatives/communes.json",
        read_only(views.commune_suggestions),
        name="commune-suggestions",
    ),
    path(
        "initiatives/results.csv",
        read_only(views.ResultExportView.as_view()),
        name="result-export",
    ),
    path(
        "initiatives/partnerships.csv",
        read_only(views.PartnershipExportView.as_view()),
        name="partnership-export",
    ),
    path(
        "initiatives/export.xlsx",
        read_only(views.InitiativeSpreadsheetView.as_view()),
        name="initiative-xlsx",
    ),
    path(
        "initiatives/contacts.csv",
        read_only(views.ContactExportView.as_view()),
        name="contact-export",
    ),
    path(
        "initiatives/<slug:slug>/",
        read_only(views.InitiativeDetailView.as_view()),
        name="initiative-detail",
    ),
    path("themes/<slug:slug>/", read_only(views.ThemeDetailView.as_view()), name="theme-detail"),
    path(
        "organisations/<slug:slug>/",
        read_only(views.OrganisationDetailView.as_view()),
        name="organisation-detail",
    ),
    path("open-data/", read_only(views.OpenDataView.as_view()), name="open-data"),
    path("open-data/datapackage.json", read_only(views.datapackage), name="datapackage"),
    path("open-data/catalog.jsonld", read_only(views.dcat), name="dcat"),
    path("open-data/<path:path>", read_only(views.dataset), name="dataset"),
    path("pilots/<slug:slug>/", read_only(views.organisation_redirect), name="pilot-detail"),
    path("partners/<slug:slug>/", read_only(views.organisation_redirect), name="partner-detail"),
]
