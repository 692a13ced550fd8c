"""The sitemap: the pages a search engine should know, each initiative with its last change."""

from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from .models import Initiative, Organisation, Theme


class PageSitemap(Sitemap):
    def items(self) -> list[str]:
        return ["initiatives:home", "initiatives:initiative-list", "initiatives:open-data"]

    def location(self, item: str) -> str:
        return reverse(item)


class InitiativeSitemap(Sitemap):
    def items(self) -> QuerySet[Initiative]:
        return Initiative.objects.published().order_by("slug").only("slug", "updated_at")

    def lastmod(self, item: Initiative) -> datetime:
        return item.updated_at


class ThemeSitemap(Sitemap):
    def items(self) -> QuerySet[Theme]:
        return Theme.objects.order_by("slug").only("slug")


class OrganisationSitemap(Sitemap):
    def items(self) -> QuerySet[Organisation]:
        return Organisation.objects.order_by("slug").only("slug")


SITEMAPS = {
    "pages": PageSitemap,
    "initiatives": InitiativeSitemap,
    "themes": ThemeSitemap,
    "organisations": OrganisationSitemap,
}
