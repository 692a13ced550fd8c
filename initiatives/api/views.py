"""The JSON API's views and serializers.

The initiatives take the list's query parameters through the list's FilterSet, its search
corrected as the list corrects it, and come in the list's order, 20 a page: a page of the API
holds the initiatives of the same page of the list. Values are the catalogue's codes and
slugs, and names in French (with their English where the catalogue has one), whatever the
language asked for.
"""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.utils import extend_schema_field
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions, pagination, serializers, viewsets
from rest_framework.request import Request

from .. import caching
from ..filters import InitiativeFilter
from ..models import (
    Citation,
    Contact,
    Initiative,
    InitiativePlace,
    InitiativeQuerySet,
    Organisation,
    Partnership,
    Place,
    Result,
    Source,
    TargetPublic,
    Theme,
)
from . import schema  # noqa: F401  (the OpenAPI extension of InitiativeFilterBackend)


class ListPagination(pagination.PageNumberPagination):
    """The list's pages: `page`, 20 initiatives each (`page_size` up to 100 for programs). A
    page that does not exist is the client's error, a 400, as on the list."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(
        self, queryset: QuerySet, request: Request, view: Any = None
    ) -> list[Any] | None:
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound as error:
            detail = {self.page_query_param: [str(error.detail)]}
            raise exceptions.ValidationError(detail) from error


class InitiativeFilterBackend(DjangoFilterBackend):
    """InitiativeFilter applied as the list applies it: an invalid parameter is a 400 saying
    which, and a search that finds nothing is corrected as the list corrects it."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        filterset = self.get_filterset(request, queryset, view)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        if filterset.search is not None:
            cache = caching.ListCache(request._request, filterset)
            cache.correct(filterset.search, filterset.queryset)
        return filterset.qs


class PlaceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Place
        fields = ["kind", "code", "name", "department_code", "region_code", "country"]


class OrganisationRefSerializer(serializers.ModelSerializer):
    """An organisation named by an initiative: enough to find it (`slug`) and name it."""

    url = serializers.HyperlinkedIdentityField(
        view_name="api:organisation-detail", lookup_field="slug"
    )

    class Meta:
        model = Organisation
        fields = ["slug", "name", "acronym", "url"]


class PartnershipSerializer(serializers.ModelSerializer):
    organisation = OrganisationRefSerializer()

    class Meta:
        model = Partnership
        fields = ["organisation", "role", "level", "note"]


class ContactSerializer(serializers.ModelSerializer):
    """What the public may read of a contact (Contact.public_fields): the other fields null."""

    class Meta:
        model = Contact
        fields = ["name", "role", "organisation", "email", "phones", "address", "website"]

    def to_representation(self, instance: Contact) -> dict[str, Any]:
        shown = instance.public_fields()
        data = super().to_representation(instance)
        return {field: data[field] if field in shown else None for field in data}


class ResultSerializer(serializers.ModelSerializer):
    source = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Result
        fields = [
            "nature",
            "text",
            "text_translation",
            "text_language",
            "qualifier",
            "value",
            "value_max",
            "unit",
            "measure",
            "as_of",
            "as_of_precision",
            "source",
        ]
        extra_kwargs = {
            "value": {"coerce_to_string": False},
            "value_max": {"coerce_to_string": False},
        }


class CitationSerializer(serializers.ModelSerializer):
    source = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Citation
        fields = ["source", "location"]


class InitiativeSerializer(serializers.ModelSerializer):
    """An initiative as the list shows it."""

    url = serializers.HyperlinkedIdentityField(
        view_name="api:initiative-detail", lookup_field="slug"
    )
    page = serializers.SerializerMethodField(help_text="The initiative's page on the site.")
    main_theme = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    themes = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    publics = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    leads = serializers.SerializerMethodField()
    places = serializers.SerializerMethodField()
    status_now = serializers.CharField(
        read_only=True, help_text="The status shown: the source's, or ended per its dates."
    )
    source_date = serializers.DateField(
        read_only=True, help_text="The date of the latest source document."
    )

    class Meta:
        model = Initiative
        fields = [
            "slug",
            "url",
            "page",
            "title",
            "aim",
            "main_theme",
            "themes",
            "publics",
            "leads",
            "places",
            "scope",
            "status",
            "status_now",
            "start_year",
            "end_year",
            "website",
            "source_date",
            "verified_on",
        ]

    def get_page(self, initiative: Initiative) -> str:
        return self.context["request"].build_absolute_uri(initiative.get_absolute_url())

    @extend_schema_field(OrganisationRefSerializer(many=True))
    def get_leads(self, initiative: Initiative) -> list[dict[str, Any]]:
        return OrganisationRefSerializer(initiative.leads, many=True, context=self.context).data

    @extend_schema_field(PlaceSerializer(many=True))
    def get_places(self, initiative: Initiative) -> list[dict[str, Any]]:
        return PlaceSerializer(initiative.place_list, many=True).data


