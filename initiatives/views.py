from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView, TemplateView, View

from .caching import CACHE_TIMEOUT, cached
from .exports import ExportFormat, csv_response
from .facets import build_facets
from .filters import InitiativeFilter
from .models import (
    CatalogueRevision,
    Citation,
    Initiative,
    Organisation,
    Partnership,
    Result,
    Source,
    Theme,
)


class HomeView(TemplateView):
    template_name = "initiatives/home.html"

    def get_context_data(self, **kwargs):
        figures = cached(CatalogueRevision.objects.current(), ("home",), self.figures)
        return super().get_context_data(**figures, **kwargs)

    @staticmethod
    def figures():
        """The themes and sources with their published initiatives' count, and the total."""
        published = Q(initiatives__is_published=True)
        themes = Theme.objects.annotate(initiative_count=Count("initiatives", filter=published))
        themes = list(themes)
        return {
            "themes": themes,
            "max_count": max((theme.initiative_count for theme in themes), default=0),
            "initiative_count": Initiative.objects.published().count(),
            "sources": list(
                Source.objects.annotate(initiative_count=Count("initiatives", filter=published))
            ),
        }


def address(path, query):
    """`path` with the query string of `query` (a QueryDict), if any."""
    return f"{path}?{query.urlencode()}" if query else path


class CachedCountPaginator(Paginator):
    """A paginator whose count of a filtered list is cached for the catalogue's revision."""

    def __init__(self, *args, revision, filters, **kwargs):
        super().__init__(*args, **kwargs)
        self.revision = revision
        self.filters = filters

    @cached_property
    def count(self):
        return cached(self.revision, ("count", self.filters), lambda: Paginator.count.func(self))


class FilteredInitiativesMixin:
    """Filters the published initiatives by the query string, with InitiativeFilter."""

    def get_base_queryset(self):
        return Initiative.objects.published()

    def get_filterset(self):
        return InitiativeFilter(
            self.request.GET, queryset=self.get_base_queryset(), request=self.request
        )


class InitiativeListView(FilteredInitiativesMixin, ListView):
    template_name = "initiatives/initiative_list.html"
    paginate_by = 20

    def get(self, request, *args, **kwargs):
        self.filterset = self.get_filterset()
        status = 200
        if self.filterset.is_valid():
            self.object_list = self.filterset.qs.with_related()
            if self.filterset.search_query is not None:
                self.object_list = self.object_list.highlighted(self.filterset.search_query)
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
        return self.render_to_response(context, status=status)

    def get_paginator(self, queryset, per_page, **kwargs):
        return CachedCountPaginator(
            queryset,
            per_page,
            revision=self.filterset.cache_revision,
            filters=self.filterset.filters_key,
            **kwargs,
        )

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size, allow_empty_first_page=True)
        page_number = self.kwargs.get("page") or self.request.GET.get("page") or 1
        page = paginator.page(page_number)
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        query = self.query_without_page()
        # Computed only if the page's form and results are not cached already.
        facets = SimpleLazyObject(lambda: build_facets(self.filterset))
        return super().get_context_data(
            filterset=self.filterset,
            facets=facets,
            active_filters=SimpleLazyObject(lambda: self.get_active_filters(facets)),
            query_without_page=query.urlencode(),
            export_links=self.get_export_links(query),
            results_cache=self.get_results_cache(),
            **kwargs,
        )

    def get_results_cache(self):
        """(seconds, key) for caching the rendered form and results of this very address, in this
        language, until the catalogue changes; (0, None) when the page must not be cached."""
        revision = self.filterset.cache_revision
        if revision is None:
            return 0, None
        return CACHE_TIMEOUT, f"{revision}:{get_language()}:{self.request.get_full_path()}"

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
        return address(self.request.path, query)

    def get_export_links(self, query):
        """The CSV export of this very list, in each variant offered."""
        query = query.copy()
        query.pop("format", None)
        query.pop("page", None)
        links = []
        for export_format, label in ExportFormat.choices:
            query["format"] = export_format
            url = f"{reverse('initiatives:initiative-export')}?{query.urlencode()}"
            links.append((label, url))
        return links


class ThemeDetailView(InitiativeListView):
    """The list with one theme chosen: its filters, pagination and export work as on the list."""

    template_name = "initiatives/theme_detail.html"

    def get(self, request, *args, **kwargs):
        self.theme = get_object_or_404(Theme, slug=kwargs["slug"])
        return super().get(request, *args, **kwargs)

    def get_filterset(self):
        data = self.request.GET.copy()
        if self.theme.slug not in data.getlist("theme"):
            data.appendlist("theme", self.theme.slug)
        return InitiativeFilter(data, queryset=self.get_base_queryset(), request=self.request)

    def get_context_data(self, **kwargs):
        return super().get_context_data(theme=self.theme, **kwargs)

    def url_without(self, name, value=None):
        if name == "theme" and value == self.theme.slug:
            # Without its theme, this page is the whole list, with the other filters kept.
            list_url = reverse("initiatives:initiative-list")
            return address(list_url, self.query_without_page())
        return super().url_without(name, value)

    def get_export_links(self, query):
        return super().get_export_links(self.filterset.data)


class InitiativeExportView(FilteredInitiativesMixin, View):
    """The filtered list as CSV: every matching row, in the list's order, streamed."""

    def get(self, request, *args, **kwargs):
        filterset = self.get_filterset()
        if not filterset.is_valid():
            # The list's page, with the form saying what is wrong, and a 400.
            return InitiativeListView.as_view()(request, *args, **kwargs)
        data = filterset.form.cleaned_data
        return csv_response(
            filterset.qs,
            request,
            export_format=data["format"],
            filename_labels=[theme.slug for theme in data["theme"] or ()],
        )


class InitiativeDetailView(DetailView):
    def get_queryset(self):
        return (
            Initiative.objects.published()
            .select_related("main_theme", "parent")
            .prefetch_related(
                "themes",
                "publics",
                Prefetch(
                    "partnerships", queryset=Partnership.objects.select_related("organisation")
                ),
                "contacts",
                Prefetch("results", queryset=Result.objects.select_related("source")),
                Prefetch("citations", queryset=Citation.objects.select_related("source")),
            )
        )

    def get_context_data(self, **kwargs):
        initiative = self.object
        linked = list(Initiative.objects.published().linked_to(initiative).with_related())
        close = Initiative.objects.published().related_to(
            initiative, exclude=[linked_initiative.pk for linked_initiative in linked]
        )
        return super().get_context_data(linked=linked, close_initiatives=close, **kwargs)


class OrganisationDetailView(DetailView):
    """An organisation, the initiatives it leads and those it is partner in (with its roles)."""

    model = Organisation
    template_name = "initiatives/organisation_detail.html"

    def get_context_data(self, **kwargs):
        led, partnered = self.object.published_initiatives_by_role()
        return super().get_context_data(led=led, partnered=partnered, **kwargs)


def organisation_redirect(request: HttpRequest, slug: str) -> HttpResponsePermanentRedirect:
    """The former pages of pilots and partners: one page per organisation now."""
    organisation = get_object_or_404(Organisation, slug=slug)
    return HttpResponsePermanentRedirect(address(organisation.get_absolute_url(), request.GET))
