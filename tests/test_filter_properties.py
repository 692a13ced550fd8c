"""Whatever the filter parameters hold, the list and the export answer 200 or 400, never 500."""

import pytest
from django.test import Client
from django.utils.text import slugify
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from initiatives.exports import ExportFormat
from initiatives.filters import Sort
from initiatives.models import (
    Organisation,
    Partnership,
    Place,
    Source,
    StatusNow,
    TargetPublic,
    Theme,
)

pytestmark = pytest.mark.django_db

PAGES = [
    "/initiatives/",
    "/initiatives/export.csv",
    "/initiatives/map/",
    "/initiatives/export.geojson",
]
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text as it arrives in a query string: any character a URL can carry, NUL included.
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=300)
numbers = st.integers(min_value=-(10**40), max_value=10**40).map(str)


@pytest.fixture(scope="module")
def valid_values(catalogue_data, django_db_blocker):
    """For each parameter, the values the catalogue's data makes valid."""
    with django_db_blocker.unblock():
        slugs = {
            "theme": Theme.objects.values_list("slug", flat=True),
            "public": TargetPublic.objects.values_list("slug", flat=True),
            "pilot": Partnership.objects.leads().values_list("organisation__slug", flat=True),
            "partner": Partnership.objects.partners().values_list("organisation__slug", flat=True),
            "organisation": Organisation.objects.values_list("slug", flat=True),
            "source": Source.objects.values_list("slug", flat=True),
            "country": Place.objects.filter(initiatives__isnull=False).values_list(
                "country", flat=True
            ),
            "department": Place.objects.filter(initiatives__isnull=False)
            .exclude(department_code="")
            .values_list("department_code", flat=True),
        }
        values = {name: sorted(set(found)) for name, found in slugs.items()}
        regions = Place.objects.filter(initiatives__isnull=False).exclude(region_name="")
        values["region"] = sorted(
            {slugify(name) for name in regions.values_list("region_name", flat=True)}
        )
    values["status"] = list(StatusNow.values)
    values["sort"] = [value for value, _ in Sort.choices]
    values["format"] = [value for value, _ in ExportFormat.choices]
    values["q"] = ["logement", "réfugiés", '"bail glissant"', "soins or santé", "-marseille"]
    values["page"] = ["1", "2"]
    values["verbatim"] = ["1"]
    values["near"] = ["Marseille", "13001", "Saint-Denis (93)", "lyon"]
    return values


def parameter_values(valid):
    """A list of values for one parameter: valid ones, plausible mistakes and garbage."""
    one = st.one_of(
        st.sampled_from(valid),
        st.sampled_from(valid).map(str.upper),
        st.sampled_from(valid).map(lambda value: value + "-x"),
        numbers,
        any_text,
    )
    return st.lists(one, min_size=1, max_size=3)


@st.composite
def queries(draw, valid_values):
    names = draw(st.sets(st.sampled_from(sorted(valid_values)), max_size=5))
    return {name: draw(parameter_values(valid_values[name])) for name in names}


@pytest.mark.parametrize("path", PAGES)
@EXAMPLES
@given(data=st.data())
def test_it_answers_200_or_400_to_any_filter_parameters(catalogue_data, valid_values, path, data):
    query = data.draw(queries(valid_values), label="query")
    response = Client().get(path, query)
    assert response.status_code in (200, 400)


@pytest.mark.parametrize("path", PAGES)
@EXAMPLES
@given(query_string=st.binary(max_size=400))
def test_it_answers_200_or_400_to_any_raw_query_string(catalogue_data, path, query_string):
    # As a WSGI server hands it over: the raw bytes, decoded as ISO-8859-1.
    response = Client().generic("GET", path, QUERY_STRING=query_string.decode("iso-8859-1"))
    assert response.status_code in (200, 400)


@EXAMPLES
@given(data=st.data())
def test_it_keeps_the_valid_filters_valid(catalogue_data, valid_values, data):
    names = data.draw(st.sets(st.sampled_from(sorted(set(valid_values) - {"page"}))))
    query = {name: data.draw(st.sampled_from(valid_values[name])) for name in names}
    response = Client().get("/initiatives/export.csv", query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
