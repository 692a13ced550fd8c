from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView, TemplateView, View

from . import bitmaps, caching, geo, opendata, ranking, suggestions
from .exports import (
    ExportFormat,
    ExportFormatForm,
    contact_rows,
    csv_response,
    export_filename,
    initiative_rows,
    partnership_rows,
    result_rows,
)
from .facets import Facet, build_facets, matching_without
from .filters import InitiativeFilter
from .models import (
    Initiative,
    InitiativeQuerySet,
    Organisation,
    Source,
    Theme,
)
from .ranking import RankedInitiatives
from .search import expand_all


class HomeView(TemplateView):
    template_name = "initiatives/home.html"

    def get_context_data(self, **kwargs):
        figures = caching.home_figures(self.request, self.figures)
        return super().get_context_data(
            **figures,
            tiles_url=settings.MAP_TILES_URL,
            tiles_attribution=settings.MAP_TILES_ATTRIBUTION,
            **kwargs,
        )

    def map_points(self, held: bitmaps.Bitmaps) -> list[dict[str, Any]]:
        """The small map's points: where initiatives act, or, once they are more than the map
        shows places, the départements (and the regions or countries of places in none) with
        their counts, from the bitmaps."""
        # The map of the initiatives acting in a département, region or country.
        group_url = map_group_urls(QueryDict())
        if len(held.published) > geo.MAX_POINTS:
            return geo.catalogue_points(held, group_url)
        titles = ranking.by_title(caching.revision(self.request), held.last_change)
        return geo.map_data(held.published, held, group_url=group_url, titles=titles).points

    def figures(self) -> dict[str, Any]:
        """The themes and sources with their published initiatives' count, and the total."""
        held = bitmaps.for_revision(caching.revision(self.request))
        themes = held.counted(Theme.objects.all(), "themes")
        return {
            "themes": themes,
            "max_count": max((theme.initiative_count for theme in themes), default=0),
            "initiative_count": len(held.published),
            "sources": held.counted(Source.objects.all(), "sources"),
            "map_points": self.map_points(held),
        }


def address(path: str, query: QueryDict) -> str:
    """`path` with the query string of `query` (a QueryDict), if any."""
    return f"{path}?{query.urlencode()}" if query else path


def map_group_urls(query: QueryDict) -> Callable[[str, str], str]:
    """The address of the map of `query` narrowed to one département, region or country, by
    the filter naming it and its code: its page and other groups' filters left out, the rest
    encoded once for the hundred groups a map may show."""
    kept = query.copy()
    kept.pop("page", None)
    for name in geo.GROUP_FILTERS:
        kept.pop(name, None)
    start = f"{reverse('initiatives:initiative-map')}?{kept.urlencode()}{'&' if kept else ''}"
    return lambda parameter, code: start + urlencode({parameter: code})


