"""A reader reports an error or proposes an update: the form's own page, the confirmation, the
errors, the honeypot, the limit per address, the editors' email and review queue."""

import ipaddress

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from initiatives.caching import revision
from initiatives.models import Suggestion, SuggestionState

from .factories import make_initiative
from .pages import change_url, links, page_text

pytestmark = pytest.mark.django_db

MESSAGE = "Ce numéro ne répond plus depuis janvier."


def suggest_url(initiative) -> str:
    return reverse("initiatives:initiative-suggest", args=[initiative.slug])


def post(client: Client, initiative, address: str = "192.0.2.1", **fields: str):
    data = {"message": MESSAGE, "part": "contacts", "name": "", "email": "", "website": ""}
    return client.post(suggest_url(initiative), data | fields, REMOTE_ADDR=address)


@pytest.fixture
def editor_email(settings):
    settings.SUGGESTION_EMAILS = ["equipe@example.org"]


def test_it_links_the_initiative_page_to_the_form_on_a_page_of_its_own(client):
    initiative = make_initiative("Mon toit pour toi")
    page = client.get(initiative.get_absolute_url())
    assert links(page)["Signaler une erreur ou proposer une mise à jour"] == suggest_url(initiative)
    # A link, not the form: the form's token must not be on a page cached whole.
    assert f'action="{suggest_url(initiative)}"' not in page.content.decode()


def test_it_shows_the_form_with_a_token_never_cached(client):
    initiative = make_initiative("Mon toit pour toi")
    page = client.get(suggest_url(initiative))
    assert page.status_code == 200
    assert "csrfmiddlewaretoken" in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert "Mon toit pour toi" in page_text(page)


def test_it_refuses_a_post_without_the_csrf_token():
    initiative = make_initiative()
    response = post(Client(enforce_csrf_checks=True), initiative)
    assert response.status_code == 403
    assert not Suggestion.objects.exists()


def test_it_stores_a_suggestion_emails_editors_and_confirms(client, editor_email):
    initiative = make_initiative("Mon toit pour toi")
    before = revision(None)
    response = post(client, initiative, name="Awa", email="awa@example.org")
    assert response.status_code == 302
    confirmation = client.get(response["Location"])
    assert "Merci, votre message est parti" in page_text(confirmation)

    suggestion = Suggestion.objects.get()
    assert (suggestion.initiative, suggestion.message, suggestion.state) == (
        initiative,
        MESSAGE,
        SuggestionState.NEW,
    )
    assert suggestion.address_hash and "192.0.2.1" not in suggestion.address_hash
    # Editors' data: the public catalogue is not changed, nothing cached is dropped.
    assert revision(None) == before

    [email] = mail.outbox
    assert email.to == ["equipe@example.org"] and email.reply_to == ["awa@example.org"]
    assert "Mon toit pour toi" in email.subject and MESSAGE in email.body
    assert reverse("admin:initiatives_suggestion_change", args=[suggestion.pk]) in email.body


def test_it_emails_the_active_editors_when_no_address_is_configured(client):
    call_command("make_editor", "edith", "--create", "--email", "edith@example.org", stdout=None)
    post(client, make_initiative())
    assert mail.outbox[0].to == ["edith@example.org"]


def test_it_gives_the_form_back_with_its_errors_and_the_text_typed(client):
    initiative = make_initiative()
    response = post(client, initiative, message="x" * 4001, email="pas-un-courriel", name="Awa")
    assert response.status_code == 400
    text = page_text(response)
    assert "Le message n'est pas parti" in text
    assert "Saisissez une adresse e-mail valide" in text
    assert "x" * 4001 in response.content.decode() and 'value="Awa"' in response.content.decode()
    assert not Suggestion.objects.exists()
    assert post(client, initiative, message="   ").status_code == 400


def test_it_drops_what_a_robot_fills_in_the_honeypot_quietly(client):
    initiative = make_initiative()
    response = post(client, initiative, website="http://spam.example")
    assert response.status_code == 302
    assert not Suggestion.objects.exists() and not mail.outbox


def test_it_refuses_a_flood_from_one_address_with_429_and_keeps_others(client, settings):
    settings.SUGGESTION_RATE_LIMIT = 2
    initiative = make_initiative()
    assert [post(client, initiative).status_code for _ in range(2)] == [302, 302]
    refused = post(client, initiative, message="Encore un message")
    assert refused.status_code == 429
    assert 3500 < int(refused["Retry-After"]) <= 3600
    assert "Encore un message" in refused.content.decode()
    assert "réessayez dans 60 minutes" in page_text(refused)
    # Another address is not held back by the first one's flood.
    assert post(client, initiative, address="198.51.100.9").status_code == 302
    assert Suggestion.objects.count() == 3


def test_it_counts_the_address_the_first_trusted_proxy_saw(client, settings):
    settings.SUGGESTION_RATE_LIMIT = 1
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    initiative = make_initiative()
    url = suggest_url(initiative)
    data = {"message": MESSAGE}
    first = client.post(url, data, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.1")
    other = client.post(url, data, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.2")
    again = client.post(url, data, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert [first.status_code, other.status_code, again.status_code] == [302, 302, 429]


def test_it_has_no_form_for_an_unpublished_initiative(client):
    initiative = make_initiative(is_published=False)
    assert client.get(suggest_url(initiative)).status_code == 404
    assert post(client, initiative).status_code == 404


def test_it_shows_markup_as_text_in_the_admin_queue(admin_client, client):
    initiative = make_initiative()
    post(client, initiative, message='<script>alert("x")</script><b>gras</b>')
    suggestion = Suggestion.objects.get()
    for url in (
        reverse("admin:initiatives_suggestion_changelist"),
        reverse("admin:initiatives_suggestion_change", args=[suggestion.pk]),
    ):
        content = admin_client.get(url).content.decode()
        assert "<script>alert" not in content and "<b>gras" not in content
        assert "&lt;script&gt;alert" in content


def test_editors_handle_suggestions_in_the_queue_with_history(client):
    call_command("make_editor", "edith", "--create", stdout=None)
    editor = Client()
    editor.force_login(User.objects.get(username="edith"))
    initiative = make_initiative("Mon toit pour toi")
    post(client, initiative)
    suggestion = Suggestion.objects.get()

    queue = editor.get(reverse("admin:initiatives_suggestion_changelist") + "?state__exact=new")
    assert queue.status_code == 200
    assert links(queue.content.decode())["Mon toit pour toi"] == change_url(initiative)
    response = editor.post(
        reverse("admin:initiatives_suggestion_changelist"),
        {"action": "accept", "_selected_action": [suggestion.pk]},
    )
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.state == SuggestionState.ACCEPTED
    assert suggestion.handled_by.username == "edith" and suggestion.handled_at
    assert suggestion.history.first().history_user.username == "edith"
    # Readers send suggestions; editors do not write them, nor delete them.
    assert editor.get(reverse("admin:initiatives_suggestion_add")).status_code == 403
    delete = reverse("admin:initiatives_suggestion_delete", args=[suggestion.pk])
    assert editor.get(delete).status_code == 403


def test_its_pages_read_the_initiative_in_one_query(client, django_assert_num_queries):
    initiative = make_initiative()
    thanks = reverse("initiatives:initiative-suggest-thanks", args=[initiative.slug])
    # The form is never cached: the initiative alone. The thanks page, cached as every public
    # page: the catalogue's revision too.
    for url, queries in ((suggest_url(initiative), 1), (thanks, 2)):
        with django_assert_num_queries(queries):
            assert client.get(url).status_code == 200