class InitiativeDetailSerializer(InitiativeSerializer):
    """An initiative as its page shows it."""

    partners = PartnershipSerializer(source="partner_links", many=True, read_only=True)
    contacts = ContactSerializer(many=True, read_only=True)
    results = ResultSerializer(many=True, read_only=True)
    sources = CitationSerializer(source="citations", many=True, read_only=True)
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta(InitiativeSerializer.Meta):
        fields = [
            *InitiativeSerializer.Meta.fields,
            "description",
            "funding",
            "language",
            "aim_translation",
            "description_translation",
            "funding_translation",
            "parent",
            "partners",
            "contacts",
            "results",
            "sources",
        ]


class OrganisationSerializer(OrganisationRefSerializer):
    page = serializers.SerializerMethodField(help_text="The organisation's page on the site.")

    class Meta(OrganisationRefSerializer.Meta):
        fields = [
            *OrganisationRefSerializer.Meta.fields,
            "page",
            "kind",
            "description",
            "website",
            "address",
            "city",
            "country",
            "email",
            "phones",
        ]

    def get_page(self, organisation: Organisation) -> str:
        return self.context["request"].build_absolute_uri(organisation.get_absolute_url())


class VocabularyFields:
    fields = ["slug", "name", "name_en", "description", "position"]


class ThemeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Theme
        fields = VocabularyFields.fields


class TargetPublicSerializer(serializers.ModelSerializer):
    class Meta:
        model = TargetPublic
        fields = VocabularyFields.fields


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["slug", "title", "publisher", "published_on", "url", "language", "description"]


class InitiativeViewSet(viewsets.ReadOnlyModelViewSet):
    """The published initiatives: the list's parameters, results and order."""

    lookup_field = "slug"
    filter_backends = [InitiativeFilterBackend]
    filterset_class = InitiativeFilter
    pagination_class = ListPagination

    def get_queryset(self) -> InitiativeQuerySet:
        return Initiative.objects.published()

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return InitiativeDetailSerializer if self.action == "retrieve" else InitiativeSerializer

    def filter_queryset(self, queryset: InitiativeQuerySet) -> InitiativeQuerySet:
        if self.action != "list":
            return details(queryset)
        # Filtered first, as the list is; then what the list's cards show, and the publics.
        return super().filter_queryset(queryset).with_related().prefetch_related("publics")


def details(initiatives: InitiativeQuerySet) -> InitiativeQuerySet:
    """`initiatives` with all their page shows, in a fixed number of queries."""
    return (
        initiatives.with_freshness()
        .select_related("main_theme", "parent")
        .prefetch_related(
            "themes",
            "publics",
            Prefetch("partnerships", queryset=Partnership.objects.select_related("organisation")),
            "contacts",
            Prefetch("results", queryset=Result.objects.select_related("source")),
            Prefetch("citations", queryset=Citation.objects.select_related("source")),
            Prefetch("place_links", queryset=InitiativePlace.objects.select_related("place")),
        )
    )


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Organisation.objects.all()
    serializer_class = OrganisationSerializer
    lookup_field = "slug"
    pagination_class = ListPagination


class ThemeViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Theme.objects.all()
    serializer_class = ThemeSerializer
    lookup_field = "slug"


class TargetPublicViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = TargetPublic.objects.all()
    serializer_class = TargetPublicSerializer
    lookup_field = "slug"


class SourceViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Source.objects.all()
    serializer_class = SourceSerializer
    lookup_field = "slug"


class DocumentationView(SpectacularSwaggerSplitView):
    """Swagger UI from the sidecar's static files; its set-up script is a file of this view
    (`?script`), and its page holds no inline style: the Content-Security-Policy stays."""

    template_name = "api/documentation.html"
    url_name = "api:schema"
    title = "API du catalogue des initiatives"