class CachedCountPaginator(Paginator):
    """A paginator whose count of a filtered list is cached (ListCache.count)."""

    def __init__(self, *args: Any, cache: caching.ListCache, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cache = cache

    @cached_property
    def count(self) -> int:
        if not self.cache.filterset.is_valid():
            return 0  # nothing is listed: the page says what is wrong
        return self.cache.matching_count()


# A list of at most this many initiatives is read by their keys (FilteredInitiativesMixin).
READ_BY_KEY = 5_000


class FilteredInitiativesMixin:
    """Filters the published initiatives by the query string, with InitiativeFilter, and
    validates the export's `format` with them (the list answers it as the export does)."""

    request: HttpRequest

    def get_base_queryset(self):
        return Initiative.objects.published()

    def get_filter_data(self) -> QueryDict:
        return self.request.GET

    def get_filterset(self) -> InitiativeFilter:
        filterset = InitiativeFilter(
            self.get_filter_data(), queryset=self.get_base_queryset(), request=self.request
        )
        self.export_form = ExportFormatForm(self.request.GET)
        if not self.export_form.is_valid():
            # An invalid parameter like the others: the form says what is wrong, and a 400.
            label = self.export_form["format"].label
            for error in self.export_form.errors["format"]:
                message = _("%(filter)s : %(value)s") % {"filter": label, "value": error}
                filterset.form.add_error(None, message)
        self.cache = caching.ListCache(self.request, filterset)
        return filterset

    def get_filtered_queryset(self, filterset: InitiativeFilter) -> InitiativeQuerySet:
        """The initiatives `filterset` lets through, its search corrected if it finds nothing."""
        if filterset.search is not None:
            self.cache.correct(filterset.search, filterset.queryset)
        return filterset.qs

    def get_listed_queryset(self, filterset: InitiativeFilter) -> InitiativeQuerySet:
        """The initiatives to list, as get_filtered_queryset, read by key when the filters
        select a few (their bitmaps say which) and no search ranks them."""
        if filterset.search is None and filterset.is_valid():
            matching = self.cache.bitmaps.matching()
            if len(matching) <= READ_BY_KEY:
                filterset.selected = list(matching)
        return self.get_filtered_queryset(filterset)


class InitiativeListView(FilteredInitiativesMixin, ListView):
    template_name = "initiatives/initiative_list.html"
    # The form and the results, rendered apart from the page around them.
    results_template_name = "includes/list_results.html"
    paginate_by = 20

    def get(self, request, *args, **kwargs):
        self.filterset = self.get_filterset()
        results, status = self.render_results()
        return self.render_to_response(self.get_page_context(results=results), status=status)

    def get_template_names(self) -> list[str]:
        return [self.template_name]  # the page's, whatever the list (possibly not read)

    def get_page_context(self, **kwargs: Any) -> dict[str, Any]:
        """The page around the form and results."""
        return {"view": self, **kwargs}

    def render_results(self) -> tuple[str, int]:
        """The form and results (or what is wrong) as HTML, and the page's status."""
        status = 200
        if self.filterset.is_valid():
            self.object_list = self.get_listed()
        else:
            self.object_list = Initiative.objects.none()
            status = 400
        try:
            context = self.get_context_data()
        except InvalidPage as error:
            self.filterset.form.add_error(None, _("Page invalide : %(error)s") % {"error": error})
            self.kwargs["page"] = 1
            self.object_list = Initiative.objects.none()
            context = self.get_context_data()
            status = 400
        return render_to_string(self.results_template_name, context, self.request), status

    def get_listed(self) -> InitiativeQuerySet | RankedInitiatives:
        """The initiatives listed, with what their cards show: a search by relevance, or a list
        by closeness to a commune, page by page from its ranking (initiatives.ranking), read by
        key; any other list from SQL."""
        filterset = self.filterset
        search = filterset.search
        commune = filterset.near_commune
        if search is None and commune is not None and filterset.by_relevance:
            filters = self.cache.bitmaps
            return RankedInitiatives(
                ranking.near(commune, filters.revision, filters.bitmaps.last_change),
                filters.matching(),
                self.get_base_queryset().with_related(),
                self.cache.matching_count(),
                ranked_as=lambda rank: {"near_order": -rank},
            )
        if search is not None and filterset.by_relevance and commune is None:
            self.cache.correct(search, filterset.queryset)
            return RankedInitiatives(
                self.cache.bitmaps.ranking,
                self.cache.bitmaps.matching(without="q"),
                self.get_base_queryset().with_related().highlighted(search),
                self.cache.matching_count(),
            )
        initiatives = self.get_listed_queryset(filterset).with_related()
        return initiatives if search is None else initiatives.highlighted(search)

    def get_paginator(self, queryset, per_page, **kwargs):  # type: ignore[override]
        return CachedCountPaginator(queryset, per_page, cache=self.cache, **kwargs)

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size, allow_empty_first_page=True)
        page_number = self.kwargs.get("page") or self.request.GET.get("page") or 1
        page = paginator.page(page_number)
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        query = self.query_without_page()
        context = super().get_context_data(
            filterset=self.filterset,
            search=self.filterset.search,
            query_without_page=query.urlencode(),
            **kwargs,
        )
        context["map_url"] = self.get_map_url()
        # An empty list offers nothing to export.
        context["export_links"] = self.get_export_links(query) if context["paginator"].count else []
        if context["export_links"]:
            context["result_export_link"] = self.get_result_export_link(self.filterset.data)
        # After the pagination, which may find the page invalid.
        facets = build_facets(self.filterset, self.cache, self.get_locked_options())
        active_filters = self.get_active_filters(facets)
        context.update(
            facets=facets,
            active_filters=active_filters,
            # How many options the reader chose, shown on the folded filters.
            filter_count=sum(len(facet.chosen) for facet in facets),
            clear_filters_url=self.get_clear_filters_url(active_filters),
            search_notice=self.get_search_notice(),
            alternatives=None if context["paginator"].count else self.get_alternatives(facets),
        )
        return context

    def get_search_notice(self) -> dict[str, Any] | None:
        """What the list searched instead of what was typed, and the address of the search
        exactly as typed; None if it searched what was typed."""
        search = self.filterset.search
        if search is None or not (search.corrected or search.dropped):
            return None
        query = self.query_without_page()
        query["verbatim"] = "1"
        return {
            "typed": search.typed,
            "searched": search.searched,
            "dropped": " », « ".join(search.dropped),
            "verbatim_url": address(self.request.path, query),
        }

    def get_alternatives(self, facets: list[Facet]) -> list[tuple[str, list[tuple[str, str, int]]]]:
        """What would give results when the list is empty, as (heading, [(label, address,
        count)]): the list without each active filter (or without the search), the list
        nearest the commune the search names, each typed word alone, the themes; only what
        gives results. Four queries at most, however many filters and words."""
        search = self.filterset.search
        without: dict[str, tuple[str, str]] = {}
        if search is not None:
            label = _("sans la recherche « %(query)s »") % {"query": search.typed}
            without["q"] = (label, self.url_without("q"))
        for facet in facets:
            chosen = [option for option in facet.selected if not option.locked]
            if chosen:
                values = ", ".join(option.label for option in chosen)
                label = _("sans le filtre %(filter)s : %(values)s") % {
                    "filter": facet.label,
                    "values": values,
                }
                without[facet.name] = (label, self.url_without(facet.name))
        counts = {
            name: Count("pk", filter=Q(pk__in=matching_without(self.filterset, name)))
            for name in without
        }
        words = search.words if search is not None and len(search.words) > 1 else []
        if words:
            others = matching_without(self.filterset, "q")
            for number, query in enumerate(expand_all(words)):
                counts[f"word_{number}"] = Count(
                    "pk", filter=Q(pk__in=others) & Q(search_vector=query)
                )
        found = Initiative.objects.published().aggregate(**counts) if counts else {}
        word_links = []
        for number, word in enumerate(words):
            query = self.query_without_page()
            query.pop("verbatim", None)
            query["q"] = word
            word_links.append(
                (
                    _("« %(word)s »") % {"word": word},
                    address(self.request.path, query),
                    found[f"word_{number}"],
                )
            )
        themes = self.cache.bitmaps.bitmaps.counted(Theme.objects.all(), "themes")
        theme_links = [
            (theme.label, theme.get_absolute_url(), theme.initiative_count) for theme in themes
        ]
        without_links = [(label, url, found[name]) for name, (label, url) in without.items()]
        near_links = self.get_near_alternatives(found.get("q", 0))
        sections = [
            (_("Des résultats en retirant un critère"), without_links),
            (_("Au plus près de ce lieu"), near_links),
            (_("Chacun des mots seul"), word_links),
            (_("Parcourir les thèmes"), theme_links),
        ]
        return [
            (heading, [link for link in section if link[2]])
            for heading, section in sections
            if any(link[2] for link in section)
        ]

    def get_near_alternatives(self, count: int) -> list[tuple[str, str, int]]:
        """A search naming a commune the catalogue does not mention (« Bordeaux », a postcode):
        the list without the search, the initiatives acting closest to it first, with its
        `count`; nothing if the list is ordered near a commune already, or the search names
        none, or several."""
        search = self.filterset.search
        if search is None or self.filterset.near_commune is not None:
            return []
        communes = geo.find_communes(search.typed)
        if len(communes) != 1:
            return []
        query = self.query_without_page()
        for name in ("q", "verbatim", "sort"):
            query.pop(name, None)
        query["near"] = geo.commune_label(communes[0])
        label = _("les initiatives les plus proches de %(commune)s") % {"commune": query["near"]}
        return [(label, address(self.request.path, query), count)]

    def get_locked_options(self) -> dict[str, str]:
        """{filter: value} chosen by the page itself, which its form cannot unchoose."""
        return {}

    def get_active_filters(self, facets):
        """(label, address of this list without it) for the search and each chosen option."""
        active = []
        query = self.request.GET.get("q", "").strip()
        if query:
            label = _("Recherche : « %(query)s »") % {"query": query}
            active.append((label, self.url_without("q")))
        for facet in facets:
            for option in facet.selected:
                label = _("%(filter)s : %(value)s") % {"filter": facet.label, "value": option.label}
                active.append((label, self.url_without(facet.name, option.value)))
        return active

    def get_clear_filters_url(self, active_filters: list[tuple[str, str]]) -> str | None:
        """The whole list's address, offered to clear the filters once several are chosen."""
        return reverse("initiatives:initiative-list") if len(active_filters) > 1 else None

    def query_without_page(self):
        query = self.request.GET.copy()
        query.pop("page", None)
        return query

    def url_without(self, name, value=None):
        """This list's address with one value of a parameter (or all its values) removed."""
        query = self.query_without_page()
        kept = [] if value is None else [other for other in query.getlist(name) if other != value]
        if kept:
            query.setlist(name, kept)
        else:
            query.pop(name, None)
        if name == "q":
            query.pop("verbatim", None)  # says how to search, and there is no search left
        return address(self.request.path, query)

    def get_export_links(self, query):
        """The export of this very list, in each variant offered: « Excel » is the spreadsheet,
        the others CSV."""
        query = query.copy()
        query.pop("format", None)
        query.pop("page", None)
        links = []
        for export_format, label in ExportFormat.choices:
            if export_format == ExportFormat.EXCEL:
                links.append((label, address(reverse("initiatives:initiative-xlsx"), query)))
                continue
            query["format"] = export_format
            url = f"{reverse('initiatives:initiative-export')}?{query.urlencode()}"
            links.append((label, url))
        return links

    def get_map_url(self) -> str:
        """This very list on a map, with the same parameters."""
        query = self.filterset.data.copy()
        query.pop("page", None)
        return address(reverse("initiatives:initiative-map"), query)

    def get_result_export_link(self, query: QueryDict) -> str:
        """The results of this very list as CSV, one row per result."""
        query = query.copy()
        query.pop("page", None)
        return address(reverse("initiatives:result-export"), query)


