from collections.abc import Callable, Iterable

from django.http import HttpResponseBase
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from . import views
from .caching import cached_page

app_name = "initiatives"

# What a list reads from its address: its filters, search and sort, the page and the export's
# format. Any other parameter is dropped before the view sees it.
LIST_PARAMETERS = frozenset(views.InitiativeFilter.base_filters) | {"page", "format"}


def read_only(
    view: Callable[..., HttpResponseBase], parameters: Iterable[str] = ()
) -> Callable[..., HttpResponseBase]:
    """A public page: GET and HEAD only, any other method a 405; cached whole per catalogue
    revision and validated by its ETag (`cached_page`), reading only `parameters`.

    The pages change nothing, so CSRF protection has nothing to guard on them; exempting them
    lets the method check answer first (CSRF would refuse a POST with a 403).
    """
    return csrf_exempt(require_safe(cached_page(parameters)(view)))


def moved(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A former address: GET and HEAD only, redirected with its query string."""
    return csrf_exempt(require_safe(view))


def read_list(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A public list, or an export of one: reads the list's parameters."""
    return read_only(view, LIST_PARAMETERS)


urlpatterns = [
    path("", read_only(views.HomeView.as_view()), name="home"),
    path("initiatives/", read_list(views.InitiativeListView.as_view()), name="initiative-list"),
    path(
        "initiatives/export.csv",
        read_list(views.InitiativeExportView.as_view()),
        name="initiative-export",
    ),
    path("initiatives/map/", read_list(views.InitiativeMapView.as_view()), name="initiative-map"),
    path(
        "initiatives/export.geojson",
        read_list(views.InitiativeGeoJSONView.as_view()),
        name="initiative-geojson",
    ),
    path(
        "initiatives/communes.json",
        read_only(views.commune_suggestions, {"q"}),
        name="commune-suggestions",
    ),
    path(
        "initiatives/results.csv",
        read_list(views.ResultExportView.as_view()),
        name="result-export",
    ),
    path(
        "initiatives/partnerships.csv",
        read_list(views.PartnershipExportView.as_view()),
        name="partnership-export",
    ),
    path(
        "initiatives/export.xlsx",
        read_list(views.InitiativeSpreadsheetView.as_view()),
        name="initiative-xlsx",
    ),
    path(
        "initiatives/contacts.csv",
        read_list(views.ContactExportView.as_view()),
        name="contact-export",
    ),
    path(
        "initiatives/<slug:slug>/",
        read_only(views.InitiativeDetailView.as_view()),
        name="initiative-detail",
    ),
    # The one public form: it posts, so it carries a CSRF token and is never cached.
    path(
        "initiatives/<slug:slug>/signaler/",
        never_cache(
            require_http_methods(["GET", "HEAD", "POST"])(views.InitiativeSuggestView.as_view())
        ),
        name="initiative-suggest",
    ),
    path(
        "initiatives/<slug:slug>/signaler/merci/",
        read_only(views.InitiativeSuggestThanksView.as_view()),
        name="initiative-suggest-thanks",
    ),
    path("themes/<slug:slug>/", read_list(views.ThemeDetailView.as_view()), name="theme-detail"),
    path(
        "organisations/<slug:slug>/",
        read_only(views.OrganisationDetailView.as_view()),
        name="organisation-detail",
    ),
    path("open-data/", read_only(views.OpenDataView.as_view()), name="open-data"),
    path("open-data/datapackage.json", read_only(views.datapackage), name="datapackage"),
    path("open-data/catalog.jsonld", read_only(views.dcat), name="dcat"),
    path("open-data/<path:path>", read_only(views.dataset), name="dataset"),
    path("pilots/<slug:slug>/", moved(views.organisation_redirect), name="pilot-detail"),
    path("partners/<slug:slug>/", moved(views.organisation_redirect), name="partner-detail"),
]
