"""What the OpenAPI schema says of the initiatives' query parameters that drf-spectacular
cannot read from InitiativeFilter by itself."""

from typing import Any

from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.drainage import set_override

from ..filters import RelatedSlugFilter


class InitiativeFilterExtension(DjangoFilterExtension):
    """The filters by related rows take slugs (repeatable): strings, whatever rows exist."""

    target_class = "initiatives.api.views.InitiativeFilterBackend"
    priority = 1

    def get_schema_operation_parameters(self, auto_schema: Any, *args: Any, **kwargs: Any) -> Any:
        filterset_class = self.target.get_filterset_class(auto_schema.view)
        for name, filter_field in filterset_class.base_filters.items():
            if isinstance(filter_field, RelatedSlugFilter):
                description = f"The slug of a {name} (repeatable: any of them)."
                set_override(filter_field, "field", {"type": "string", "description": description})
        return super().get_schema_operation_parameters(auto_schema, *args, **kwargs)
