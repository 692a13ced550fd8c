"""What editors have to look at: entries to verify again, readers' suggestions waiting,
entries without a contact, broken links. The admin's index counts them and links to each list;
`review_due` lists them."""

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Initiative, Suggestion


@dataclass(frozen=True)
class ReviewItem:
    """One kind of thing to look at: its label, the rows, and the admin's filtered list of them."""

    key: str
    label: str
    rows: QuerySet
    url: str
    # The permission needed to see the list, as in user.has_perm().
    permission: str


def review_items(day: date | None = None) -> list[ReviewItem]:
    """The kinds of entries to look at on `day` (today unless given); published initiatives
    only (a withdrawn one is not seen by readers)."""
    day = day or timezone.localdate()
    initiatives = Initiative.objects.published()
    changelist = reverse("admin:initiatives_initiative_changelist")
    return [
        ReviewItem(
            "due",
            str(_("Fiches à revérifier")),
            initiatives.due_for_review(day),
            f"{changelist}?review=due&is_published__exact=1",
            "initiatives.view_initiative",
        ),
        ReviewItem(
            "suggestions",
            str(_("Suggestions de lecteurs en attente")),
            Suggestion.objects.waiting().select_related("initiative"),
            reverse("admin:initiatives_suggestion_changelist") + "?state__exact=new",
            "initiatives.view_suggestion",
        ),
        ReviewItem(
            "no_contact",
            str(_("Fiches sans contact")),
            initiatives.without_contact(),
            f"{changelist}?review=no_contact&is_published__exact=1",
            "initiatives.view_initiative",
        ),
        ReviewItem(
            "broken_links",
            str(_("Fiches avec un lien cassé")),
            initiatives.with_broken_links(),
            f"{changelist}?review=broken_links&is_published__exact=1",
            "initiatives.view_initiative",
        ),
    ]
