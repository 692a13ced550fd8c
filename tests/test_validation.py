"""What the admin refuses, and says in French, before anything reaches the database."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from initiatives.models import Initiative, validate_phone

from .factories import initiative_form, make_initiative, make_organisation, make_theme
from .pages import change_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_initiative_form():
    housing = make_theme("Logement")
    return initiative_form(make_organisation(), housing, [housing])


def with_contact(data, **fields):
    contact = {"position": "1", "name": "Claire", "organisation": "", "phones": ""} | fields
    return data | {"contacts-TOTAL_FORMS": "1"} | {f"contacts-0-{k}": v for k, v in contact.items()}


def refused(admin_client, data, message):
    response = admin_client.post(reverse("admin:initiatives_initiative_add"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Initiative.objects.filter(title=data["title"]).exists()


@pytest.mark.parametrize(
    "phone", ["01 43 14 88 92", "06.62.71.13.09", "+33 (0)1 43 14 88 92", "+32-2-555-12-12", "115"]
)
def test_it_accepts_phone_numbers_as_people_write_them(phone):
    validate_phone(phone)


@pytest.mark.parametrize(
    "phone", ["01 43 ab 88", "33+ 1 43", "12", "+33 1 43 14 88 92 12 34 56 78", "tel: 0143"]
)
def test_it_refuses_what_is_not_a_phone_number(phone):
    with pytest.raises(ValidationError):
        validate_phone(phone)


def test_the_admin_refuses_a_bad_phone_number_in_french(admin_client, new_initiative_form):
    data = with_contact(new_initiative_form, phones="01 43 14 88 92, appeler le matin")
    refused(admin_client, data, "« appeler le matin » n&#x27;est pas un numéro de téléphone")


def test_the_admin_saves_several_phone_numbers(admin_client, new_initiative_form):
    data = with_contact(new_initiative_form, phones="01 43 14 88 92, +33 6 15 05 29 04")
    response = admin_client.post(reverse("admin:initiatives_initiative_add"), data)
    assert response.status_code == 302
    contact = Initiative.objects.get(slug="nouvelle-initiative").contacts.get()
    assert contact.phones == ["01 43 14 88 92", "+33 6 15 05 29 04"]


def test_the_admin_refuses_a_bad_email(admin_client, new_initiative_form):
    data = with_contact(new_initiative_form, email="claire.exemple.org")
    refused(admin_client, data, "Saisissez une adresse e-mail valide.")


@pytest.mark.parametrize(
    "email",
    [
        '"a?cc=victim@evil.example&subject=hi"@example.org',
        "a?cc=victim@example.org",
        "a&b=c@example.org",
        "50%25@example.org",
    ],
)
def test_the_admin_refuses_an_email_that_would_add_to_a_mailto_link(
    admin_client, new_initiative_form, email
):
    data = with_contact(new_initiative_form, email=email)
    refused(admin_client, data, "Avant le @, une adresse de courriel ne peut contenir")


def test_the_admin_refuses_an_unsafe_organisation_email(admin_client):
    organisation = make_organisation("Asso")
    response = admin_client.post(
        reverse("admin:initiatives_organisation_change", args=[organisation.pk]),
        {
            "name": "Asso",
            "slug": organisation.slug,
            "kind": organisation.kind,
            "country": "FR",
            "email": '"x?bcc=victim@evil.example"@example.org',
            "phones": "",
        },
    )
    assert response.status_code == 200
    assert "Avant le @, une adresse de courriel ne peut contenir" in response.content.decode()


@pytest.mark.parametrize("email", ["claire.dupont@example.org", "o'brien+accueil@asso-x.fr"])
def test_the_admin_accepts_plain_emails(admin_client, new_initiative_form, email):
    data = with_contact(new_initiative_form, email=email)
    response = admin_client.post(reverse("admin:initiatives_initiative_add"), data)
    assert response.status_code == 302
    assert Initiative.objects.get(slug="nouvelle-initiative").contacts.get().email == email


def test_the_admin_refuses_a_contact_without_name_or_organisation(
    admin_client, new_initiative_form
):
    data = with_contact(new_initiative_form, name="", role="Accueil")
    refused(admin_client, data, "Indiquez au moins un nom ou une organisation.")


def test_the_admin_refuses_a_bad_website(admin_client, new_initiative_form):
    refused(
        admin_client,
        new_initiative_form | {"website": "http://pas une adresse"},
        "Saisissez une URL valide.",
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"start_year": "1850"}, "supérieure ou égale à 1900"),
        ({"end_year": "2150"}, "inférieure ou égale à 2100"),
        ({"start_year": "2020", "end_year": "2018"}, "L&#x27;année de fin ne peut précéder"),
    ],
)
def test_the_admin_refuses_impossible_years(admin_client, new_initiative_form, fields, message):
    refused(admin_client, new_initiative_form | fields, message)


def test_the_admin_refuses_a_slug_already_taken(admin_client, new_initiative_form):
    make_initiative("Mon toit")
    refused(
        admin_client,
        new_initiative_form | {"slug": "mon-toit"},
        "Le slug « mon-toit » est déjà celui de l&#x27;initiative « Mon toit »",
    )


def test_the_admin_refuses_the_map_s_address_as_a_slug(admin_client, new_initiative_form):
    refused(
        admin_client,
        new_initiative_form | {"slug": "map"},
        "« map » est l&#x27;adresse de la carte : choisissez un autre slug.",
    )


def test_the_year_constraints_speak_french():
    initiative = make_initiative(start_year=2020)
    initiative.end_year = 2010
    with pytest.raises(ValidationError, match="ne peut précéder"):
        initiative.validate_constraints()


def test_the_admin_says_in_words_that_a_result_s_date_needs_its_precision(
    admin_client, new_initiative_form
):
    data = new_initiative_form | {
        "results-TOTAL_FORMS": "1",
        "results-0-position": "1",
        "results-0-nature": "achieved",
        "results-0-text": "12 bourses",
        "results-0-as_of": "2021-03-01",
        "results-0-as_of_precision": "",
    }
    response = admin_client.post(reverse("admin:initiatives_initiative_add"), data)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Une date de résultat se donne avec sa précision" in content
    assert "contrainte" not in content
    assert not Initiative.objects.filter(slug="nouvelle-initiative").exists()


def test_an_initiative_cannot_be_its_own_parent(django_app, admin_user):
    initiative = make_initiative("Mon toit pour toi")
    django_app.set_user(admin_user)
    form = change_form(django_app, initiative)
    form["parent"].force_value(str(initiative.pk))
    response = form.submit()
    assert response.status_code == 200
    assert "Une initiative ne peut faire partie d&#x27;elle-même." in response.text
    assert "contrainte" not in response.text
    initiative.refresh_from_db()
    assert initiative.parent is None


@pytest.mark.parametrize(
    ("country", "refused_as"), [("ZZ", "n&#x27;est le code d&#x27;aucun pays"), ("BE", None)]
)
def test_the_admin_refuses_a_country_code_that_names_no_country(admin_client, country, refused_as):
    organisation = make_organisation("Asso")
    response = admin_client.post(
        reverse("admin:initiatives_organisation_change", args=[organisation.pk]),
        {"name": "Asso", "slug": organisation.slug, "kind": organisation.kind, "country": country},
    )
    organisation.refresh_from_db()
    if refused_as:
        assert response.status_code == 200
        assert f"« {country} » {refused_as}" in response.content.decode()
        assert organisation.country == "FR"
    else:
        assert response.status_code == 302
        assert organisation.country == country
