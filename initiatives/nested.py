"""Related rows read inside their parent's query, as JSON, then made model instances again.

`prefetch_related` costs one query per relation; a page showing an initiative with its themes,
publics, partners, contacts, results, sources and places would pay eight. Here each relation is
an array of JSON objects annotated on the parent (`nested_rows`), and `install_nested` turns
the arrays back into instances, placed where `prefetch_related` would have put them: templates
and model methods read `initiative.results.all()` as usual, without a query.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchVectorField
from django.db import DEFAULT_DB_ALIAS, models
from django.db.models import F, OuterRef, TextField
from django.db.models.functions import Cast, JSONObject
from django.db.models.query import ModelIterable

Q = TypeVar("Q", bound=models.QuerySet)


@dataclass(frozen=True)
class Nested:
    """A relation of the parent read inside its query: `relation` is its name on the parent,
    `queryset` its rows in order, `parent` the lookup from a row to the parent, `joined` the
    foreign keys of a row read with it. With `to_attr`, the rows (a subset of the relation's,
    such as its leads) go to that list attribute instead of the relation's prefetched rows."""

    relation: str
    queryset: models.QuerySet
    parent: str
    joined: tuple[str, ...] = ()
    to_attr: str | None = None

    @property
    def annotation(self) -> str:
        return f"nested_{self.to_attr or self.relation}"

    def place(self, parent: models.Model) -> None:
        """Turns the JSON rows read on `parent` into instances, where they belong."""
        rows = parent.__dict__.pop(self.annotation, None)
        items = instances(self.queryset.model, rows, self.joined)
        if self.to_attr is None:
            install_nested(parent, self.relation, items)
        else:
            setattr(parent, self.to_attr, items)


class NestedIterable(ModelIterable):
    """Model instances with their nested relations placed (see with_nested)."""

    nested: tuple[Nested, ...] = ()

    def __iter__(self) -> Iterator[models.Model]:
        for parent in super().__iter__():
            for nested in self.nested:
                nested.place(parent)
            yield parent


def with_nested(queryset: Q, *nested: Nested) -> Q:
    """`queryset` whose rows each come with the rows of the `nested` relations, in one query."""
    annotated = queryset.annotate(
        **{item.annotation: nested_rows(item.queryset, item.parent, item.joined) for item in nested}
    )
    already = getattr(queryset._iterable_class, "nested", ())
    annotated._iterable_class = type(
        "NestedIterable", (NestedIterable,), {"nested": (*already, *nested)}
    )
    return annotated


def json_fields(model: type[models.Model], prefix: str = "") -> dict[str, Any]:
    """Expressions of `model`'s columns for a JSON object, by attribute name. Decimals go as
    text, so that none is rounded through a float."""
    fields: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if isinstance(field, SearchVectorField):
            continue
        expression: Any = F(f"{prefix}{field.attname}")
        if isinstance(field, models.DecimalField):
            expression = Cast(expression, TextField())
        fields[field.attname] = expression
    return fields


def nested_rows(
    queryset: models.QuerySet, parent: str, joined: Iterable[str] = ()
) -> ArraySubquery:
    """The rows of `queryset` (in its order) whose `parent` lookup is the outer row, as an
    array of JSON objects, each with the rows its foreign keys `joined` name nested whole."""
    model = queryset.model
    fields = json_fields(model)
    for name in joined:
        related = model._meta.get_field(name).related_model
        fields[name] = JSONObject(**json_fields(related, prefix=f"{name}__"))
    rows = queryset.filter(**{parent: OuterRef("pk")}).values(row=JSONObject(**fields))
    return ArraySubquery(rows)


def instance(model: type[models.Model], row: Mapping[str, Any]) -> models.Model:
    """The instance of `model` a JSON object of nested_rows() describes, as if read from the
    database (columns missing from `row` deferred)."""
    names, values = [], []
    for field in model._meta.concrete_fields:
        if field.attname in row:
            value = row[field.attname]
            names.append(field.attname)
            values.append(None if value is None else field.to_python(value))
    return model.from_db(DEFAULT_DB_ALIAS, names, values)


def instances(
    model: type[models.Model], rows: Iterable[Mapping[str, Any]] | None, joined: Iterable[str] = ()
) -> list[models.Model]:
    """The instances of `model` of `rows`, each with the instances its `joined` keys name."""
    found = []
    for row in rows or ():
        item = instance(model, row)
        for name in joined:
            related = model._meta.get_field(name).related_model
            data = row[name]
            pk_name = related._meta.pk.attname  # type: ignore[union-attr]
            setattr(item, name, None if data[pk_name] is None else instance(related, data))  # type: ignore[arg-type]
        found.append(item)
    return found


def install_nested(parent: models.Model, name: str, items: list[models.Model]) -> None:
    """Places `items` as the prefetched rows of `parent`'s relation `name`, and `parent` as
    the object each of them points to (for a relation through a foreign key to it)."""
    relation = parent._meta.get_field(name)
    if relation.one_to_many:
        back = relation.field.name  # type: ignore[union-attr]
        for item in items:
            setattr(item, back, parent)
    queryset = getattr(parent, name).get_queryset()
    queryset._result_cache = items
    queryset._prefetch_done = True
    cache = parent.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[name] = queryset
