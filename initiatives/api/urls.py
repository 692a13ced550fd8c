"""/api/v1/: the JSON API, read-only and anonymous (Django REST framework), its OpenAPI schema
and its documentation page. Every request counts against its client address's rate
(API_THROTTLE_RATE, `throttling.py`): past it, a 429 with Retry-After."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from . import views

app_name = "api"

router = DefaultRouter()
router.register("initiatives", views.InitiativeViewSet, basename="initiative")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("themes", views.ThemeViewSet, basename="theme")
router.register("publics", views.TargetPublicViewSet, basename="public")
router.register("sources", views.SourceViewSet, basename="source")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.DocumentationView.as_view(), name="docs"),
    *router.urls,
]