class ThemeDetailView(InitiativeListView):
    """The list with one theme chosen: its filters, pagination and export work as on the list."""

    template_name = "initiatives/theme_detail.html"

    def get(self, request, *args, **kwargs):
        self.theme = get_object_or_404(Theme, slug=kwargs["slug"])
        return super().get(request, *args, **kwargs)

    def get_filter_data(self) -> QueryDict:
        data = self.request.GET.copy()
        if self.theme.slug not in data.getlist("theme"):
            data.appendlist("theme", self.theme.slug)
        return data

    def get_page_context(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_page_context(theme=self.theme, **kwargs)

    def get_locked_options(self) -> dict[str, str]:
        return {"theme": self.theme.slug}

    def url_without(self, name, value=None):
        if name == "theme" and value == self.theme.slug:
            # Without its theme, this page is the whole list, with the other filters kept.
            list_url = reverse("initiatives:initiative-list")
            return address(list_url, self.query_without_page())
        return super().url_without(name, value)

    def get_export_links(self, query):
        return super().get_export_links(self.filterset.data)


class InitiativeMapView(InitiativeListView):
    """The list on a map: the same parameters, form and filters; the places where its
    initiatives act, each with them (listed as well for readers without the map), and those
    with no place but a country."""

    template_name = "initiatives/initiative_map.html"
    results_template_name = "includes/map_results.html"

    def render_results(self) -> tuple[str, int]:
        status = 200
        data = None
        count = 0
        if self.filterset.is_valid():
            self.get_filtered_queryset(self.filterset)  # its search corrected first
            count = self.cache.matching_count()
            near = self.filterset.near_commune
            filters = self.cache.bitmaps
            # Addresses relative: a lighter page.
            data = geo.map_data(
                filters.matching(),
                filters.bitmaps,
                near=near,
                group_url=self.group_url,
                titles=ranking.by_title(filters.revision, filters.bitmaps.last_change),
            )
        else:
            status = 400
        facets = build_facets(self.filterset, self.cache, self.get_locked_options())
        active_filters = self.get_active_filters(facets)
        list_query = self.filterset.data.copy()
        list_query.pop("page", None)
        context = {
            "filterset": self.filterset,
            "facets": facets,
            "active_filters": active_filters,
            "clear_filters_url": self.get_clear_filters_url(active_filters),
            "filter_count": sum(len(facet.chosen) for facet in facets),
            "count": count,
            "map": data,
            "list_url": address(reverse("initiatives:initiative-list"), list_query),
            "geojson_url": address(reverse("initiatives:initiative-geojson"), list_query),
            "tiles_url": settings.MAP_TILES_URL,
            "tiles_attribution": settings.MAP_TILES_ATTRIBUTION,
        }
        return render_to_string(self.results_template_name, context, self.request), status

    def get_clear_filters_url(self, active_filters: list[tuple[str, str]]) -> str | None:
        return reverse("initiatives:initiative-map") if len(active_filters) > 1 else None

    @cached_property
    def group_url(self) -> Callable[[str, str], str]:
        """This very map narrowed to one département, region or country: its places, where the
        whole map shows groups of them."""
        return map_group_urls(self.filterset.data)


class InitiativeGeoJSONView(FilteredInitiativesMixin, View):
    """The filtered list as GeoJSON: one feature per initiative and place, streamed."""

    def get(self, request, *args, **kwargs):
        filterset = self.get_filterset()
        if not filterset.is_valid():
            return InitiativeListView.as_view()(request, *args, **kwargs)
        initiatives = self.get_filtered_queryset(filterset)  # its search corrected first
        return geo.geojson_response(initiatives, request, self.cache.bitmaps.matching())


def commune_suggestions(request: HttpRequest) -> JsonResponse:
    """The communes `near` may name, for a reader typing `q`: a JSON list of labels."""
    prefix = request.GET.get("q", "")[:100]
    return JsonResponse(geo.suggest_communes(prefix), safe=False)


class InitiativeExportView(FilteredInitiativesMixin, View):
    """The filtered list as CSV: every matching row, in the list's order, streamed."""

    # What the file holds: one row per initiative, and the first word of its name, if any.
    rows_of = staticmethod(initiative_rows)
    filename_label = ""

    def get(self, request, *args, **kwargs):
        filterset = self.get_filterset()
        if not filterset.is_valid():
            # The list's page, with the form saying what is wrong, and a 400.
            return InitiativeListView.as_view()(request, *args, **kwargs)
        data = filterset.form.cleaned_data
        return csv_response(
            self.get_filtered_queryset(filterset),
            request,
            export_format=self.export_form.cleaned_data["format"],
            filename_labels=[self.filename_label, *(theme.slug for theme in data["theme"] or ())],
            rows_of=self.rows_of,
        )


class ResultExportView(InitiativeExportView):
    """The results of the filtered list as CSV, one row per result: same parameters."""

    rows_of = staticmethod(result_rows)
    filename_label = "resultats"


class PartnershipExportView(InitiativeExportView):
    """The partnerships of the filtered list as CSV, one row per organisation and role."""

    rows_of = staticmethod(partnership_rows)
    filename_label = "partenariats"


class ContactExportView(InitiativeExportView):
    """The contacts of the filtered list as CSV (public data only), one row per contact."""

    rows_of = staticmethod(contact_rows)
    filename_label = "contacts"


class InitiativeSpreadsheetView(FilteredInitiativesMixin, View):
    """The filtered list as an .xlsx workbook: its initiatives, results, partnerships and
    contacts, a sheet each, and what the file holds."""

    def get(self, request, *args, **kwargs):
        filterset = self.get_filterset()
        if not filterset.is_valid():
            return InitiativeListView.as_view()(request, *args, **kwargs)
        themes = [theme.slug for theme in filterset.form.cleaned_data["theme"] or ()]
        return opendata.spreadsheet_response(
            self.get_filtered_queryset(filterset),
            request,
            filterset.data,
            export_filename(*themes, extension="xlsx"),
        )


def datapackage(request: HttpRequest) -> JsonResponse:
    """The Frictionless data package describing the catalogue's tables."""
    return JsonResponse(opendata.datapackage(request), json_dumps_params={"ensure_ascii": False})


class OpenDataView(TemplateView):
    """The datasets: each with its rows, format and schema, the licence, the API."""

    template_name = "initiatives/open_data.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        datasets, changed = opendata.datasets(self.request)
        return super().get_context_data(
            datasets=datasets,
            changed=changed,
            licence=opendata.LICENCE,
            dcat=opendata.dcat_catalog(self.request, datasets, changed),
            **kwargs,
        )


def dcat(request: HttpRequest) -> JsonResponse:
    """The datasets as a DCAT catalogue (JSON-LD)."""
    datasets, changed = opendata.datasets(request)
    response = JsonResponse(
        opendata.dcat_catalog(request, datasets, changed),
        json_dumps_params={"ensure_ascii": False},
    )
    response["Content-Type"] = "application/ld+json"
    return response


def robots_txt(request: HttpRequest) -> HttpResponse:
    """What crawlers may read: the pages, not the exports and the API, which take every
    combination of the list's parameters; where the sitemap is."""
    lines = [
        "User-agent: *",
        *(
            f"Disallow: {reverse(name)}"
            for name in (
                "initiatives:initiative-export",
                "initiatives:initiative-xlsx",
                "initiatives:initiative-geojson",
                "initiatives:result-export",
                "initiatives:partnership-export",
                "initiatives:contact-export",
                "api:api-root",
            )
        ),
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def dataset(request: HttpRequest, path: str) -> StreamingHttpResponse:
    """One of the datasets of /open-data/ (opendata.DATASETS)."""
    if path not in opendata.DATASETS:
        raise Http404(path)
    return opendata.dataset_response(request, path)


class InitiativeDetailView(DetailView):
    """An initiative and what is around it, in four queries whatever it holds: the revision,
    the initiative with all it shows (`with_page`), and its linked and close initiatives
    (`around`)."""

    def get_queryset(self):
        return Initiative.objects.published().with_page()

    def get_context_data(self, **kwargs):
        linked, close = Initiative.objects.published().around(self.object)
        return super().get_context_data(
            linked=linked,
            close_initiatives=close,
            # Printed at the bottom of the page (includes/print_footer.html).
            page_url=self.request.build_absolute_uri(self.object.get_absolute_url()),
            **kwargs,
        )


class OrganisationDetailView(DetailView):
    """An organisation, the initiatives it leads and those it is partner in (with its roles)."""

    model = Organisation
    template_name = "initiatives/organisation_detail.html"

    # Each role lists this many initiatives at most, then links to the list of them all.
    listed = 20

    def get_context_data(self, **kwargs):
        led, partnered = self.object.published_initiatives_by_role(self.listed)
        list_url = reverse("initiatives:initiative-list")
        return super().get_context_data(
            led=led,
            partnered=partnered,
            led_url=f"{list_url}?{urlencode({'pilot': self.object.slug})}",
            partnered_url=f"{list_url}?{urlencode({'partner': self.object.slug})}",
            **kwargs,
        )


def organisation_redirect(request: HttpRequest, slug: str) -> HttpResponsePermanentRedirect:
    """The former pages of pilots and partners: one page per organisation now."""
    organisation = get_object_or_404(Organisation, slug=slug)
    return HttpResponsePermanentRedirect(address(organisation.get_absolute_url(), request.GET))


class InitiativeSuggestView(View):
    """« Signaler une erreur ou proposer une mise à jour »: the form (GET), its check and storage
    (POST, then a redirect to the confirmation), its errors (400) or the address's limit (429),
    the text sent kept in the form."""

    template_name = "initiatives/initiative_suggest.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.initiative = get_object_or_404(Initiative.objects.published(), slug=kwargs["slug"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render(suggestions.SuggestionForm())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = suggestions.SuggestionForm(request.POST)
        if form.is_robot():
            return HttpResponseRedirect(self.thanks_url())
        if not form.is_valid():
            return self.render(form, status=400)
        address = suggestions.address_hash(request)
        with transaction.atomic():
            wait = suggestions.retry_after(address)
            if wait is None:
                suggestion = form.save(commit=False)
                suggestion.initiative = self.initiative
                suggestion.address_hash = address
                suggestion.save()
        if wait is not None:
            response = self.render(form, status=429, retry_minutes=max(1, round(wait / 60)))
            response["Retry-After"] = str(wait)
            return response
        suggestions.notify_editors(request, suggestion)
        return HttpResponseRedirect(self.thanks_url())

    def thanks_url(self) -> str:
        return reverse("initiatives:initiative-suggest-thanks", args=[self.initiative.slug])

    def render(self, form: Any, status: int = 200, **context: Any) -> HttpResponse:
        context = {"initiative": self.initiative, "form": form, **context}
        return render(self.request, self.template_name, context, status=status)


class InitiativeSuggestThanksView(DetailView):
    """What a reader sees once their suggestion is sent."""

    template_name = "initiatives/initiative_suggest_thanks.html"

    def get_queryset(self):
        return Initiative.objects.published()
