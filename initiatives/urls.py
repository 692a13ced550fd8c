from django.urls import path

from . import views

app_name = "initiatives"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("initiatives/", views.InitiativeListView.as_view(), name="initiative-list"),
    path("initiatives/export.csv", views.InitiativeExportView.as_view(), name="initiative-export"),
    path(
        "initiatives/<slug:slug>/", views.InitiativeDetailView.as_view(), name="initiative-detail"
    ),
    path("themes/<slug:slug>/", views.ThemeDetailView.as_view(), name="theme-detail"),
    path("pilots/<slug:slug>/", views.PilotDetailView.as_view(), name="pilot-detail"),
    path("partners/<slug:slug>/", views.PartnerDetailView.as_view(), name="partner-detail"),
]
