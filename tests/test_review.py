"""Review dates (« vérifiée le », « à revérifier avant »), the admin's filter and index counts
of what to look at, and the review_due command."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from initiatives.caching import revision
from initiatives.models import Initiative, LinkCheck, LinkKind, Suggestion, review_date

from .factories import make_contact, make_initiative, make_organisation
from .pages import card_titles, links, page_text

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:initiatives_initiative_changelist")


def test_review_date_is_twelve_months_later_the_end_of_february_kept():
    assert review_date(date(2025, 3, 31)) == date(2026, 3, 31)
    assert review_date(date(2024, 2, 29)) == date(2025, 2, 28)


def test_verifying_sets_the_review_date_and_moves_the_revision(admin_user):
    initiative = make_initiative()
    assert initiative.review_before is None
    before = revision(None)
    Initiative.objects.filter(pk=initiative.pk).mark_verified(admin_user, date(2025, 6, 1))
    initiative.refresh_from_db()
    assert initiative.review_before == date(2026, 6, 1)
    assert revision(None) != before
    # A date given with the verification is kept; a later verification alone moves it on.
    initiative.verified_on, initiative.review_before = date(2025, 7, 1), date(2025, 12, 1)
    initiative.save()
    initiative.refresh_from_db()
    assert initiative.review_before == date(2025, 12, 1)
    Initiative.objects.filter(pk=initiative.pk).mark_verified(admin_user, date(2025, 9, 1))
    initiative.refresh_from_db()
    assert initiative.review_before == date(2026, 9, 1)


def test_the_admin_filters_initiatives_to_review(admin_client):
    today = timezone.localdate()
    make_initiative("Jamais vérifiée")
    make_initiative("Échue", verified_on=today - timedelta(days=400))
    make_initiative("Bientôt", verified_on=today - timedelta(days=350))
    make_initiative("À jour", verified_on=today)
    due = admin_client.get(CHANGELIST + "?review=due")
    assert sorted(link for link in links(due) if link in TITLES) == ["Jamais vérifiée", "Échue"]
    soon = admin_client.get(CHANGELIST + "?review=soon")
    assert "Bientôt" in links(soon) and "À jour" not in links(soon)


TITLES = {"Jamais vérifiée", "Échue", "Bientôt", "À jour"}


def test_the_admin_index_counts_what_to_review_each_a_link_to_its_list(admin_client, client):
    today = timezone.localdate()
    reachable = make_initiative("Joignable", verified_on=today)
    make_contact(reachable)
    make_initiative("Sans contact", verified_on=today)
    lead = make_organisation("Association joignable", website="https://example.org")
    make_initiative("Porteur joignable", leads=[lead], verified_on=today)
    broken = LinkCheck.objects.create(
        target="https://gone.example", kind=LinkKind.WEB, ok=False, checked_at=timezone.now()
    )
    broken.initiatives.add(reachable)
    Suggestion.objects.create(initiative=reachable, message="Nouveau numéro")
    Suggestion.objects.create(initiative=reachable, message="Numéro déjà corrigé", state="rejected")

    index = admin_client.get(reverse("admin:index"))
    counts = page_text(index).split("À revoir")[1]
    assert "Fiches à revérifier 0" in counts
    assert "Suggestions de lecteurs en attente 1" in counts
    assert "Fiches sans contact 1" in counts
    assert "Fiches avec un lien cassé 1" in counts

    found = {}
    for label in ("Fiches sans contact", "Fiches avec un lien cassé"):
        found[label] = [
            title for title in links(admin_client.get(links(index)[label])) if title in TITLES2
        ]
    assert found == {
        "Fiches sans contact": ["Sans contact"],
        "Fiches avec un lien cassé": ["Joignable"],
    }
    queue = admin_client.get(links(index)["Suggestions de lecteurs en attente"])
    assert "Nouveau numéro" in page_text(queue) and "déjà corrigé" not in page_text(queue)


TITLES2 = {"Joignable", "Sans contact", "Porteur joignable"}


def test_review_due_lists_emails_and_fails_when_strict(settings):
    settings.SUGGESTION_EMAILS = ["equipe@example.org"]
    make_contact(make_initiative("Jamais vérifiée", verified_on=None))
    make_contact(make_initiative("À jour", verified_on=timezone.localdate()))
    out = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("review_due", "--strict", stdout=out)
    assert error.value.returncode == 1
    assert "Fiches à revérifier : 1" in out.getvalue()
    assert "  - Jamais vérifiée —" in out.getvalue() and "À jour —" not in out.getvalue()
    [email] = mail.outbox
    assert email.to == ["equipe@example.org"] and "Jamais vérifiée" in email.body
    # Within a year and a day, the other one is due too.
    out = StringIO()
    call_command("review_due", "--days", "366", "--no-email", stdout=out)
    assert "Fiches à revérifier : 2" in out.getvalue() and len(mail.outbox) == 1


def test_review_due_succeeds_when_nothing_is_due():
    call_command("review_due", "--strict", stdout=StringIO())
    assert not mail.outbox


def test_readers_do_not_see_review_dates_but_do_see_the_verification(client):
    initiative = make_initiative(verified_on=date(2025, 6, 1))
    text = page_text(client.get(initiative.get_absolute_url()))
    assert "Vérifiée le 1 juin 2025" in text and "revérifier" not in text
    assert card_titles(client.get(reverse("initiatives:initiative-list")))
